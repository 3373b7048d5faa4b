/**
 * GET /v1/track/{trackingNo}?code= — the resident's own status view; and,
 * with the same 提取码 in the body, POST …/follow-up (满意 / 基本满意 / 不满意,
 * once per 办结 — 不满意 reopens the case and sends it up a level) and POST
 * …/messages (what the resident adds, shown to the mediators). Public: the
 * 提取码 is the credential (shared/service/tracked.ts: counted tries, 404 for a
 * wrong code, 429 after five). The files shared with the resident are served
 * by the attachments function (GET /v1/track/{trackingNo}/attachments), so
 * this one carries no S3 client.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { SATISFACTION_CODES, ValidationFailed, type Actor, type Command } from '../../shared/domain/index.ts';
import { text } from '../../shared/contract/fields.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { RateLimited } from '../../shared/http/errors.ts';
import { idempotencyKey, type ApiEvent } from '../../shared/http/event.ts';
import { bodyLimit, httpErrors, jsonBody } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import type { Loaded } from '../../shared/store/case-store.ts';
import { AttemptLimiter, type LimitRule } from '../../shared/store/limits.ts';
import { cases, config, directory, dynamodb, store } from '../../shared/service/runtime.ts';
import { openTracked } from '../../shared/service/tracked.ts';
import { publicView } from '../../shared/service/views.ts';
import { clock } from '../../shared/service/clock.ts';
import { lambda } from '../../shared/service/lambda.ts';

const limiter = new AttemptLimiter(dynamodb, config.tableName);
/** What one number may add by this page in an hour (a resident's follow-ups, not a stream). */
const MESSAGES_PER_NUMBER: LimitRule = { scope: 'track-msg', max: 10, windowSeconds: 3600 };
/** Who acts through this page: the resident, proven by the 提取码. */
const RESIDENT: Actor = { kind: 'resident', id: 'track', channel: 'web' };

const code = z.lazy(() => z.string().check(z.regex(/^\d{4,8}$/, '提取码是 4–8 位数字')));
const followUpSchema = z.lazy(() => z.strictObject({ code, satisfaction: z.enum(SATISFACTION_CODES), comment: z.optional(text(0, 500)) }));
const messageSchema = z.lazy(() => z.strictObject({ code, text: text(1, 1000) }));

/** The POST routes take a JSON body (the 提取码 goes there, not into a URL that gets logged); GET takes none. */
function postBody(): MiddlewareObj<ApiEvent, HttpResult> {
  const limit = bodyLimit();
  const parse = jsonBody();
  return {
    before: async (request) => {
      if (!request.event.routeKey.startsWith('POST ')) return;
      await limit.before?.(request as never);
      await parse.before?.(request as never);
    },
  };
}

/** The resident's view of their case, or — merged — of the case it was merged into, without that one's reporter. */
async function view(loaded: Pick<Loaded, 'state'>, units: Awaited<ReturnType<typeof directory.units>>) {
  const into = loaded.state.mergedInto ? await store.load(loaded.state.mergedInto) : undefined;
  if (into) {
    // 并单: the matter is worked in the other case; show its progress, but not its reporter.
    const { reporter: _theirs, ...shown } = publicView(into.state, await store.eventsAfter(into.state.id, 0), units);
    return { ...shown, mergedFrom: loaded.state.trackingNo };
  }
  return publicView(loaded.state, await store.eventsAfter(loaded.state.id, 0), units);
}

const run = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(postBody())
  .handler(async (event) => {
    const now = clock.now();
    const body =
      event.routeKey === 'POST /v1/track/{trackingNo}/follow-up'
        ? parseWith(followUpSchema, event.json, 'the rating')
        : event.routeKey === 'POST /v1/track/{trackingNo}/messages'
          ? parseWith(messageSchema, event.json, 'the message')
          : undefined;
    if (body instanceof ValidationFailed) throw body;
    const loaded = await openTracked(event, { limiter, store, now }, body?.code);
    const units = await directory.units();
    if (body === undefined) return json(200, await view(loaded, units));
    const command: Command =
      'satisfaction' in body
        ? { type: 'follow_up', satisfaction: body.satisfaction, ...(body.comment ? { comment: body.comment } : {}) }
        : { type: 'note', visibility: 'public', text: body.text };
    if (command.type === 'note') {
      const sent = await limiter.take([{ rule: MESSAGES_PER_NUMBER, subject: loaded.state.trackingNo }], now);
      if (sent.wait > 0) throw new RateLimited(sent.wait, '留言过于频繁，请稍后再试 (too many messages; try again later)');
    }
    // A merged case is worked in the other one: what the resident says goes there.
    const target = loaded.state.mergedInto ? ((await store.load(loaded.state.mergedInto)) ?? loaded) : loaded;
    const key = idempotencyKey(event);
    const request = key === undefined ? undefined : { key, hash: createHash('sha256').update(`${target.state.id}\n${event.routeKey}\n`).update(JSON.stringify(body)).digest('base64url') };
    const { state } = await cases.act(target.state.id, command, RESIDENT, undefined, request);
    return json(200, await view(loaded.state.mergedInto ? loaded : { ...target, state }, units));
  });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
