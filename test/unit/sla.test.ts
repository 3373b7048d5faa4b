/**
 * Shares of a limit (催办 at 80%, 临期, the time left) in the time the limit is
 * counted in: office hours for working limits, the clock for calendar ones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_LIMITS, WorkingCalendar, calendarData, deadline, shareOf, startClocks, urgency, type Duration, type Timing } from '../../shared/domain/index.ts';
import { policy } from '../support/domain.ts';

const calendar = new WorkingCalendar(calendarData());
const timing: Timing = { calendar, timeScale: 1 };
const at = (local: string) => new Date(`${local}+08:00`);
export const SLA_PROPERTY_RUNS = 2000;

const instant = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2026-10-01T00:00:00Z'), noInvalidDate: true });
const workingLimit: fc.Arbitrary<Duration> = fc.oneof(
  fc.record({ amount: fc.integer({ min: 1, max: 160 }).map((q) => q / 4), unit: fc.constant('workingHours' as const) }),
  fc.record({ amount: fc.integer({ min: 1, max: 30 }), unit: fc.constant('workingDays' as const) }),
);
const calendarLimit: fc.Arbitrary<Duration> = fc.oneof(
  fc.record({ amount: fc.integer({ min: 1, max: 2000 }), unit: fc.constant('minutes' as const) }),
  fc.record({ amount: fc.integer({ min: 1, max: 400 }).map((q) => q / 4), unit: fc.constant('hours' as const) }),
);

describe('the 80% 催办 of a working limit', () => {
  it('of a building case received Friday 17:00 (due Monday 10:30) is Monday 10:06, not Sunday night', () => {
    const start = at('2026-11-27T17:00:00');
    const limit: Duration = { amount: 2, unit: 'workingHours' };
    expect(deadline(start, limit, timing)).toEqual(at('2026-11-30T10:30:00'));
    // 120 working minutes: 30 on Friday, 90 on Monday; 96 of them have passed at 10:06.
    expect(shareOf(start, limit, 0.8, timing)).toEqual(at('2026-11-30T10:06:00'));
  });

  it('is what startClocks records for the 签收 and 办结 clocks, with their bases', () => {
    const start = at('2026-11-27T17:00:00');
    const clocks = startClocks(start, { center: 'voice', level: 'building', priority: 'normal' }, policy.sla, timing);
    expect(clocks.acceptRemindAt).toBe(at('2026-11-30T10:06:00').toISOString());
    expect(clocks.acceptBasis).toBe('working');
    // 3 working days from Friday evening: due Wednesday 17:30, 1,290 working minutes away; 1,032 of them have passed at Wednesday 11:42.
    expect(clocks.resolveDueAt).toBe(at('2026-12-02T17:30:00').toISOString());
    expect(clocks.resolveRemindAt).toBe(at('2026-12-02T11:42:00').toISOString());
    const urgent = startClocks(start, { center: 'voice', level: 'building', priority: 'urgent' }, policy.sla, timing);
    expect(urgent.acceptBasis).toBe('calendar');
    expect(urgent.acceptRemindAt).toBe(at('2026-11-27T17:24:00').toISOString());
  });

  it(`property (${SLA_PROPERTY_RUNS} runs): for any start and working limit, the 80% instant lies in working time and splits the working time 80/20`, () => {
    fc.assert(
      fc.property(instant, workingLimit, (start, limit) => {
        const due = deadline(start, limit, timing);
        const remind = shareOf(start, limit, 0.8, timing);
        expect(calendar.isWorkingTime(remind)).toBe(true);
        expect(remind.getTime()).toBeLessThan(due.getTime());
        const whole = calendar.workingMinutesBetween(start, due);
        const before = calendar.workingMinutesBetween(start, remind);
        const after = calendar.workingMinutesBetween(remind, due);
        // Instants are whole milliseconds: the split is exact to one of them.
        expect(Math.abs(before - 0.8 * whole)).toBeLessThan(1 / 60_000);
        expect(Math.abs(after - 0.2 * whole)).toBeLessThan(1 / 60_000);
      }),
      { numRuns: SLA_PROPERTY_RUNS },
    );
  });

  it(`property (${SLA_PROPERTY_RUNS} runs): a calendar limit's 80% is 80% of the clock`, () => {
    fc.assert(
      fc.property(instant, calendarLimit, (start, limit) => {
        const due = deadline(start, limit, timing);
        const remind = shareOf(start, limit, 0.8, timing);
        expect(remind.getTime() - start.getTime()).toBe(Math.floor((due.getTime() - start.getTime()) * 0.8));
      }),
      { numRuns: SLA_PROPERTY_RUNS },
    );
  });

  it('runs SLA_TIME_SCALE times faster when the demo clock is scaled, counted on the clock', () => {
    const start = at('2026-11-27T17:00:00');
    const fast: Timing = { calendar, timeScale: 3600 };
    const limit: Duration = { amount: 2, unit: 'workingHours' };
    // The real deadline is 65.5 clock hours away and its 80% point 65.1 h: a second per hour.
    expect(deadline(start, limit, fast).getTime() - start.getTime()).toBe(65_500);
    expect(shareOf(start, limit, 0.8, fast).getTime() - start.getTime()).toBe(65_100);
    expect(startClocks(start, { center: 'voice', level: 'building', priority: 'normal' }, policy.sla, fast).acceptBasis).toBe('calendar');
  });
});

describe('the time left and 临期, in the limit’s own time', () => {
  const started = at('2026-11-26T11:00:00');
  const clocks = startClocks(started, { center: 'voice', level: 'building', priority: 'normal' }, policy.sla, timing);
  const pending = { status: 'pending' as const, clocks };

  it('counts a 2-working-hour limit across the lunch break in working time', () => {
    // Due 14:30: one working hour before lunch, one after.
    expect(clocks.acceptDueAt).toBe(at('2026-11-26T14:30:00').toISOString());
    expect(urgency(pending, at('2026-11-26T11:30:00'), calendar).timeLeft).toEqual({ minutes: 90, basis: 'working' });
    expect(urgency(pending, at('2026-11-26T13:00:00'), calendar).timeLeft).toEqual({ minutes: 60, basis: 'working' });
    const late = urgency(pending, at('2026-11-26T16:30:00'), calendar);
    expect(late).toMatchObject({ overdue: true, nearDeadline: false, timeLeft: { minutes: -120, basis: 'working' } });
  });

  it('is 临期 in the last fifth of working time, not of the clock', () => {
    const accepted = { status: 'in_progress' as const, clocks };
    // 办结 due Tuesday 1 Dec 17:30, 1,560 working minutes after Thursday 11:00; the last fifth begins with 312 left.
    expect(clocks.resolveDueAt).toBe(at('2026-12-01T17:30:00').toISOString());
    // Monday 23:00 is in the clock's last fifth (18.5 of 126.5 h left) but a whole working day is left.
    expect(urgency(accepted, at('2026-11-30T23:00:00'), calendar)).toMatchObject({ nearDeadline: false, timeLeft: { minutes: 420 } });
    expect(urgency(accepted, at('2026-12-01T09:30:00'), calendar)).toMatchObject({ nearDeadline: false, timeLeft: { minutes: 390 } });
    expect(urgency(accepted, at('2026-12-01T11:30:00'), calendar)).toMatchObject({ nearDeadline: true, timeLeft: { minutes: 270 } });
  });

  it(`property (${SLA_PROPERTY_RUNS} runs): at the 催办 instant a fifth of the working time is left`, () => {
    fc.assert(
      fc.property(instant, workingLimit, (start, limit) => {
        const remind = shareOf(start, limit, 0.8, timing);
        const due = deadline(start, limit, timing);
        const state = { status: 'in_progress' as const, clocks: { startedAt: start.toISOString(), resolveDueAt: due.toISOString(), resolveRemindAt: remind.toISOString(), resolveBasis: 'working' as const, acceptReminded: false, resolveReminded: false } };
        const whole = calendar.workingMinutesBetween(start, due);
        expect(Math.abs((urgency(state, remind, calendar).timeLeft?.minutes ?? 0) - 0.2 * whole)).toBeLessThanOrEqual(0.5);
      }),
      { numRuns: SLA_PROPERTY_RUNS },
    );
  });
});

describe('bounds', () => {
  it(`property: every limit within DURATION_LIMITS has a deadline (${SLA_PROPERTY_RUNS} runs)`, () => {
    const unit = fc.constantFrom(...(Object.keys(DURATION_LIMITS) as (keyof typeof DURATION_LIMITS)[]));
    fc.assert(
      fc.property(instant, unit, fc.double({ min: 0, max: 1, noNaN: true }), (start, u, share) => {
        const { max, whole } = DURATION_LIMITS[u];
        const amount = whole ? Math.max(1, Math.round(max * share)) : Math.max(0.25, max * share);
        const limit: Duration = { amount, unit: u };
        expect(deadline(start, limit, timing).getTime()).toBeGreaterThan(start.getTime());
        expect(shareOf(start, limit, 0.8, timing).getTime()).toBeGreaterThan(start.getTime());
      }),
      { numRuns: SLA_PROPERTY_RUNS },
    );
  });

  it('refuses a fractional number of working days rather than rounding it up', () => {
    expect(() => calendar.add(at('2026-11-26T10:00:00'), { amount: 1.5, unit: 'workingDays' })).toThrow(RangeError);
  });
});
