/**
 * Every figure of GET /v1/stats, for random histories of random cases, against
 * a direct count from the events alone — no fold, no state, no buckets: the
 * count walks each case's events and keeps what the README's one-line
 * definitions name. The figures under test are the sum of each case's
 * contribution (stats.ts), selected by unit and China day as the handler does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OUTCOME_CODES,
  SATISFACTION_CODES,
  chinaDay,
  contribution,
  decide,
  evolve,
  statsOf,
  weekOf,
  type Actor,
  type CaseEvent,
  type CaseState,
  type Command,
} from '../../shared/domain/index.ts';
import { ctx, hotline, intake, system, units, user } from '../support/domain.ts';

export const STATS_PROPERTY_RUNS = 500;
const T0 = Date.parse('2026-11-01T00:00:00+08:00');
const MINUTE = 60_000;
// Where the hotline (和平街道's) may file: the township and below (its manual referrals still reach the county above).
const unitIds = units.all().filter((u) => units.isWithin(u.id, 'hp')).map((u) => u.id);

type Step =
  | { readonly kind: 'accept' | 'escalate' | 'close' | 'withdraw' | 'merge' | 'return' | 'timer' }
  | { readonly kind: 'dispatch' | 'reassign'; readonly pick: number }
  | { readonly kind: 'resolve'; readonly outcome: (typeof OUTCOME_CODES)[number] }
  | { readonly kind: 'follow_up'; readonly satisfaction: (typeof SATISFACTION_CODES)[number] }
  | { readonly kind: 'reopen' };

// Weighted so that most histories reach a resolution, 回访 (often more than one) and some moves between.
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'accept' } as const) },
  { weight: 6, arbitrary: fc.nat(50).map((pick) => ({ kind: 'dispatch', pick }) as const) },
  { weight: 6, arbitrary: fc.nat(50).map((pick) => ({ kind: 'reassign', pick }) as const) },
  { weight: 4, arbitrary: fc.constant({ kind: 'return' } as const) },
  { weight: 4, arbitrary: fc.constant({ kind: 'escalate' } as const) },
  { weight: 6, arbitrary: fc.constant({ kind: 'timer' } as const) },
  { weight: 18, arbitrary: fc.constantFrom(...OUTCOME_CODES).map((outcome) => ({ kind: 'resolve', outcome }) as const) },
  { weight: 18, arbitrary: fc.constantFrom(...SATISFACTION_CODES).map((satisfaction) => ({ kind: 'follow_up', satisfaction }) as const) },
  { weight: 6, arbitrary: fc.constant({ kind: 'reopen' } as const) },
  { weight: 2, arbitrary: fc.constant({ kind: 'close' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'withdraw' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'merge' } as const) },
);

const history = fc.record({
  receivedAfterMinutes: fc.integer({ min: 0, max: 45 * 24 * 60 }),
  at: fc.oneof(fc.constantFrom(...unitIds), fc.constant(undefined)),
  steps: fc.array(fc.tuple(step, fc.integer({ min: 1, max: 2 * 24 * 60 })), { minLength: 4, maxLength: 30 }),
});

type Move = (s: CaseState) => [Command, Actor] | undefined;

const at = (s: CaseState) => user(s.unitId, units.get(s.unitId)?.level === 'building' ? 'liaison' : 'mediator');
const below =
  (pick: number): Move =>
  (s) => {
    const targets = unitIds.filter((id) => id !== s.unitId && units.isWithin(id, s.unitId));
    return targets.length === 0 ? undefined : [{ type: 'dispatch', toUnitId: targets[pick % targets.length] }, at(s)];
  };
const escalate: Move[] = [(s) => [{ type: 'escalate', reason: '调解不成' }, at(s)], () => [{ type: 'move_up', reason: 'manual' }, system]];

/** The commands a step stands for, each decided on the case as the one before left it. */
function movesFor(st: Step): Move[] {
  switch (st.kind) {
    case 'accept':
      return [(s) => [{ type: 'accept' }, at(s)]];
    case 'dispatch':
      return [below(st.pick)];
    case 'reassign':
      // Up a level, then down to another unit: "where it arose" stays, and a sibling may resolve it.
      return [...escalate, below(st.pick)];
    case 'return':
      return [(s) => [{ type: 'return', reason: '不属于本单位' }, at(s)]];
    case 'escalate':
      return escalate;
    case 'timer':
      // What the sweeper finds due: a requested escalation (不满意 asks for one), or a deadline passed.
      return [(s) => [{ type: 'move_up', reason: s.escalationPending?.reason ?? 'overdue' }, system]];
    case 'resolve':
      return [(s) => [{ type: 'accept' }, at(s)], (s) => [{ type: 'resolve', outcome: st.outcome, summary: '已办理' }, at(s)]];
    case 'follow_up':
      return [(s) => [{ type: 'follow_up', satisfaction: st.satisfaction }, at(s)]];
    case 'reopen':
      return [
        (s) => {
          const parent = units.parent(s.unitId);
          return parent ? [{ type: 'reopen', reason: '群众再次反映' }, user(parent.id)] : undefined;
        },
      ];
    case 'close':
      return [(s) => [{ type: 'close' }, at(s)]];
    case 'withdraw':
      return [(s) => [{ type: 'withdraw', reason: '群众撤回' }, at(s)]];
    case 'merge':
      return [(s) => [{ type: 'merge', intoCaseId: 'OTHERCASE1', into: { status: 'pending', unitId: s.unitId } }, at(s)]];
  }
}

