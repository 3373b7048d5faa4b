/**
 * Reading cases. API clients (with the cases:read scope) read the cases they
 * filed; mediators read by jurisdiction, volunteers only their tasks. What
 * each sees of a case is the privacy policy's: lists and timelines show
 * personal details masked, the case page masked too until the reader asks
 * (`?reveal=personal`), and each such request writes one audit entry — as
 * does a search by phone, however many cases it finds.
 */
import middy from '@middy/core';
import {
  CENTER_CODES,
  Forbidden,
  LEVEL_CODES,
  NotFound,
  STATUS_CODES,
  ValidationFailed,
  audienceOf,
  maskPhone,
  revealedFields,
  rulesFor,
  urgency,
  type Actor,
  type CaseState,
  type Unit,
  type UnitTree,
  type WorkingCalendar,
} from '../../shared/domain/index.ts';
import { apiKeyAuth, jwtAuth } from '../../shared/http/auth.ts';
import { flagParam, idParam, type ApiEvent, type Principal } from '../../shared/http/event.ts';
import { authenticate, httpErrors, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { requireRole } from '../../shared/http/roles.ts';
import { clock } from '../../shared/service/clock.ts';
import { cases, config, directory, dynamodb, policy, reporterKey, store } from '../../shared/service/runtime.ts';
import { auditView, caseView, timelineView } from '../../shared/service/views.ts';
import { phone as phoneSchema } from '../../shared/contract/fields.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { instantParam } from '../../shared/contract/days.ts';
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

function listItem(state: CaseState, units: UnitTree, now: Date, actor: Extract<Actor, { kind: 'user' }>, calendar: WorkingCalendar) {
  return { ...caseView(state, units, { view: 'list', audience: actor.role }), ...urgency(state, now, calendar) };
}

/** `?reveal=personal`: the reader asks to see the personal fields the policy shows only on request. */
function revealParam(event: ApiEvent): boolean {
  const raw = event.queryStringParameters?.reveal;
  if (raw === undefined || raw === '') return false;
  if (raw === 'personal') return true;
  throw new ValidationFailed('reveal must be personal', [{ path: 'reveal', message: 'must be personal' }]);
}

const OPEN = ['pending', 'in_progress'];
/** Pages read at most per request when looking for a volunteer's tasks. */
const TASK_PAGES = 10;

/**
 * A volunteer's tasks: the cases dispatched to them. There is no index by
 * volunteer, so the places tasks can be are read (Queries, with the list's
 * filters) and kept to their own, at most TASK_PAGES pages a request: the
 * unit listed's subtree and — when that is the volunteer's own unit — the
 * cases held at each unit above it, since a unit offers tasks to the
 * volunteers at or below it. The cursor names the place and the key in it.
 */
async function tasksOf(actor: Extract<Actor, { kind: 'user' }>, units: UnitTree, unit: Unit, filter: SubtreeFilter, limit: number, cursor?: string) {
  const places = [unit.path];
  if (unit.id === actor.unitId) for (let a = units.parent(unit.id); a; a = units.parent(a.id)) places.push(`${a.path}|`);
  let place = 0;
  let next: string | undefined;
  if (cursor !== undefined) {
    const m = /^(\d{1,2})\.(.*)$/.exec(cursor);
    place = m ? Number(m[1]) : places.length;
    if (!m || place >= places.length) invalid('cursor', 'not a cursor this list returned');
    next = m[2] || undefined;
  }
  const items: CaseState[] = [];
  for (let pages = 0; pages < TASK_PAGES && items.length < limit && place < places.length; pages++) {
    const read = await queries.subtree(unit.rootId, places[place] as string, filter, 100, next);
    items.push(...read.items.filter((s) => s.assignment?.volunteerId === actor.id));
    next = read.cursor;
    if (!next) place++;
  }
  return { items: items.slice(0, limit), cursor: place < places.length ? `${place}.${next ?? ''}` : undefined };
}

async function list(event: ApiEvent, principal: Principal) {
  if (principal.kind !== 'user') throw new Forbidden('lists are for mediators');
  const actor = principal.actor;
  const q = event.queryStringParameters ?? {};
  const [units, { timing }] = await Promise.all([directory.units(), policy()]);
  const { calendar } = timing;
  const now = clock.now();
  const limit = pageLimit(q.limit, 200, 50);
  if (q.phone !== undefined) return reporterCases(q, actor, units, now, limit, calendar);
  const scope = oneOf('scope', q.scope, ['mine', 'subtree'] as const) ?? 'mine';
  if (scope === 'mine' && actor.role === 'volunteer') {
    const unit = units.get(actor.unitId);
    if (!unit) throw new NotFound('your unit no longer exists');
    const page = await tasksOf(actor, units, unit, { status: OPEN }, limit, q.cursor);
    return json(200, { items: page.items.map((s) => listItem(s, units, now, actor, calendar)), cursor: page.cursor ?? null });
  }
  if (scope === 'mine') {
    const page = await queries.queue(actor.unitId, limit, q.cursor);
    return json(200, { items: page.items.map((s) => listItem(s, units, now, actor, calendar)), cursor: page.cursor ?? null });
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
    // China days: `from` from its midnight, `to` through its end.
    createdFrom: instantParam('from', q.from)?.toISOString(),
    createdTo: instantParam('to', q.to)?.toISOString(),
  };
  const page =
    actor.role === 'volunteer'
      ? await tasksOf(actor, units, unit, filter, limit, q.cursor)
      : await queries.subtree(unit.rootId, unit.path, filter, limit, q.cursor);
  return json(200, { items: page.items.map((s) => listItem(s, units, now, actor, calendar)), cursor: page.cursor ?? null });
}

/**
 * `?phone=`: a caller's cases in the user's jurisdiction (a volunteer's: their
 * tasks), newest first — the lookup a 矛调中心 makes when a resident rings
 * about "my matter". It ties a phone to cases, so it is audited: one entry
 * for the request, naming every case found, under the searched phone's key.
 */
async function reporterCases(q: Record<string, string | undefined>, actor: Extract<Actor, { kind: 'user' }>, units: UnitTree, now: Date, limit: number, calendar: WorkingCalendar) {
  const other = Object.keys(q).find((k) => k !== 'phone' && k !== 'limit');
  if (other) invalid(other, 'cannot be combined with phone');
  const phone = parseWith(phoneSchema, q.phone, 'phone');
  if (phone instanceof ValidationFailed) invalid('phone', 'is not a valid phone number');
  const found = (await cases.byReporter({ phone }, actor)).slice(0, limit);
  const [first] = found;
  if (first) {
    await audit.record(
      {
        at: now.toISOString(),
        username: actor.id,
        role: actor.role,
        unitId: actor.unitId,
        what: 'reporter_search',
        caseId: first.id,
        caseIds: found.map((s) => s.id),
        phone: maskPhone(phone),
      },
      reporterKey({ phone }),
    );
  }
  return json(200, { items: found.map((s) => listItem(s, units, now, actor, calendar)), cursor: null });
}

export const handler = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(authenticate(apiKeyAuth(directory), jwtAuth(directory, clock.now)))
  .handler(async (event) => {
    const principal = principalOf(event);
    const { actor } = principal;
    const audience = audienceOf(actor);
    const id = event.routeKey === 'GET /v1/cases' ? '' : idParam(event, 'id', 'case');
    switch (event.routeKey) {
      case 'GET /v1/cases':
        return list(event, principal);
      case 'GET /v1/cases/{id}': {
        const reveal = revealParam(event);
        const state = await cases.read(id, actor);
        const [units, { timing }] = await Promise.all([directory.units(), policy()]);
        const now = clock.now();
        const viewer = { view: actor.kind === 'client' ? 'client' : 'case', audience, reveal } as const;
        const revealed = reveal && actor.kind === 'user' ? revealedFields(state, rulesFor(viewer.view, audience)) : [];
        if (actor.kind === 'user' && revealed.length > 0) {
          await audit.record({ at: now.toISOString(), caseId: id, username: actor.id, role: actor.role, unitId: actor.unitId, what: 'reporter_details', fields: revealed });
        }
        return json(200, { ...caseView(state, units, viewer), ...(actor.kind === 'user' ? urgency(state, now, timing.calendar) : {}) });
      }
      case 'GET /v1/cases/{id}/events': {
        const query = event.queryStringParameters ?? {};
        const page = await cases.timeline(id, actor, query.cursor, pageLimit(query.limit));
        return json(200, { items: timelineView(page.items, audience), cursor: page.cursor ?? null });
      }
      case 'GET /v1/cases/{id}/audit': {
        requireRole(principal, 'admin', 'officer', 'leader');
        const state = await cases.read(id, actor);
        const entries = await audit.list(id, state.reporter.phone === undefined ? undefined : reporterKey({ phone: state.reporter.phone }));
        return json(200, { items: entries.map((e) => auditView(e, audience)) });
      }
      default:
        throw new NotFound(`no route ${event.routeKey}`);
    }
  });
