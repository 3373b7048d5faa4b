/**
 * Business metrics (CloudWatch EMF, namespace Maodiaotong): what the alarms
 * and the dashboard of infra/stack.ts read. Each count is one EMF line with
 * its own dimensions (plus `service`), so dimensions never mix; locally
 * POWERTOOLS_METRICS_DISABLED keeps them off the console.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CaseEvent, CaseState } from '../domain/index.ts';

export const METRICS_NAMESPACE = 'Maodiaotong';

/** Metric names, as alarms and dashboards spell them. */
export const METRIC = {
  /** Dimensions channel (the case's source) and center. */
  casesReceived: 'CasesReceived',
  /** Dimension reason. */
  escalations: 'Escalations',
  /** Dimension clock (accept / resolve). */
  reminders: 'Reminders',
  /** 督办: dimension kind — `alert` (overdue at the top of the ladder) or `order` (a leader's). */
  supervisions: 'Supervisions',
  callbacksDelivered: 'CallbacksDelivered',
  callbacksFailed: 'CallbacksFailed',
  /** Per sweep: events whose effects are still pending after the relay's backstop. */
  effectsPending: 'EffectsPending',
  /** Per sweep: open cases at a township (the top of the ladder) whose overdue timer fired: nobody above to escalate to. */
  overdueAtTownship: 'OverdueAtTownship',
  /** Dimension year (shared/service/calendar-gaps.ts). */
  deadlinesWithoutHolidayData: 'DeadlinesWithoutHolidayData',
} as const;

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'maodiaotong' });

/**
 * One emitter for every count: each addMetric publishes its line at once and
 * clears the dimensions, so nothing carries over. A new singleMetric() per
 * count cost a Metrics, a Console and a read of the environment each time
 * (4% of an intake's CPU).
 */
const single = metrics.singleMetric();

/** One count now, with its own dimensions. */
export function count(name: (typeof METRIC)[keyof typeof METRIC], value = 1, dimensions: Readonly<Record<string, string>> = {}): void {
  for (const [key, v] of Object.entries(dimensions)) single.addDimension(key, v);
  single.addMetric(name, MetricUnit.Count, value);
}

/** The business counts of one appended event (CaseService's onAppended). */
export function countEvent(event: CaseEvent, after: CaseState): void {
  switch (event.type) {
    case 'received':
      return count(METRIC.casesReceived, 1, { channel: after.source, center: after.center });
    case 'escalated':
      return count(METRIC.escalations, 1, { reason: event.data.reason });
    case 'reminded':
      return count(METRIC.reminders, 1, { clock: event.data.clock });
    case 'supervised':
      return count(METRIC.supervisions, 1, { kind: 'alert' });
    case 'supervision_ordered':
      return count(METRIC.supervisions, 1, { kind: 'order' });
    default:
  }
}