/** Play a history: the events decide accepts, at the times given. */
function play(id: string, h: typeof history extends fc.Arbitrary<infer T> ? T : never): CaseEvent[] {
  let now = T0 + h.receivedAfterMinutes * MINUTE;
  const input = intake(h.at ? { location: { unitId: h.at } } : { location: { address: '某处' } });
  const first = decide(undefined, { type: 'receive', id, trackingNo: id, trackingCode: '000000', input }, ctx(hotline, new Date(now)));
  if (!first.ok) throw first.error;
  const events: CaseEvent[] = [first.event];
  let state = evolve(undefined, first.event);
  for (const [st, minutes] of h.steps) {
    now += minutes * MINUTE;
    for (const move of movesFor(st)) {
      const next = move(state);
      const d = next && decide(state, next[0], ctx(next[1], new Date(now)));
      if (!d?.ok) continue;
      events.push(d.event);
      state = evolve(state, d.event);
    }
  }
  return events;
}

/** What the README's definitions count, read off the events of one case. */
function direct(events: readonly CaseEvent[]) {
  let origin = '';
  let unit = '';
  let level = '';
  let status = 'pending';
  let resolution: { outcome: string; onTime: boolean; unitId: string; level: string } | undefined;
  const followUps: string[] = [];
  for (const e of events) {
    switch (e.type) {
      case 'received':
        [origin, unit, level] = [e.data.originUnitId, e.data.unitId, e.data.level];
        break;
      case 'dispatched_to_unit':
      case 'returned':
      case 'escalated':
        if ((e.type === 'dispatched_to_unit' || e.type === 'returned') && e.data.reroutesOrigin) origin = e.data.toUnitId;
        [unit, level, status] = [e.data.toUnitId, e.data.toLevel, 'pending'];
        break;
      case 'accepted':
        status = 'in_progress';
        break;
      case 'resolved':
        status = 'resolved';
        resolution = { outcome: e.data.outcome, onTime: e.data.onTime, unitId: unit, level };
        break;
      case 'followed_up':
        followUps.push(e.data.satisfaction);
        if (e.data.reopenClocks) status = 'pending';
        break;
      case 'reopened':
        status = 'pending';
        break;
      case 'closed':
      case 'withdrawn':
      case 'merged':
        status = e.type;
        break;
      default:
        break;
    }
  }
  const done = status === 'resolved' || status === 'closed';
  return { day: chinaDay(events[0]!.at), origin, status, resolution: done ? resolution : undefined, followUps };
}

const rateOf = (numerator: number, denominator: number) => ({
  numerator,
  denominator,
  rate: denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000,
});

describe('statistics from the log', () => {
  it(`property (${STATS_PROPERTY_RUNS} runs): each rate, count and weekly figure equals a direct count from the events`, () => {
    fc.assert(
      fc.property(
        fc.array(history, { minLength: 1, maxLength: 14 }),
        fc.oneof(fc.constant('hp'), fc.constantFrom(...unitIds)),
        fc.integer({ min: 0, max: 46 }),
        fc.integer({ min: 0, max: 46 }),
        (histories, select, a, b) => {
          const logs = histories.map((h, i) => play(`CASE${String(i).padStart(6, '0')}`, h));
          const range = { from: chinaDay(new Date(T0 + Math.min(a, b) * 86_400_000).toISOString()), to: chinaDay(new Date(T0 + Math.max(a, b) * 86_400_000).toISOString()) };
          // As the handler: the buckets of the units under the one chosen, and of the days in range.
          const buckets = logs.map((events) => contribution(events.reduce<CaseState | undefined>(evolve, undefined)!)).filter((b) => units.isWithin(b.unitId, select));
          const stats = statsOf(buckets, range);

          const cohort = logs.map(direct).filter((c) => c.day >= range.from && c.day <= range.to && units.isWithin(c.origin, select));
          const counted = cohort.filter((c) => c.status !== 'withdrawn' && c.status !== 'merged');
          const resolved = counted.filter((c) => c.resolution !== undefined);
          const well = resolved.filter((c) => c.resolution?.outcome === 'resolved');
          const followUps = counted.flatMap((c) => c.followUps);
          expect(stats.total).toBe(cohort.length);
          expect(stats.resolutionRate).toEqual(rateOf(well.length, counted.length));
          expect(stats.closureRate).toEqual(rateOf(resolved.length, counted.length));
          expect(stats.localResolutionRate).toEqual(rateOf(well.filter((c) => c.resolution?.unitId === c.origin).length, well.length));
          expect(stats.grassrootsResolutionRate).toEqual(rateOf(well.filter((c) => ['building', 'compound'].includes(c.resolution?.level ?? '')).length, well.length));
          expect(stats.onTimeRate).toEqual(rateOf(resolved.filter((c) => c.resolution?.onTime).length, resolved.length));
          expect(stats.satisfactionRate).toEqual(rateOf(followUps.filter((s) => s !== 'dissatisfied').length, followUps.length));
          for (const status of ['pending', 'in_progress', 'resolved', 'closed', 'withdrawn', 'merged']) {
            expect(stats.byStatus[status]).toBe(cohort.filter((c) => c.status === status).length);
          }
          const weeks = [...new Set(cohort.map((c) => weekOf(c.day)))].sort();
          expect(stats.trend).toEqual(
            weeks.map((week) => ({
              week,
              received: cohort.filter((c) => weekOf(c.day) === week).length,
              resolved: resolved.filter((c) => weekOf(c.day) === week).length,
            })),
          );
        },
      ),
      { numRuns: STATS_PROPERTY_RUNS },
    );
  });
});
