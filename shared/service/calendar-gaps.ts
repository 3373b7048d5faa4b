/**
 * A deadline counted over a year whose holidays and 调休 are not entered yet
 * (weekends only, so possibly wrong): a warning in the log — once per year
 * per process, since every case of those weeks does it — and a metric each
 * time (Maodiaotong/DeadlinesWithoutHolidayData by year), for an alarm. The
 * admin page and GET /v1/config/calendar name the years too.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from './logger.ts';

export const CALENDAR_GAP_METRIC = 'DeadlinesWithoutHolidayData';

const metrics = new Metrics({ namespace: 'Maodiaotong', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'maodiaotong' });
const warned = new Set<number>();

export function calendarGap(years: readonly number[], caseId: string): void {
  for (const year of years) {
    const single = metrics.singleMetric();
    single.addDimension('year', String(year));
    single.addMetric(CALENDAR_GAP_METRIC, MetricUnit.Count, 1);
    if (warned.has(year)) continue;
    warned.add(year);
    logger.warn(`${year} 年节假日安排未录入: deadlines in it count weekends only; enter it with PUT /v1/config/calendar (管理 › 节假日)`, { year, caseId });
  }
}
