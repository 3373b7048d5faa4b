/** GET /v1/cases/{id} and its timeline — for the client that filed it (and, later, mediators by jurisdiction). */
import middy from '@middy/core';
import { NotFound, ValidationFailed } from '../../shared/domain/index.ts';
import { apiKeyAuth, jwtAuth } from '../../shared/http/auth.ts';
import { clock } from '../../shared/service/clock.ts';
import type { ApiEvent } from '../../shared/http/event.ts';
import { authenticate, httpErrors, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { cases, directory } from '../../shared/service/runtime.ts';
import { caseView, eventView, visibleEvents } from '../../shared/service/views.ts';

function pageLimit(raw: string | undefined): number {
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 500) {
    throw new ValidationFailed('limit must be an integer from 1 to 500', [{ path: 'limit', message: 'must be 1–500' }]);
  }
  return n;
}

export const handler = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(authenticate(apiKeyAuth(directory), jwtAuth(directory, clock.now)))
  .handler(async (event) => {
    const { actor } = principalOf(event);
    const audience = actor.kind === 'client' ? 'client' : 'mediator';
    const id = event.pathParameters?.id ?? '';
    const units = await directory.units();
    switch (event.routeKey) {
      case 'GET /v1/cases/{id}':
        return json(200, caseView(await cases.read(id, actor), units, audience));
      case 'GET /v1/cases/{id}/events': {
        const query = event.queryStringParameters ?? {};
        const page = await cases.timeline(id, actor, query.cursor, pageLimit(query.limit));
        return json(200, { items: visibleEvents(page.items, audience).map(eventView), cursor: page.cursor ?? null });
      }
      default:
        throw new NotFound(`no route ${event.routeKey}`);
    }
  });
