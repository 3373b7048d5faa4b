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
  AWAITED_TABS,
  OWN_TABS,
  WATCH_TABS,
  WORK_TABS,
  WORK_TAB_CODES,
  audienceOf,
  awaitedBy,
  canRead,
  deadlineMarks,
  maskPhone,
  normalizeTrackingNo,
  revealedFields,
  rulesFor,
  trackingNoFromBytes,
  urgency,
  type Actor,
  type CaseState,
  type Role,
  type Unit,
  type UnitTree,
  type WorkTab,
  type WorkingCalendar,
} from '../../shared/domain/index.ts';
import { createHash } from 'node:crypto';
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
import { UnitSupervision } from '../../shared/store/supervision.ts';
import { WorkQueries } from '../../shared/store/work-queries.ts';
import { lambda } from '../../shared/service/lambda.ts';

const audit = new AuditTrail(dynamodb, config.tableName);
const queries = new CaseQueries(dynamodb, config.tableName, store);
const work = new WorkQueries(dynamodb, config.tableName, store);
const supervision = new UnitSupervision(dynamodb, config.tableName);

type User = Extract<Actor, { kind: 'user' }>;
/** Those who oversee the cases below them: their 我的待办 also watches 风险件 and 超期件 there. */
const WATCHERS: readonly Role[] = ['officer', 'leader'];

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

/** An open case by its deadline (in the time its limit is counted in); a resolved one awaiting its 回访, by that deadline. */
function marks(state: CaseState, now: Date, units: UnitTree, calendar: WorkingCalendar) {
  const awaited = state.clocks ? undefined : awaitedBy(state, units);
  return awaited?.for === 'follow_up' ? deadlineMarks(awaited.dueAt, state.resolution?.at, now) : urgency(state, now, calendar);
}

