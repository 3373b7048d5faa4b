/**
 * GET /v1/stats?unitId=&from=&to= — the figures leaders ask for, over the
 * cases that arose under a unit and were received on China days [from, to],
 * and the same rates for each unit directly below it (各下级单位). Answered
 * from the statistics counters (stat-counters.ts): one Query of ≤ 366 rows
 * for the unit and one per unit below (the unit's `own:` rows and the units
 * below's `sub:` rows make both the figures and 各下级单位), whatever the number of cases. The
 * cases whose events the relay has not delivered yet are counted first (the
 * same idempotent count), so a case filed a moment ago is in the figures;
 * only those in the unit's rows, so a busy county's other townships add no
 * counting to a township's read.
 * With more events than CATCH_UP waiting (the relay is behind), the figures
 * are the rows as they stand and `catchingUp` says so: summing the range's
 * cases instead would read a county's month of cases in one request. While a
 * change of the tree still owes re-indexing, the figures are summed from the
 * cases of the range (the byMonth index), as GET /v1/board always does: which
 * cases arose under the unit is decided by the tree as it is now.
 */
import middy from '@middy/core';
import {
  CENTERS,
  ESCALATION_REASONS,
  LEVELS,
  label,
  NotFound,
  STATUSES,
  ValidationFailed,
  bucketsByChild,
  bucketsOfRows,
  chinaDay,
  contribution,
  redYellowBoard,
  statsOf,
  type Bucket,
  type DayRange,
  type Unit,
  type UnitTree,
} from '../../shared/domain/index.ts';
import { chinaMidnight, dayParam, nextDay } from '../../shared/contract/days.ts';
import { jwtAuth } from '../../shared/http/auth.ts';
import type { ApiEvent } from '../../shared/http/event.ts';
import { authenticate, httpErrors, principalOf } from '../../shared/http/middleware.ts';
import { json, type HttpResult } from '../../shared/http/response.ts';
import { requireRole } from '../../shared/http/roles.ts';
import { clock } from '../../shared/service/clock.ts';
import { config, countCase, counters, directory, dynamodb, policy, store } from '../../shared/service/runtime.ts';
import { CaseQueries } from '../../shared/store/case-queries.ts';
import { UnitSupervision } from '../../shared/store/supervision.ts';
import { WorkQueries } from '../../shared/store/work-queries.ts';
import { DUE_SHARDS } from '../../shared/store/schema.ts';
import { lambda } from '../../shared/service/lambda.ts';

const queries = new CaseQueries(dynamodb, config.tableName, store);
const work = new WorkQueries(dynamodb, config.tableName, store);
const supervision = new UnitSupervision(dynamodb, config.tableName);
/** 红牌 past this many working days beyond a deadline, unless the request says otherwise (redDays). */
const RED_AFTER_DAYS = 2;
const DAY = 86_400_000;
const MAX_RANGE_DAYS = 366;
const DEFAULT_DAYS = 30;

/** Undelivered events counted on a statistics read, per shard of the pending index; more, and the figures are the rows as they stand. */
const CATCH_UP = 25;
/** Injected clocks may run ahead of the wall clock: every pending event. */
const END_OF_TIME = '9999-12-31T23:59:59.999Z';

/**
 * The buckets of the figures and of 各下级单位 (each unit below's `sub:` rows, the unit's own `own:` rows), and whether
 * events wait uncounted; undefined when the counters cannot answer now.
 */
async function counted(unit: Unit, units: UnitTree, range: DayRange): Promise<{ buckets: Bucket[]; catchingUp: boolean } | undefined> {
  if (await directory.reindexOwed()) return undefined;
  const pending = await Promise.all(Array.from({ length: DUE_SHARDS }, (_, s) => store.pendingEffects(s, END_OF_TIME, CATCH_UP)));
  const catchingUp = pending.some((shard) => shard.length >= CATCH_UP);
  // Behind a backlog, counting a hundred of its cases would not make the figures whole: the relay counts them all.
  if (!catchingUp) {
    const ids = [...new Set(pending.flat().map((p) => p.caseId))];
    const [states, counted] = await Promise.all([store.getMany(ids), counters.countedMany(ids)]);
    // Only the cases in this unit's rows, now or as last counted (a 退回 can move the origin up and out of it): the relay counts the rest.
    const here = (rows: readonly { unitId: string }[] = []) => rows.some((r) => units.isWithin(r.unitId, unit.id));
    const touching = states.filter((s) => {
      const record = counted.get(s.id);
      return units.isWithin(s.originUnitId, unit.id) || here(record?.rows) || here(record?.intent?.rows);
    });
    await Promise.all(touching.map((state) => countCase(state)));
  }
  const [own, ...below] = await Promise.all([unit, ...units.children(unit.id)].map((u) => counters.rows(u.id, range.from, range.to)));
  return { buckets: bucketsOfRows(own ?? [], below.flat()), catchingUp };
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY) + 1;

