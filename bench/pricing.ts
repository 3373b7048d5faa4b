/**
 * Counted requests → dollars, with the list prices of bench/prices.ts: what a
 * lifecycle costs by service, and the monthly floor of the prod stack at a
 * given number of cases a month.
 */
import { DEFAULT_MEMORY_MB } from '../infra/stack.ts';
import { FUNCTIONS, type FunctionName } from '../infra/topology.ts';
import type { Counts } from './meter.ts';
import {
  AWS_WAIT_MS,
  LAMBDA_PLATFORM_LOG_BYTES,
  PRICES,
  SECONDS_PER_MONTH,
  SQS_LONG_POLL_SECONDS,
  SQS_POLLERS_PER_QUEUE,
  XRAY_RATE,
  XRAY_RESERVOIR_PER_SECOND,
} from './prices.ts';

const GB = 1024 ** 3;

export interface Inventory {
  readonly alarms: number;
  /** Metrics the alarms read (a metric math alarm is billed per metric in it). */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  readonly secrets: number;
  readonly kmsKeys: number;
  /** Queues with a Lambda event source: polled at all times. */
  readonly polledQueues: number;
  /** Secrets each function reads (by topology name). */
  readonly secretsRead: Record<string, number>;
  /** Custom metrics (name × dimension values) the functions can publish. */
  readonly customMetrics: number;
  /** The functions' log groups keep this long. */
  readonly logRetentionDays: number;
  /** Lambda writes its START and REPORT lines (system logs at INFO) for some function. */
  readonly platformLogs: boolean;
}

export interface LifecycleCost {
  readonly units: {
    apiRequests: number;
    invocations: number;
    gbSeconds: number;
    wru: number;
    indexWru: number;
    rru: number;
    indexRru: number;
    sqsRequests: number;
    logBytes: number;
    /** Traces started: one per API request and per invocation the table's stream starts (queue consumers continue their sender's). */
    traces: number;
  };
  readonly invocationsBy: Record<string, number>;
  /** Dollars by service, and in all. */
  readonly parts: { api: number; lambda: number; dynamodb: number; sqs: number; logs: number; xray: number };
  readonly total: number;
}

const memoryGb = (name: string) => ((FUNCTIONS as Record<string, { memoryMb?: number }>)[name]?.memoryMb ?? DEFAULT_MEMORY_MB) / 1024;

/**
 * An invocation's billed duration, on average: its own time as measured here, plus AWS_WAIT_MS for
 * each wait for AWS, rounded up to the millisecond as Lambda bills.
 */
export function billedMs(i: Counts['invocations'][string]): number {
  return Math.ceil((i.ms - i.waitMs + i.waits * AWS_WAIT_MS) / Math.max(1, i.count));
}

/** What `counts` cost; `apiRequests` went through API Gateway; `platformLogs`: Lambda logs each invocation's START and REPORT. */
export function costOf(counts: Counts, apiRequests: number, platformLogs = true): LifecycleCost {
  const fns = Object.entries(counts.invocations);
  const invocations = fns.reduce((n, [, i]) => n + i.count, 0);
  const gbSeconds = fns.reduce((n, [name, i]) => n + (i.count * billedMs(i) * memoryGb(name)) / 1000, 0);
  const d = counts.dynamodb;
  const sqsRequests = Object.values(counts.sqs.requests).reduce((n, v) => n + v, 0);
  const logBytes = counts.logBytes + (platformLogs ? invocations * LAMBDA_PLATFORM_LOG_BYTES : 0);
  const streamStarted = counts.invocations['relay' satisfies FunctionName]?.count ?? 0;
  const traces = apiRequests + streamStarted;
  const parts = {
    api: apiRequests * PRICES.httpApiRequest,
    lambda: invocations * PRICES.lambdaRequest + gbSeconds * PRICES.lambdaGbSecondArm,
    dynamodb: (d.wru + d.indexWru) * PRICES.dynamodbWru + (d.rru + d.indexRru) * PRICES.dynamodbRru,
    sqs: sqsRequests * PRICES.sqsRequest,
    logs: (logBytes / GB) * PRICES.logIngestGb,
    // Beyond the sampling rule's first trace each second (in the floor), 5 % of traces are recorded.
    xray: traces * XRAY_RATE * PRICES.xrayTrace,
  };
  return {
    units: { apiRequests, invocations, gbSeconds, wru: d.wru, indexWru: d.indexWru, rru: d.rru, indexRru: d.indexRru, sqsRequests, logBytes, traces },
    invocationsBy: Object.fromEntries(fns.map(([name, i]) => [name, i.count])),
    parts,
    total: Object.values(parts).reduce((n, v) => n + v, 0),
  };
}