function listItem(state: CaseState, units: UnitTree, now: Date, actor: User, calendar: WorkingCalendar) {
  const awaited = awaitedBy(state, units);
  return {
    ...caseView(state, units, { view: 'list', audience: actor.role }),
    ...marks(state, now, units, calendar),
    ...(awaited?.for === 'follow_up' ? { followUpDueAt: awaited.dueAt } : {}),
  };
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
  if (q.q !== undefined) return search(event, q, actor, units, now, limit, calendar);
  const scope = oneOf('scope', q.scope, ['mine', 'subtree'] as const) ?? 'mine';
  const tab = oneOf('tab', q.tab, WORK_TAB_CODES);
  if (tab !== undefined && scope !== 'mine') invalid('tab', 'is for scope=mine');
  if (tab !== undefined && actor.role === 'volunteer') invalid('tab', 'is not for volunteers: their tasks are one list');
  if (scope === 'mine' && actor.role === 'volunteer') {
    const unit = units.get(actor.unitId);
    if (!unit) throw new NotFound('your unit no longer exists');
    const page = await tasksOf(actor, units, unit, { status: OPEN }, limit, q.cursor);
    return json(200, { items: page.items.map((s) => listItem(s, units, now, actor, calendar)), cursor: page.cursor ?? null });
  }
  if (scope === 'mine') {
    const page = await workTab(actor, tab, units, now, limit, q.cursor);
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

/** One tab of 我的待办 (all the unit's open cases without one), nearest deadline first. */
async function workTab(actor: User, tab: WorkTab | undefined, units: UnitTree, now: Date, limit: number, cursor?: string) {
  if (tab === undefined || OWN_TABS.includes(tab)) return work.ownTab(actor.unitId, tab, limit, cursor);
  if (AWAITED_TABS.includes(tab)) return work.awaitedTab(actor.unitId, tab, limit, cursor);
  if (!WATCH_TABS.includes(tab) || !WATCHERS.includes(actor.role)) invalid('tab', `${tab} is for township officers and leaders`);
  const unit = units.get(actor.unitId);
  if (!unit) throw new NotFound('your unit no longer exists');
  return work.watchTab({ rootId: unit.rootId, path: unit.path }, tab as 'risk' | 'overdue', now, limit, cursor);
}

/** GET /v1/queue: the user's tabs with their counts, and any 督办 their unit is under. */
async function queueCounts(actor: User, units: UnitTree, now: Date) {
  const unit = units.get(actor.unitId);
  if (!unit) throw new NotFound('your unit no longer exists');
  if (actor.role === 'volunteer') return json(200, { unitId: unit.id, tabs: [], supervision: [] });
  const watch = WATCHERS.includes(actor.role) ? { rootId: unit.rootId, path: unit.path } : undefined;
  const [counts, orders] = await Promise.all([work.counts(unit.id, watch, now), supervision.active(unit.rootId)]);
  return json(200, {
    unitId: unit.id,
    tabs: counts.map((c) => ({ ...c, name: WORK_TABS.find((t) => t.code === c.tab)?.name ?? c.tab })),
    supervision: orders.filter((o) => o.unitId === unit.id),
  });
}

/** Days of cases a keyword search looks back over by default, and at most. */
const SEARCH_DEFAULT_DAYS = 366;
const SEARCH_MAX_DAYS = 3 * 366;

/** What a 12345 work-order number would have as a case id: intake derives ids from it (see CaseService.intake). */
function workOrderIds(externalId: string): string[] {
  return Array.from({ length: 5 }, (_, attempt) => trackingNoFromBytes(createHash('sha256').update(`ext:hotline:${externalId}#${attempt}`).digest()));
}

/**
 * `?q=`: keyword search within the caller's jurisdiction — the words of the
 * title, description and work-order number, with the subtree list's filters.
 * A Query per month received (newest first) on the bySearch index with a
 * `contains` filter per word, bounded and paged; a 12345 work-order number
 * is also looked up by the id it would have, so it is found at once.
 */
async function search(event: ApiEvent, q: Record<string, string | undefined>, actor: User, units: UnitTree, now: Date, limit: number, calendar: WorkingCalendar) {
  const text = (q.q ?? '').trim();
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length === 0) invalid('q', 'must have a word to look for');
  if ([...text].length > 100 || words.length > 5) invalid('q', 'must be at most 100 characters and 5 words');
  const unit = units.get(actor.unitId);
  if (!unit) throw new NotFound('your unit no longer exists');
  // Without `to`, up to now and the case filed this very instant (keys are [from, to)).
  const to = instantParam('to', q.to)?.toISOString() ?? new Date(now.getTime() + 60_000).toISOString();
  const from = instantParam('from', q.from)?.toISOString() ?? new Date(Date.parse(to) - SEARCH_DEFAULT_DAYS * 86_400_000).toISOString();
  if (from >= to) invalid('from', 'must be before to');
  if (Date.parse(to) - Date.parse(from) > SEARCH_MAX_DAYS * 86_400_000) invalid('to', `must be at most ${SEARCH_MAX_DAYS} days after from`);
  const status = q.status ? q.status.split(',').map((s) => oneOf('status', s, STATUS_CODES) as string) : undefined;
  const center = oneOf('center', q.center, CENTER_CODES);
  const level = oneOf('level', q.level, LEVEL_CODES);
  const risk = flagParam(event, 'risk');
  const overdue = flagParam(event, 'overdue');
  const keep = (s: CaseState) =>
    canRead(actor, s, units) &&
    (!status || status.includes(s.status)) &&
    (!center || s.center === center) &&
    (!level || s.level === level) &&
    (!risk || s.risk !== undefined) &&
    (!overdue || marks(s, now, units, calendar).overdue);
  const exact = q.cursor === undefined && words.length === 1 && /^[\x21-\x7e]{1,128}$/.test(text) && !normalizeTrackingNo(text)
    ? (await store.getMany(workOrderIds(text))).filter((s) => s.externalId === text && keep(s))
    : [];
  const found = await work.search(unit.rootId, words, from, to, limit, q.cursor);
  const matches = (await store.getMany(found.ids)).filter((s) => keep(s) && !exact.some((e) => e.id === s.id));
  return json(200, { items: [...exact, ...matches].map((s) => listItem(s, units, now, actor, calendar)), cursor: found.cursor ?? null, read: found.read });
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

const run = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(authenticate(apiKeyAuth(directory), jwtAuth(directory, clock.now)))
  .handler(async (event) => {
    const principal = principalOf(event);
    const { actor } = principal;
    const audience = audienceOf(actor);
    const id = event.routeKey === 'GET /v1/cases' || event.routeKey === 'GET /v1/queue' ? '' : idParam(event, 'id', 'case');
    switch (event.routeKey) {
      case 'GET /v1/cases':
        return list(event, principal);
      case 'GET /v1/queue': {
        if (principal.kind !== 'user') throw new Forbidden('the work queue is for mediators');
        return queueCounts(principal.actor, await directory.units(), clock.now());
      }
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

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
