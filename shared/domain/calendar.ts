/**
 * The working calendar: which days are workdays (public holidays and 调休
 * make-up workdays included) and how working-time limits turn into instants.
 * Pure: the holiday data is passed in, never fetched.
 */

export type DurationUnit = 'minutes' | 'hours' | 'workingHours' | 'workingDays';
export interface Duration {
  readonly amount: number;
  readonly unit: DurationUnit;
}

/** The time a limit is counted in: office hours on workdays, or the clock. */
export type TimeBasis = 'working' | 'calendar';

export const basisOf = (unit: DurationUnit): TimeBasis => (unit === 'workingHours' || unit === 'workingDays' ? 'working' : 'calendar');

/**
 * The largest amount of each unit a limit may have: every one of them fits in
 * the days the calendar searches (MAX_DAYS_SEARCHED) whatever a year's
 * holidays (at most MAX_HOLIDAYS_PER_YEAR of them), so `add` always answers.
 * Working days are whole: "3个工作日内" has no half day.
 */
export const DURATION_LIMITS: Readonly<Record<DurationUnit, { readonly max: number; readonly whole: boolean }>> = {
  minutes: { max: 60 * 24 * 90, whole: true },
  hours: { max: 24 * 90, whole: false },
  workingHours: { max: 7 * 250, whole: false },
  workingDays: { max: 250, whole: true },
};

/** Holidays (and, separately, 调休 workdays) one year may list: the State Council's schedule has about 30. */
export const MAX_HOLIDAYS_PER_YEAR = 60;

export interface WorkingWindow {
  /** Minutes after local midnight. */
  readonly start: number;
  readonly end: number;
}

export interface CalendarData {
  /** yyyy-mm-dd dates that are days off although they fall Monday–Friday. */
  readonly holidays: Iterable<string>;
  /** yyyy-mm-dd dates that are workdays although they fall on a weekend (调休). */
  readonly workdays: Iterable<string>;
  /** Years whose official schedule is known. */
  readonly years: Iterable<number>;
}

export interface CalendarOptions {
  /** China has one time zone and no daylight saving. */
  readonly utcOffsetMinutes?: number;
  readonly windows?: readonly WorkingWindow[];
}

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;
/** 09:00–12:00 and 13:30–17:30: the usual office day of a township government. */
export const DEFAULT_WINDOWS: readonly WorkingWindow[] = [
  { start: 9 * 60, end: 12 * 60 },
  { start: 13 * 60 + 30, end: 17 * 60 + 30 },
];
/** A limit can never need more than this many days; a loop past it means bad data. */
const MAX_DAYS_SEARCHED = 3 * 366;

export class WorkingCalendar {
  private readonly holidays: ReadonlySet<string>;
  private readonly workdays: ReadonlySet<string>;
  private readonly years: ReadonlySet<number>;
  private readonly offset: number;
  private readonly windows: readonly WorkingWindow[];

  constructor(data: CalendarData, options: CalendarOptions = {}) {
    this.holidays = new Set(data.holidays);
    this.workdays = new Set(data.workdays);
    this.years = new Set(data.years);
    this.offset = options.utcOffsetMinutes ?? 8 * 60;
    this.windows = options.windows ?? DEFAULT_WINDOWS;
  }

  /** The years whose official schedule is known. */
  knownYears(): number[] {
    return [...this.years].sort((a, b) => a - b);
  }

  /** Whether the official holiday schedule of a year is known (otherwise weekends only). */
  covers(year: number): boolean {
    return this.years.has(year);
  }