export interface Floor {
  readonly items: { what: string; usd: number }[];
  readonly total: number;
}

/** A secret read is cached this long by each warm function (shared/service/secrets.ts). */
const SECRET_READS_PER_MONTH = SECONDS_PER_MONTH / 300;
const SWEEPS_PER_MONTH = SECONDS_PER_MONTH / 60;

/**
 * The month's costs besides the cases' own requests, at `casesPerMonth` plain lifecycles: what the
 * stack costs standing (alarms, dashboard, metrics, secrets, keys, the pollers of the queues, the
 * sweeper every minute) and what grows with what is kept (X-Ray's first trace each second, a year of
 * logs, a year of cases in the table with its continuous backups).
 */
export function monthlyFloor(
  inventory: Inventory,
  casesPerMonth: number,
  plain: LifecycleCost,
  sweep: LifecycleCost,
  caseBytes: number,
): Floor {
  const logRetentionMonths = Math.round(inventory.logRetentionDays / 30);
  const secretReads = Object.entries(inventory.secretsRead).reduce((n, [name, secrets]) => {
    const invoked = name === 'sweeper' ? SWEEPS_PER_MONTH : (plain.invocationsBy[name] ?? 0) * casesPerMonth;
    return n + secrets * Math.min(invoked, SECRET_READS_PER_MONTH);
  }, 0);
  const traces = casesPerMonth * plain.units.traces + SWEEPS_PER_MONTH;
  const reservoir = Math.min(traces, XRAY_RESERVOIR_PER_SECOND * SECONDS_PER_MONTH);
  const keptLogBytes = logRetentionMonths * (casesPerMonth * plain.units.logBytes + SWEEPS_PER_MONTH * sweep.units.logBytes);
  const keptCaseBytes = 12 * casesPerMonth * caseBytes;
  const items = [
    { what: `${inventory.alarms} alarms (${inventory.alarmMetrics} metrics)`, usd: inventory.alarmMetrics * PRICES.alarmMetricMonth },
    { what: `${inventory.dashboards} dashboard`, usd: inventory.dashboards * PRICES.dashboardMonth },
    { what: `≤ ${inventory.customMetrics} custom metrics`, usd: inventory.customMetrics * PRICES.customMetricMonth },
    { what: `${inventory.secrets} secrets`, usd: inventory.secrets * PRICES.secretMonth + secretReads * PRICES.secretsRequest },
    { what: `${inventory.kmsKeys} KMS keys`, usd: inventory.kmsKeys * PRICES.kmsKeyMonth },
    {
      what: `${inventory.polledQueues} polled queues`,
      usd: inventory.polledQueues * SQS_POLLERS_PER_QUEUE * (SECONDS_PER_MONTH / SQS_LONG_POLL_SECONDS) * PRICES.sqsRequest,
    },
    { what: 'sweeper each minute', usd: SWEEPS_PER_MONTH * sweep.total },
    { what: 'X-Ray 1 trace/s', usd: reservoir * (1 - XRAY_RATE) * PRICES.xrayTrace },
    { what: `logs kept ${logRetentionMonths} months`, usd: (keptLogBytes / GB) * PRICES.logStorageGbMonth },
    { what: 'a year of cases stored + PITR', usd: (keptCaseBytes / GB) * (PRICES.dynamodbStorageGbMonth + PRICES.dynamodbPitrGbMonth) },
  ];
  return { items, total: items.reduce((n, i) => n + i.usd, 0) };
}
