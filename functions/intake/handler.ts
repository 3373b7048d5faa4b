/** POST /v1/cases — a hotline system (or other machine client) files a case. */
import middy from '@middy/core';
import { Forbidden, ValidationFailed } from '../../shared/domain/index.ts';
import { intakeSchema } from '../../shared/contract/intake.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { apiKeyAuth } from '../../shared/http/auth.ts';
import { idempotencyKey, type ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, httpErrors, jsonBody, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { cases, directory } from '../../shared/service/runtime.ts';
import { caseView } from '../../shared/service/views.ts';
import { mediaAllowList, refusal } from '../../shared/media/fetch.ts';
import type { MediaRequest } from '../../shared/domain/index.ts';

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

export const handler = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit())
  .use(authenticate(apiKeyAuth(directory)))
  .use(jsonBody())
  .handler(async (event) => {
    const principal = principalOf(event);
    // apiKeyAuth has checked the key's cases:write scope.
    if (principal.kind !== 'client') throw new Forbidden('this credential may not file cases');
    const body = parseWith(intakeSchema, event.json, 'the case');
    if (body instanceof ValidationFailed) throw body;
    if (!principal.client.sources.includes(body.source)) {
      throw new Forbidden(`this key files cases from ${principal.client.sources.join(', ')}, not "${body.source}"`);
    }
    // What the new case sets in motion is recorded with its first event; the relay delivers it.
    const { attachments, ...input } = body;
    const result = await cases.intake({ ...input, media: mediaOf(attachments) }, principal.actor, idempotencyKey(event));
    const { state } = result;
    const units = await directory.units();
    return json(result.created ? 201 : 200, caseView(state, units, { view: 'client', audience: 'client' }), {
      location: `/v1/cases/${state.id}`,
    });
  });
