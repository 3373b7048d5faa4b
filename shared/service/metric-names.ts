/**
 * Names of the business metrics (CloudWatch EMF through Powertools Metrics) that
 * the stack alarms on: one place for the emitter and infra/alarms.ts.
 */
export const METRIC_NAMESPACE = 'Maodiaotong';
/** The dimension Powertools Metrics adds to every metric: POWERTOOLS_SERVICE_NAME. */
export const SERVICE_NAME = 'maodiaotong';
/** Emitted by the sweeper each run: cases found overdue at the top of the tree (the township), which only 督办 can move. */
export const OVERDUE_AT_TOWNSHIP_METRIC = 'OverdueAtTownship';
