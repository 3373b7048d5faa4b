/**
 * Every figure of GET /v1/stats, for random histories of random cases, against
 * a direct count from the events alone — no fold, no state, no buckets: the
 * count walks each case's events and keeps what the README's one-line
 * definitions name. The figures under test are the sum of each case's
 * contribution (stats.ts), selected by unit and China day as the handler does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chinaDay, contribution, evolve, statsOf, weekOf, type CaseEvent, type CaseState } from '../../shared/domain/index.ts';
import { units } from '../support/domain.ts';
import { T0, history, play, unitIds } from '../support/histories.ts';

export const STATS_PROPERTY_RUNS = 500;

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