const run = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(authenticate(jwtAuth(directory, clock.now)))
  .handler(async (event) => {
    const actor = requireRole(principalOf(event), 'liaison', 'mediator', 'officer', 'leader', 'admin');
    const q = event.queryStringParameters ?? {};
    const units = await directory.units();
    const unitId = q.unitId || actor.unitId;
    const unit = units.get(unitId);
    if (!unit || !units.isWithin(unitId, actor.unitId)) throw new NotFound(`no unit ${unitId} in your jurisdiction`);
    const to = dayParam('to', q.to) ?? chinaDay(clock.now().toISOString());
    const from = dayParam('from', q.from) ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY).toISOString().slice(0, 10);
    if (from > to) throw new ValidationFailed('from must not be after to', [{ path: 'from', message: 'must not be after to' }]);
    if (daysBetween(from, to) > MAX_RANGE_DAYS) {
      throw new ValidationFailed(`the range may be at most ${MAX_RANGE_DAYS} days`, [{ path: 'to', message: `at most ${MAX_RANGE_DAYS} days from from` }]);
    }
    const start = chinaMidnight(from).toISOString();
    const end = chinaMidnight(nextDay(to)).toISOString();
    const range = { from, to };
    const inRange = async () =>
      store.getMany(await queries.createdBetween(unit.rootId, start, end, { originWithin: (origin) => units.isWithin(origin, unit.id) }));
    if (event.routeKey === 'GET /v1/board') {
      const cases = await inRange();
      const rawDays = q.redDays ?? String(RED_AFTER_DAYS);
      const redAfterDays = Number(rawDays);
      if (!/^\d{1,2}$/.test(rawDays) || redAfterDays < 0 || redAfterDays > 30) {
        throw new ValidationFailed('redDays must be a whole number of working days from 0 to 30', [{ path: 'redDays', message: 'must be a whole number from 0 to 30' }]);
      }
      const [open, orders, { timing }] = await Promise.all([work.openUnder({ rootId: unit.rootId, path: unit.path }), supervision.active(unit.rootId), policy()]);
      const rows = redYellowBoard({ units, unitId: unit.id, now: clock.now(), timing, redAfterDays, open: open.items, cases, range });
      return json(200, {
        unit: { id: unit.id, name: unit.fullName, level: unit.level },
        from: start,
        to: end,
        days: range,
        redAfterDays,
        /** More open cases than one request reads: the "now" figures are a lower bound. */
        capped: open.capped,
        rows: rows.map((r) => ({ ...r, supervision: orders.find((o) => o.unitId === r.unitId) })),
      });
    }
    const { buckets, catchingUp } = (await counted(unit, units, range)) ?? { buckets: (await inRange()).map(contribution), catchingUp: false };
    return json(200, {
      unit: { id: unit.id, name: unit.fullName, level: unit.level, kind: unit.branchKind, levelName: label(unit.branchKind, unit.level) },
      from: start,
      to: end,
      days: range,
      /** Status changes still wait for the relay to count them: the figures leave out the newest for now. */
      catchingUp,
      // Levels and 小事不出村 / 小事不出社区 in the words of the unit's own branch.
      labels: {
        centers: Object.fromEntries(CENTERS.map((c) => [c.code, c.name])),
        levels: Object.fromEntries(LEVELS.map((l) => [l.code, label(unit.branchKind, l.code)])),
        grassroots: label(unit.branchKind, 'grassroots'),
        statuses: Object.fromEntries(STATUSES.map((s) => [s.code, s.name])),
        escalationReasons: Object.fromEntries(ESCALATION_REASONS.map((r) => [r.code, r.name])),
      },
      ...statsOf(buckets, range),
      byChild: bucketsByChild(buckets, units, unit.id, range),
    });
  });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
