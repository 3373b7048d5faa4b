/**
 * 议事厅 routes. Staff (JWT): raise a topic, list a unit's topics, read one
 * with its record, act on it (schedule, hold, agree, publish, complete a
 * decision, cancel), and its statistics. Everyone: a unit's published
 * results (公示), without the names of those who took part.
 */
import middy from '@middy/core';
import { createHash } from 'node:crypto';
import { ValidationFailed, type TopicCommand } from '../../shared/domain/index.ts';
import { raiseSchema, topicActionSchema } from '../../shared/contract/deliberation.ts';
import { instantParam } from '../../shared/contract/days.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import { bodyBytes, idParam, idempotencyKey, type ApiEvent } from '../../shared/http/event.ts';
import { authenticate, bodyLimit, httpErrors, jsonBody, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { clock } from '../../shared/service/clock.ts';
import { deliberations, directory } from '../../shared/service/runtime.ts';
import { publicTopicView, topicTimelineView, topicView } from '../../shared/service/views.ts';

const audienceOf = (event: ApiEvent) => {
  const { actor } = principalOf(event);
  return { actor, audience: actor.kind === 'user' ? actor.role : ('public' as const) };
};

/** "The same request" is the same body bytes on the same route and topic. */
const requestOf = (event: ApiEvent, scope: string) => {
  const key = idempotencyKey(event);
  return key === undefined ? undefined : { key, hash: createHash('sha256').update(`${scope}\n`).update(bodyBytes(event)).digest('base64url') };
};

const unitParam = (event: ApiEvent, fallback: string) => {
  const unitId = event.queryStringParameters?.unitId;
  return unitId === undefined || unitId === '' ? fallback : unitId;
};

async function route(event: ApiEvent): Promise<HttpResult> {
    const { actor, audience } = audienceOf(event);
    if (actor.kind !== 'user') throw new ValidationFailed('only staff run deliberations');
    const units = await directory.units();
    switch (event.routeKey) {
      case 'POST /v1/deliberations': {
        const body = parseWith(raiseSchema, event.json, 'the topic');
        if (body instanceof ValidationFailed) throw body;
        const { state, replayed } = await deliberations.raise({ type: 'raise', ...body }, actor, requestOf(event, 'raise'));
        return json(replayed ? 200 : 201, topicView(state, units, audience), replayed ? { 'idempotent-replayed': 'true' } : {});
      }
      case 'GET /v1/deliberations': {
        const status = event.queryStringParameters?.status;
        const topics = await deliberations.list(actor, unitParam(event, actor.unitId), status ? { status } : {});
        return json(200, { items: topics.map((t) => topicView(t, units, audience)) });
      }
      case 'GET /v1/stats/deliberations': {
        const now = clock.now();
        const from = instantParam('from', event.queryStringParameters?.from) ?? new Date(now.getTime() - 30 * 86_400_000);
        const to = instantParam('to', event.queryStringParameters?.to) ?? now;
        if (from > to) throw new ValidationFailed('from is after to', [{ path: 'from', message: '开始日期不能晚于结束日期' }]);
        const unitId = unitParam(event, actor.unitId);
        const stats = await deliberations.stats(actor, unitId, from.toISOString(), to.toISOString());
        return json(200, { unitId, from: from.toISOString(), to: to.toISOString(), ...stats });
      }
      case 'GET /v1/deliberations/{id}': {
        const loaded = await deliberations.read(idParam(event, 'id', 'topic'), actor);
        return json(200, { ...topicView(loaded.state, units, audience), events: topicTimelineView(loaded.events, audience) });
      }
      case 'POST /v1/deliberations/{id}/actions': {
        const id = idParam(event, 'id', 'topic');
        const body = parseWith(topicActionSchema, event.json, 'the action');
        if (body instanceof ValidationFailed) throw body;
        const { expectedVersion, ...command } = body;
        const { state, event: appended, replayed } = await deliberations.act(id, command as Exclude<TopicCommand, { type: 'raise' }>, actor, expectedVersion, requestOf(event, id));
        return json(
          200,
          { ...topicView(state, units, audience), ...(appended ? { lastEvent: { seq: appended.seq, type: appended.type } } : {}) },
          replayed ? { 'idempotent-replayed': 'true' } : {},
        );
      }
      default:
        throw new ValidationFailed(`no route ${event.routeKey}`);
    }
}

const read = middy<ApiEvent, HttpResult>().use(httpErrors()).use(authenticate(jwtAuth(directory, clock.now))).handler(route);
const write = middy<ApiEvent, HttpResult>().use(httpErrors()).use(bodyLimit()).use(authenticate(jwtAuth(directory, clock.now))).use(jsonBody()).handler(route);

/** GET /v1/public/units/{unitId}/deliberations — the unit's 公示, for anyone. */
const published = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .handler(async (event) => {
    const unitId = idParam(event, 'unitId', 'unit');
    const [topics, units] = await Promise.all([deliberations.published(unitId), directory.units()]);
    const unit = units.get(unitId);
    return json(200, { unitId, unitName: unit?.fullName ?? unitId, items: topics.map((t) => publicTopicView(t, units)) }, { 'cache-control': 'public, max-age=60' });
  });

export const handler = (event: ApiEvent, context: Parameters<typeof read>[1]) =>
  event.routeKey.startsWith('GET /v1/public/') ? published(event, context) : event.routeKey.startsWith('GET ') ? read(event, context) : write(event, context);
