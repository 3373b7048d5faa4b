/**
 * GET /v1/track/{trackingNo}?code= — the resident's own status view; and,
 * with the same 提取码 in the body, POST …/follow-up (满意 / 基本满意 / 不满意,
 * once per 办结 — 不满意 reopens the case and sends it up a level) and POST
 * …/messages (what the resident adds, shown to the mediators). Public:
 * the 提取码 is the credential, so every try takes an attempt per number and
 * per address in one conditional write (a right code gives it back), a wrong
 * code is answered 404 like a number that does not exist, and a sixth wrong
 * one within the window 429. Someone who locks a number out this way does not
 * lock out its resident: the channel they filed from (SMS, WeChat) answers
 * "查询 <编号>" by who they are, not by the code.
 */
import middy from '@middy/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import type { MiddlewareObj } from '@middy/core';
import { NotFound, SATISFACTION_CODES, ValidationFailed, normalizeTrackingNo, type Actor, type Command } from '../../shared/domain/index.ts';
import { text } from '../../shared/contract/fields.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { RateLimited } from '../../shared/http/errors.ts';
import { idempotencyKey, type ApiEvent } from '../../shared/http/event.ts';
import { bodyLimit, httpErrors, jsonBody } from '../../shared/http/middleware.ts';
import type { Loaded } from '../../shared/store/case-store.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { AttemptLimiter, type LimitRule } from '../../shared/store/limits.ts';
import { cases, config, directory, dynamodb, store } from '../../shared/service/runtime.ts';
import { publicView } from '../../shared/service/views.ts';
import { clock } from '../../shared/service/clock.ts';

const PER_NUMBER: LimitRule = { scope: 'track-no', max: 5, windowSeconds: 15 * 60 };
const PER_ADDRESS: LimitRule = { scope: 'track-ip', max: 20, windowSeconds: 15 * 60 };
/** What one number may add by this page in an hour (a resident's follow-ups, not a stream). */
const MESSAGES_PER_NUMBER: LimitRule = { scope: 'track-msg', max: 10, windowSeconds: 3600 };
const limiter = new AttemptLimiter(dynamodb, config.tableName);
/** Who acts through this page: the resident, proven by the 提取码. */
const RESIDENT: Actor = { kind: 'resident', id: 'track', channel: 'web' };

const code = z.string().check(z.regex(/^\d{4,8}$/, '提取码是 4–8 位数字'));
const followUpSchema = z.strictObject({ code, satisfaction: z.enum(SATISFACTION_CODES), comment: z.optional(text(0, 500)) });
const messageSchema = z.strictObject({ code, text: text(1, 1000) });

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

const TOO_MANY =
  '查询失败次数过多，请稍后再试；您也可以用提交诉求时的手机短信或微信发送“查询 编号”查看进度 (too many wrong codes; try again later, or text "查询 <number>" from the phone or WeChat you filed with)';

/** Compared in constant time; only the length (six digits, public) can differ quickly. Any characters at all may come in. */
function sameCode(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export const handler = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(postBody())
  .handler(async (event) => {
    const now = clock.now();
    const raw = event.pathParameters?.trackingNo ?? '';
    // A resident may type spaces and dashes; longer or with control characters, it is no number at all.
    if (!/^[\x20-\x7e]{1,128}$/.test(raw)) {
      throw new ValidationFailed('the tracking number must be 1–128 printable ASCII characters', [{ path: 'trackingNo', message: 'must be 1–128 printable ASCII characters' }]);
    }
    const trackingNo = normalizeTrackingNo(raw) ?? raw.slice(0, 32);
    const post = event.routeKey.startsWith('POST ');
    const body =
      event.routeKey === 'POST /v1/track/{trackingNo}/follow-up'
        ? parseWith(followUpSchema, event.json, 'the rating')
        : event.routeKey === 'POST /v1/track/{trackingNo}/messages'
          ? parseWith(messageSchema, event.json, 'the message')
          : undefined;
    if (body instanceof ValidationFailed) throw body;
    const given = post ? (body?.code ?? '') : (event.queryStringParameters?.code ?? '');
    const checks = [
      { rule: PER_NUMBER, subject: trackingNo },
      { rule: PER_ADDRESS, subject: event.requestContext.http.sourceIp },
    ];
    const attempt = await limiter.take(checks, now);
    if (attempt.wait > 0) throw new RateLimited(attempt.wait, TOO_MANY);
    const loaded = normalizeTrackingNo(raw) ? await store.load(trackingNo) : undefined;
    if (!loaded || !sameCode(given, loaded.state.trackingCode)) {
      throw new NotFound('没有找到该编号，或提取码不正确 (no case with this number and code)');
    }
    await attempt.giveBack();
    const units = await directory.units();
    if (body !== undefined) {
      const command: Command =
        'satisfaction' in body
          ? { type: 'follow_up', satisfaction: body.satisfaction, ...(body.comment ? { comment: body.comment } : {}) }
          : { type: 'note', visibility: 'public', text: body.text };
      if (command.type === 'note') {
        const sent = await limiter.take([{ rule: MESSAGES_PER_NUMBER, subject: trackingNo }], now);
        if (sent.wait > 0) throw new RateLimited(sent.wait, '留言过于频繁，请稍后再试 (too many messages; try again later)');
      }
      // A merged case is worked in the other one: what the resident says goes there.
      const target = loaded.state.mergedInto ? ((await store.load(loaded.state.mergedInto)) ?? loaded) : loaded;
      const key = idempotencyKey(event);
      const request = key === undefined ? undefined : { key, hash: createHash('sha256').update(`${target.state.id}\n${event.routeKey}\n`).update(JSON.stringify(body)).digest('base64url') };
      const { state } = await cases.act(target.state.id, command, RESIDENT, undefined, request);
      return json(200, await view(loaded.state.mergedInto ? loaded : { ...target, state }, units));
    }
    return json(200, await view(loaded, units));
  });

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
