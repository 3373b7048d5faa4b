/**
 * Reading cases. API clients read the cases they filed; mediators read by
 * jurisdiction: lists mask the reporter, the case page shows it in full and
 * records that view in the audit trail.
 */
import middy from '@middy/core';
import {
  CENTER_CODES,
  Forbidden,
  LEVEL_CODES,
  NotFound,
  STATUS_CODES,
  ValidationFailed,
  currentDueAt,
  type Actor,
  type CaseState,
  type UnitTree,
} from '../../shared/domain/index.ts';
import { apiKeyAuth, jwtAuth } from '../../shared/http/auth.ts';
import { flagParam, idParam, type ApiEvent, type Principal } from '../../shared/http/event.ts';
import { authenticate, httpErrors, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { requireRole } from '../../shared/http/roles.ts';
import { clock } from '../../shared/service/clock.ts';
import { cases, config, directory, dynamodb, store } from '../../shared/service/runtime.ts';
import { caseView, eventView, visibleEvents } from '../../shared/service/views.ts';
import { phone as phoneSchema } from '../../shared/contract/fields.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { AuditTrail } from '../../shared/store/audit.ts';
import { CaseQueries, type SubtreeFilter } from '../../shared/store/case-queries.ts';

const audit = new AuditTrail(dynamodb, config.tableName);
const queries = new CaseQueries(dynamodb, config.tableName, store);

function invalid(path: string, message: string): never {
  throw new ValidationFailed(`${path} ${message}`, [{ path, message }]);
}

function pageLimit(raw: string | undefined, max = 500, fallback = 100): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) invalid('limit', `must be an integer from 1 to ${max}`);
  return n;
}

function oneOf<T extends string>(path: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!(allowed as readonly string[]).includes(raw)) invalid(path, `must be one of ${allowed.join(', ')}`);
  return raw as T;
}

function date(path: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const parsed = Date.parse(raw);
  if (Number.isNaN(parsed)) invalid(path, 'must be a date (yyyy-mm-dd) or an ISO 8601 date-time');
  return new Date(parsed).toISOString();
}

/** Overdue or close to its deadline (the last fifth of the time, or under two hours). */
function urgency(state: CaseState, now: Date) {
  const due = currentDueAt(state);
  if (!due || !state.clocks) return { overdue: false, nearDeadline: false };
  const left = Date.parse(due) - now.getTime();
  const span = Date.parse(due) - Date.parse(state.clocks.startedAt);
  return { overdue: left < 0, nearDeadline: left >= 0 && (left < 2 * 3_600_000 || left < span / 5) };
}

function listItem(state: CaseState, units: UnitTree, now: Date) {
  return { ...caseView(state, units, 'mediator-list'), ...urgency(state, now) };
}

async function list(event: ApiEvent, principal: Principal) {
  if (principal.kind !== 'user') throw new Forbidden('lists are for mediators');
  const actor = principal.actor;
  const q = event.queryStringParameters ?? {};
  const units = await directory.units();
  const now = clock.now();
  const limit = pageLimit(q.limit, 200, 50);
  if (q.phone !== undefined) return reporterCases(q, actor, units, now, limit);
  const scope = oneOf('scope', q.scope, ['mine', 'subtree'] as const) ?? 'mine';
  if (scope === 'mine') {
    const page = await queries.queue(actor.unitId, limit, q.cursor);
    const items = actor.role === 'volunteer' ? page.items.filter((s) => s.assignment?.volunteerId === actor.id) : page.items;
    return json(200, { items: items.map((s) => listItem(s, units, now)), cursor: page.cursor ?? null });
  }
  const unitId = q.unitId || actor.unitId;
  const unit = units.get(unitId);
  if (!unit || !units.isWithin(unitId, actor.unitId)) throw new NotFound(`no unit ${unitId} in your jurisdiction`);
  const filter: SubtreeFilter = {
    status: q.status ? q.status.split(',').map((s) => oneOf('status', s, STATUS_CODES) as string) : undefined,
    center: oneOf('center', q.center, CENTER_CODES),
    level: oneOf('level', q.level, LEVEL_CODES),
    risk: flagParam(event, 'risk') || undefined,
    overdueAt: flagParam(event, 'overdue') ? now.toISOString() : undefined,
    createdFrom: date('from', q.from),
    createdTo: date('to', q.to),
  };
  const page = await queries.subtree(unit.rootId, unit.path, filter, limit, q.cursor);
  return json(200, { items: page.items.map((s) => listItem(s, units, now)), cursor: page.cursor ?? null });
}

/**
 * `?phone=`: a caller's cases in the user's jurisdiction, newest first — the
 * lookup a 矛调中心 makes when a resident rings about "my matter". It ties a
 * phone to cases, so each case found is recorded in its audit trail.
 */
async function reporterCases(q: Record<string, string | undefined>, actor: Extract<Actor, { kind: 'user' }>, units: UnitTree, now: Date, limit: number) {
  const other = Object.keys(q).find((k) => k !== 'phone' && k !== 'limit');
  if (other) invalid(other, 'cannot be combined with phone');
  const phone = parseWith(phoneSchema, q.phone, 'phone');
  if (phone instanceof ValidationFailed) invalid('phone', 'is not a valid phone number');
  const found = (await cases.byReporter({ phone }, actor)).slice(0, limit);
  const at = now.toISOString();
  await Promise.all(
    found.map((s) => audit.record({ at, caseId: s.id, username: actor.id, role: actor.role, unitId: actor.unitId, what: 'reporter_search' })),
  );
  return json(200, { items: found.map((s) => listItem(s, units, now)), cursor: null });
}

export const handler = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(authenticate(apiKeyAuth(directory), jwtAuth(directory, clock.now)))
  .handler(async (event) => {
    const principal = principalOf(event);
    const { actor } = principal;
    const audience = actor.kind === 'client' ? 'client' : 'mediator';
    const id = event.routeKey === 'GET /v1/cases' ? '' : idParam(event, 'id', 'case');
    switch (event.routeKey) {
      case 'GET /v1/cases':
        return list(event, principal);
      case 'GET /v1/cases/{id}': {
        const state = await cases.read(id, actor);
        const units = await directory.units();
        if (actor.kind === 'user' && (state.reporter.phone || state.reporter.name || state.parties.length)) {
          await audit.record({ at: clock.now().toISOString(), caseId: id, username: actor.id, role: actor.role, unitId: actor.unitId, what: 'reporter_details' });
        }
        return json(200, { ...caseView(state, units, audience), ...(actor.kind === 'user' ? urgency(state, clock.now()) : {}) });
      }
      case 'GET /v1/cases/{id}/events': {
        const query = event.queryStringParameters ?? {};
        const page = await cases.timeline(id, actor, query.cursor, pageLimit(query.limit));
        return json(200, { items: visibleEvents(page.items, audience).map(eventView), cursor: page.cursor ?? null });
      }
      case 'GET /v1/cases/{id}/audit': {
        requireRole(principal, 'admin', 'officer', 'leader');
        await cases.read(id, actor);
        return json(200, { items: await audit.list(id) });
      }
      default:
        throw new NotFound(`no route ${event.routeKey}`);
    }
  });