  isWorkday(date: string): boolean {
    if (this.holidays.has(date)) return false;
    if (this.workdays.has(date)) return true;
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /** The local calendar date (yyyy-mm-dd) of an instant. */
  localDate(at: Date): string {
    return new Date(at.getTime() + this.offset * MINUTE).toISOString().slice(0, 10);
  }

  /** The instant a local day (yyyy-mm-dd) begins. */
  startOfDay(date: string): Date {
    return this.instant(date, 0);
  }

  /** The years (by local date) from `start` to `end` whose official schedule is not known: counted on weekends only. */
  uncoveredYears(start: Date, end: Date): number[] {
    const first = Number(this.localDate(start).slice(0, 4));
    const last = Number(this.localDate(end).slice(0, 4));
    const out: number[] = [];
    for (let year = first; year <= last; year++) if (!this.covers(year)) out.push(year);
    return out;
  }

  add(start: Date, duration: Duration): Date {
    switch (duration.unit) {
      case 'minutes':
        return new Date(start.getTime() + duration.amount * MINUTE);
      case 'hours':
        return new Date(start.getTime() + duration.amount * 60 * MINUTE);
      case 'workingHours':
        return this.addWorkingMinutes(start, duration.amount * 60);
      case 'workingDays':
        return this.addWorkingDays(start, duration.amount);
    }
  }

  /** Whether an instant falls within a working window (its ends included) of a workday. */
  isWorkingTime(at: Date): boolean {
    const date = this.localDate(at);
    if (!this.isWorkday(date)) return false;
    const t = at.getTime();
    return this.windows.some((w) => t >= this.instant(date, w.start).getTime() && t <= this.instant(date, w.end).getTime());
  }

  /** Working time between two instants, in minutes (0 when `end` is not after `start`). */
  workingMinutesBetween(start: Date, end: Date): number {
    const from = start.getTime();
    const to = end.getTime();
    if (to <= from) return 0;
    let total = 0;
    const last = this.localDate(end);
    for (let date = this.localDate(start); date <= last; date = this.nextDate(date)) {
      if (!this.isWorkday(date)) continue;
      for (const w of this.windows) {
        const begin = Math.max(from, this.instant(date, w.start).getTime());
        const finish = Math.min(to, this.instant(date, w.end).getTime());
        if (finish > begin) total += finish - begin;
      }
    }
    return total / MINUTE;
  }

  /** The instant `minutes` of working time after `start` (from the next window when `start` is outside one). */
  addWorkingMinutes(start: Date, minutes: number): Date {
    let remaining = minutes;
    let cursor = start.getTime();
    let date = this.localDate(start);
    for (let day = 0; day < MAX_DAYS_SEARCHED; day++) {
      if (this.isWorkday(date)) {
        for (const window of this.windows) {
          const windowEnd = this.instant(date, window.end).getTime();
          if (cursor >= windowEnd) continue;
          const begin = Math.max(cursor, this.instant(date, window.start).getTime());
          const available = (windowEnd - begin) / MINUTE;
          if (remaining <= available) return new Date(begin + remaining * MINUTE);
          remaining -= available;
          cursor = windowEnd;
        }
      }
      date = this.nextDate(date);
    }
    throw new RangeError(`no working time found within ${MAX_DAYS_SEARCHED} days of ${start.toISOString()}`);
  }

  /** The instant a local date's minute-of-day falls on. */
  private instant(date: string, minuteOfDay: number): Date {
    return new Date(Date.parse(`${date}T00:00:00Z`) + (minuteOfDay - this.offset) * MINUTE);
  }

  private nextDate(date: string): string {
    return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MINUTES * MINUTE).toISOString().slice(0, 10);
  }

  /**
   * "N个工作日内": counted from the day after receipt, due at the close of the
   * Nth workday.
   */
  private addWorkingDays(start: Date, days: number): Date {
    if (!Number.isInteger(days)) throw new RangeError(`working days are whole: ${days}`);
    let date = this.localDate(start);
    let counted = 0;
    for (let day = 0; day < MAX_DAYS_SEARCHED && counted < days; day++) {
      date = this.nextDate(date);
      if (this.isWorkday(date)) counted++;
    }
    if (counted < days) throw new RangeError(`no ${days} workdays found after ${start.toISOString()}`);
    const close = this.windows[this.windows.length - 1]?.end ?? DAY_MINUTES;
    return this.instant(date, close);
  }
}
