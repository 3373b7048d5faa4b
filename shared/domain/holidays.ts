/**
 * The official holiday and 调休 schedule, from the chinese-days package's
 * per-year data files (only the years we need, not its lunar calendar).
 * Years the package does not yet know are added through the calendar
 * overrides stored in the table (see shared/store/config-store.ts).
 */
import y2024 from 'chinese-days/dist/years/2024.json' with { type: 'json' };
import y2025 from 'chinese-days/dist/years/2025.json' with { type: 'json' };
import y2026 from 'chinese-days/dist/years/2026.json' with { type: 'json' };
import type { CalendarData } from './calendar.ts';

interface YearFile {
  readonly holidays: Record<string, string>;
  readonly workdays: Record<string, string>;
}

export interface CalendarOverride {
  readonly year: number;
  readonly holidays: readonly string[];
  readonly workdays: readonly string[];
}

const PUBLISHED: Record<number, YearFile> = { 2024: y2024, 2025: y2025, 2026: y2026 };

export function calendarData(overrides: readonly CalendarOverride[] = []): CalendarData {
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  const years = new Set<number>();
  const overridden = new Set(overrides.map((o) => o.year));
  for (const [year, file] of Object.entries(PUBLISHED)) {
    if (overridden.has(Number(year))) continue;
    years.add(Number(year));
    for (const d of Object.keys(file.holidays)) holidays.add(d);
    for (const d of Object.keys(file.workdays)) workdays.add(d);
  }
  for (const o of overrides) {
    years.add(o.year);
    for (const d of o.holidays) holidays.add(d);
    for (const d of o.workdays) workdays.add(d);
  }
  return { holidays, workdays, years };
}
