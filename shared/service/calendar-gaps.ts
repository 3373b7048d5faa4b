/**
 * A deadline counted over a year whose holidays and 调休 are not entered yet
 * (weekends only, so possibly wrong): a warning in the log — once per year
 * per process, since every case of those weeks does it — and a metric each
 * time (Maodiaotong/DeadlinesWithoutHolidayData by year), for an alarm. The
 * admin page and GET /v1/config/calendar name the years too.
 */
import { logger } from './logger.ts';
import { METRIC, count } from './metrics.ts';

export const CALENDAR_GAP_METRIC = METRIC.deadlinesWithoutHolidayData;
const warned = new Set<number>();

export function calendarGap(years: readonly number[], caseId: string): void {
  for (const year of years) {
    count(CALENDAR_GAP_METRIC, 1, { year: String(year) });
    if (warned.has(year)) continue;
    warned.add(year);
    logger.warn(`${year} 年节假日安排未录入: deadlines in it count weekends only; enter it with PUT /v1/config/calendar (管理 › 节假日)`, { year, caseId });
  }
}
