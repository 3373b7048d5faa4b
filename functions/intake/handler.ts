/**
 * POST /v1/cases — a hotline system (or other machine client) files a case;
 * or a mediator, 联户长 or officer registers one on a resident's behalf (登记:
 * a 来访 at the 矛调中心, a 来电, a 走访), within their own subtree, and gets
 * the 回执 to read out or print. The resident's SMS with the 回执 follows
 * from the case's first event, through the relay, like every other message.
 */
import middy from '@middy/core';
import { Forbidden, REGISTER_SOURCES, ValidationFailed } from '../../shared/domain/index.ts';
import { intakeSchema } from '../../shared/contract/intake.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { apiKeyAuth, jwtAuth } from '../../shared/http/auth.ts';
import { clock } from '../../shared/service/clock.ts';
import { idempotencyKey, type ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, httpErrors, jsonBody, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { cases, directory, volunteers } from '../../shared/service/runtime.ts';
import { caseView } from '../../shared/service/views.ts';
import { mediaAllowList, refusal } from '../../shared/media/fetch.ts';
import type { MediaRequest } from '../../shared/domain/index.ts';
import { lambda } from '../../shared/service/lambda.ts';

const allowList = mediaAllowList();

/** Files by URL become requests for the media worker; a URL it would refuse is refused here, before anything is written. */
function mediaOf(attachments: readonly { url: string; name?: string; caption?: string; visibility: 'internal' | 'shared' }[] = []): MediaRequest[] {
  const issues = attachments.flatMap((a, i) => {
    const url = URL.canParse(a.url) ? new URL(a.url) : undefined;
    const refused = url ? refusal(url, allowList) : { message: 'is not a URL' };
    return refused ? [{ path: `attachments.${i}.url`, message: refused.message }] : [];
  });
  if (issues.length > 0) throw new ValidationFailed(`files can only be fetched from allow-listed hosts: ${issues[0]?.message ?? ''}`, issues);
  return attachments.map(({ url, ...facts }) => ({ source: { kind: 'url', url }, ...facts }));
}

const run = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit())
  .use(authenticate(apiKeyAuth(directory), jwtAuth(directory, clock.now)))
  .use(jsonBody())
  .handler(async (event) => {
    const principal = principalOf(event);
    const body = parseWith(intakeSchema, event.json, 'the case');
    if (body instanceof ValidationFailed) throw body;
    if (principal.kind === 'user') {
      if (!(REGISTER_SOURCES as readonly string[]).includes(body.source)) {
        throw new ValidationFailed(`source must be one of ${REGISTER_SOURCES.join(', ')}`, [{ path: 'source', message: `must be one of ${REGISTER_SOURCES.join(', ')}` }]);
      }
      if (body.externalId !== undefined) throw new ValidationFailed('externalId is for API clients', [{ path: 'externalId', message: 'is for API clients' }]);
      const { service, ...input } = body;
      const ordered = service === undefined ? {} : { service: await volunteers.service(body.location.unitId ?? principal.actor.unitId, service) };
      const result = await cases.intake({ ...input, ...ordered }, principal.actor, idempotencyKey(event));
      const units = await directory.units();
      return json(result.created ? 201 : 200, caseView(result.state, units, { view: 'receipt', audience: principal.actor.role }), {
        location: `/v1/cases/${result.state.id}`,
      });
    }
    // apiKeyAuth has checked the key's cases:write scope.
    if (principal.kind !== 'client') throw new Forbidden('this credential may not file cases');
    if (!principal.client.sources.includes(body.source)) {
      throw new Forbidden(`this key files cases from ${principal.client.sources.join(', ')}, not "${body.source}"`);
    }
    // What the new case sets in motion is recorded with its first event; the relay delivers it.
    const { attachments, service, ...input } = body;
    const ordered = service === undefined ? {} : { service: await volunteers.service(body.location.unitId ?? principal.client.rootUnitId, service) };
    const result = await cases.intake({ ...input, ...ordered, media: mediaOf(attachments) }, principal.actor, idempotencyKey(event));
    const { state } = result;
    const units = await directory.units();
    return json(result.created ? 201 : 200, caseView(state, units, { view: 'client', audience: 'client' }), {
      location: `/v1/cases/${state.id}`,
    });
  });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
