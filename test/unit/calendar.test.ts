import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkingCalendar, calendarData, deadline } from '../../shared/domain/index.ts';

const calendar = new WorkingCalendar(calendarData());
const at = (local: string) => new Date(`${local}+08:00`);

describe('working calendar: holidays and 调休 (2025–2026)', () => {
  it.each([
    ['2025-10-01', false, '国庆 2025'],
    ['2025-10-08', false, '国庆 2025 (with 中秋)'],
    ['2025-09-28', true, '调休: Sunday worked before 国庆 2025'],
    ['2025-10-11', true, '调休: Saturday worked after 国庆 2025'],
    ['2025-01-28', false, '春节 2025'],
    ['2025-01-26', true, '调休: Sunday before 春节 2025'],
    ['2026-02-16', false, '春节 2026'],
    ['2026-02-14', true, '调休: Saturday before 春节 2026'],
    ['2026-02-28', true, '调休: Saturday after 春节 2026'],
    ['2026-10-07', false, '国庆 2026'],
    ['2026-09-20', true, '调休: Sunday before 国庆 2026'],
    ['2026-10-10', true, '调休: Saturday after 国庆 2026'],
    ['2026-11-28', false, 'an ordinary Saturday'],
    ['2026-11-26', true, 'an ordinary Thursday'],
  ])('%s is a workday: %s (%s)', (date, workday) => {
    expect(calendar.isWorkday(date)).toBe(workday);
  });

  it('counts working days past the whole 国庆 2025 break', () => {
    // Tuesday 30 Sep: the next workday is Thursday 9 Oct; due at its close.
    expect(calendar.add(at('2025-09-30T10:00:00'), { amount: 1, unit: 'workingDays' })).toEqual(at('2025-10-09T17:30:00'));
  });

  it('counts the 调休 Saturday before 春节 2026 and skips the nine days off', () => {
    expect(calendar.add(at('2026-02-13T15:00:00'), { amount: 1, unit: 'workingDays' })).toEqual(at('2026-02-14T17:30:00'));
    expect(calendar.add(at('2026-02-13T15:00:00'), { amount: 3, unit: 'workingDays' })).toEqual(at('2026-02-25T17:30:00'));
  });

  it('carries working hours over 国庆 2026 into the next workday', () => {
    expect(calendar.add(at('2026-09-30T16:30:00'), { amount: 2, unit: 'workingHours' })).toEqual(at('2026-10-08T10:00:00'));
  });

  it('skips the lunch break and the evening', () => {
    expect(calendar.add(at('2026-11-26T12:30:00'), { amount: 1, unit: 'workingHours' })).toEqual(at('2026-11-26T14:30:00'));
    expect(calendar.add(at('2026-11-26T20:41:00'), { amount: 2, unit: 'workingHours' })).toEqual(at('2026-11-27T11:00:00'));
    expect(calendar.add(at('2026-11-27T16:00:00'), { amount: 2, unit: 'workingHours' })).toEqual(at('2026-11-30T09:30:00'));
  });

  it('counts calendar hours for urgent matters, holidays included', () => {
    expect(calendar.add(at('2026-10-01T10:00:00'), { amount: 24, unit: 'hours' })).toEqual(at('2026-10-02T10:00:00'));
  });

  it('knows which years it has an official schedule for, and takes overrides for the rest', () => {
    expect(calendar.covers(2026)).toBe(true);
    expect(calendar.covers(2027)).toBe(false);
    expect(calendar.isWorkday('2027-01-01')).toBe(true);
    const withOverride = new WorkingCalendar(
      calendarData([{ year: 2027, holidays: ['2027-01-01'], workdays: ['2027-01-03'] }]),
    );
    expect(withOverride.covers(2027)).toBe(true);
    expect(withOverride.isWorkday('2027-01-01')).toBe(false);
    expect(withOverride.isWorkday('2027-01-03')).toBe(true);
  });

  it('divides the time to a deadline by SLA_TIME_SCALE', () => {
    const now = at('2026-11-26T10:00:00');
    const timing = { calendar, timeScale: 3600 };
    // 2 working hours = 7200 s of SLA time = 2 s of real time.
    expect(deadline(now, { amount: 2, unit: 'workingHours' }, timing).getTime() - now.getTime()).toBe(2000);
  });

  const instant = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2026-12-01T00:00:00Z'), noInvalidDate: true });

  it('property: adding working hours lands inside a working window of a workday, later for more hours', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), (start, a, b) => {
        const due = calendar.add(start, { amount: a, unit: 'workingHours' });
        expect(due.getTime()).toBeGreaterThan(start.getTime());
        expect(calendar.isWorkday(calendar.localDate(due))).toBe(true);
        // Exact to the millisecond: a start like 13:30:00.001 can end 1 ms into a window.
        const minute = ((due.getTime() + 8 * 3600_000) % (24 * 3600_000)) / 60_000;
        expect(minute > 9 * 60 && minute <= 12 * 60 || minute > 13 * 60 + 30 && minute <= 17 * 60 + 30).toBe(true);
        const later = calendar.add(start, { amount: a + b, unit: 'workingHours' });
        expect(later.getTime()).toBeGreaterThan(due.getTime());
      }),
    );
  });

  it('ends a limit started a millisecond into a window that same millisecond into the window it runs out in', () => {
    // Monday 2024-04-08 13:30:00.001: 4 h less 1 ms that afternoon, four full days to Friday (7 h each), the next
    // Monday's 3 h morning, then the 1 ms left.
    const due = calendar.add(new Date('2024-04-08T05:30:00.001Z'), { amount: 35, unit: 'workingHours' });
    expect(due).toEqual(new Date('2024-04-15T05:30:00.001Z'));
  });

  it('property: N working days end on a workday, at least N calendar days later', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 20 }), (start, n) => {
        const due = calendar.add(start, { amount: n, unit: 'workingDays' });
        expect(calendar.isWorkday(calendar.localDate(due))).toBe(true);
        expect(due.getTime() - start.getTime()).toBeGreaterThanOrEqual((n - 1) * 24 * 3600 * 1000);
      }),
    );
  });
});
