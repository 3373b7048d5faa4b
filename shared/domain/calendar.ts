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

  /** The instant a local date's minute-of-day falls on. */
  private instant(date: string, minuteOfDay: number): Date {
    return new Date(Date.parse(`${date}T00:00:00Z`) + (minuteOfDay - this.offset) * MINUTE);
  }

  private nextDate(date: string): string {
    return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MINUTES * MINUTE).toISOString().slice(0, 10);
  }

  private addWorkingMinutes(start: Date, minutes: number): Date {
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

  /**
   * "N个工作日内": counted from the day after receipt, due at the close of the
   * Nth workday.
   */
  private addWorkingDays(start: Date, days: number): Date {
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
