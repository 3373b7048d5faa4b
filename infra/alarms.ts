/**
 * Operations: the alarms of a running system, where they go (one SNS topic,
 * its subscribers from the stage's context), and a dashboard of the same
 * metrics. The stack hands over what it built; thresholds are here.
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageSettings } from './stages.ts';


export const THRESHOLDS = {
  /** Errors of one function in 5 minutes. */
  lambdaErrors: 3,
  /** Any throttle: reserved concurrency or the account's pool is exhausted. */
  lambdaThrottles: 0,
  /** API 5xx, percent of requests over 5 minutes (with at least 20 requests). */
  api5xxPercent: 1,
  apiMinRequests: 20,
  /** API p99 latency, ms, three 5-minute periods running. */
  apiP99Ms: 3000,
  /** The oldest message of a queue whose worker keeps up waits seconds; minutes mean it does not. */
  oldestMessageSeconds: 15 * 60,
  /** Cases overdue at the township found in a day before someone is told. */
  overdueAtTownshipPerDay: 1,
} as const;

export interface OperationsProps {
  readonly stage: StageSettings;
  readonly api: HttpApi;
  readonly table: Table;
  /** Each work queue, with the oldest age its design allows (the callback queue's backoff holds messages for hours). */
  readonly queues: Readonly<Record<string, { readonly queue: Queue; readonly maxAgeSeconds?: number }>>;
  /** Dead-letter queues and the stream's failure queue: any message in one is an alarm. */
  readonly deadLetterQueues: Readonly<Record<string, Queue>>;
  readonly functions: Readonly<Record<string, IFunction>>;
  /** The scheduled sweeper, which must run every minute. */
  readonly sweeper?: IFunction;
}

/** The business metrics' namespace, and the dimension Powertools Metrics adds to each (POWERTOOLS_SERVICE_NAME). */
export const METRIC_NAMESPACE = 'Maodiaotong';
export const SERVICE_NAME = 'maodiaotong';
/** Emitted by the sweeper every run: cases at the top of the tree (the township) whose overdue timer fired — only 督办 is left. */
export const OVERDUE_AT_TOWNSHIP_METRIC = 'OverdueAtTownship';

const FIVE_MINUTES = Duration.minutes(5);

export class Operations extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  /** Every alarm, by a readable name (e.g. `errors:intake`, `dlq:notify`). */
  readonly alarms: Record<string, Alarm> = {};
  /** Per function: its errors alarm, which a gradual deploy of it rolls back on. */
  readonly functionErrorAlarms: Record<string, Alarm> = {};
  readonly api5xxAlarm: Alarm;
  readonly apiLatencyAlarm: Alarm;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { stage } = props;
    // Alarm notifications carry metric names and thresholds, no personal data (see nag.ts on its encryption).
    this.topic = new Topic(this, 'Alarms', { displayName: `矛调通 ${stage.name} alarms`, enforceSSL: true });
    for (const email of stage.alarmEmails) this.topic.addSubscription(new EmailSubscription(email));
    for (const phone of stage.alarmSms) this.topic.addSubscription(new SmsSubscription(phone));
    // A DingTalk/WeCom robot cannot confirm an SNS subscription itself: point this at a relay that confirms and reformats.
    for (const url of stage.alarmHttps) this.topic.addSubscription(new UrlSubscription(url));
    const action = new SnsAction(this.topic);

    const alarm = (name: string, id: string, props: ConstructorParameters<typeof Alarm>[2]): Alarm => {
      const made = new Alarm(this, id, { treatMissingData: TreatMissingData.NOT_BREACHING, ...props });
      made.addAlarmAction(action);
      made.addOkAction(action);
      this.alarms[name] = made;
      return made;
    };

    const dlqWidgets: IMetric[] = [];
    for (const [name, dlq] of Object.entries(props.deadLetterQueues)) {
      // Labels only on the dashboard's copies: an alarm on a labelled metric renders as a metric math alarm.
      const metric = dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' });
      dlqWidgets.push(metric.with({ label: name }));
      alarm(`dlq:${name}`, `${pascal(name)}DlqDepth`, {
        alarmDescription: `Messages in the ${name} dead-letter queue: they failed every attempt`,
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    const ageWidgets: IMetric[] = [];
    for (const [name, { queue, maxAgeSeconds }] of Object.entries(props.queues)) {
      const metric = queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' });
      ageWidgets.push(metric.with({ label: name }));
      const threshold = maxAgeSeconds ?? THRESHOLDS.oldestMessageSeconds;
      alarm(`age:${name}`, `${pascal(name)}OldestMessage`, {
        alarmDescription: `The oldest message of the ${name} queue is older than ${threshold} s: its worker is not keeping up or is failing`,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
      });
    }

    const errorWidgets: IMetric[] = [];
    const throttleWidgets: IMetric[] = [];
    for (const [name, fn] of Object.entries(props.functions)) {
      const errors = fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' });
      const throttles = fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' });
      errorWidgets.push(errors.with({ label: name }));
      throttleWidgets.push(throttles.with({ label: name }));
      this.functionErrorAlarms[name] = alarm(`errors:${name}`, `${pascal(name)}Errors`, {
        alarmDescription: `The ${name} function failed ${THRESHOLDS.lambdaErrors} or more times in 5 minutes`,
        metric: errors,
        threshold: THRESHOLDS.lambdaErrors,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      alarm(`throttles:${name}`, `${pascal(name)}Throttles`, {
        alarmDescription: `The ${name} function was throttled: its reserved concurrency or the account's pool is used up`,
        metric: throttles,
        threshold: THRESHOLDS.lambdaThrottles,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    if (props.sweeper) {
      alarm('sweeper-not-running', 'SweeperNotRunning', {
        alarmDescription: 'The sweeper has not run for 5 minutes: no reminders, escalations or 督办 are due-checked',
        metric: props.sweeper.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No data at all is exactly the failure: the schedule or the function is gone.
        treatMissingData: TreatMissingData.BREACHING,
      });
    }

    const requests = props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const serverErrors = props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const rate = new MathExpression({
      expression: `IF(requests >= ${THRESHOLDS.apiMinRequests}, 100 * errors / requests, 0)`,
      usingMetrics: { requests, errors: serverErrors },
      period: FIVE_MINUTES,
      label: 'API 5xx %',
    });
    this.api5xxAlarm = alarm('api-5xx', 'Api5xxRate', {
      alarmDescription: `More than ${THRESHOLDS.api5xxPercent}% of API requests answered 5xx over 5 minutes`,
      metric: rate,
      threshold: THRESHOLDS.api5xxPercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    const p99 = props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' });
    this.apiLatencyAlarm = alarm('api-p99', 'ApiP99Latency', {
      alarmDescription: `API p99 latency above ${THRESHOLDS.apiP99Ms} ms for 15 minutes`,
      metric: p99,
      threshold: THRESHOLDS.apiP99Ms,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });

    const tableMetric = (metricName: string, label: string) =>
      new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap: { TableName: props.table.tableName }, period: FIVE_MINUTES, statistic: 'Sum', label });
    const throttled = new MathExpression({
      expression: 'reads + writes',
      usingMetrics: { reads: tableMetric('ReadThrottleEvents', 'reads'), writes: tableMetric('WriteThrottleEvents', 'writes') },
      period: FIVE_MINUTES,
      label: 'table throttles',
    });
    alarm('dynamodb-throttles', 'TableThrottles', {
      alarmDescription: 'DynamoDB throttled reads or writes of the table (a hot partition, or on-demand scaling behind a surge)',
      metric: throttled,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    // The operations the functions use (an alarm's expression takes at most 10 metrics).
    const systemErrors = props.table.metricSystemErrorsForOperations({
      operations: [Operation.GET_ITEM, Operation.BATCH_GET_ITEM, Operation.QUERY, Operation.PUT_ITEM, Operation.UPDATE_ITEM, Operation.DELETE_ITEM],
      period: FIVE_MINUTES,
      label: 'table system errors',
    });
    alarm('dynamodb-system-errors', 'TableSystemErrors', {
      alarmDescription: 'DynamoDB answered 500s to the table\'s requests',
      metric: systemErrors,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    const overdue = new Metric({
      namespace: METRIC_NAMESPACE,
      metricName: OVERDUE_AT_TOWNSHIP_METRIC,
      dimensionsMap: { service: SERVICE_NAME },
      period: Duration.days(1),
      statistic: 'Sum',
    });
    alarm('overdue-at-township', 'OverdueAtTownship', {
      alarmDescription: 'Cases overdue at the township (镇街超期, under 督办): someone at the 矛调中心 should look today',
      metric: overdue,
      threshold: THRESHOLDS.overdueAtTownshipPerDay,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(24) });
    const graph = (title: string, left: IMetric[], width = 12) => new GraphWidget({ title, left, width, height: 6 });
    this.dashboard.addWidgets(new TextWidget({ markdown: `# 矛调通 (${stage.name})\nAlarms go to the SNS topic; thresholds in infra/alarms.ts.`, width: 24, height: 2 }));
    this.dashboard.addWidgets(graph('API requests and 5xx', [requests, serverErrors]), graph('API 5xx % and p99 latency (ms)', [rate, p99.with({ label: 'p99' })]));
    this.dashboard.addWidgets(graph('Lambda errors', errorWidgets), graph('Lambda throttles', throttleWidgets));
    this.dashboard.addWidgets(graph('Dead-letter queues', dlqWidgets), graph('Oldest message age (s)', ageWidgets));
    this.dashboard.addWidgets(graph('DynamoDB throttles and system errors', [throttled, systemErrors]), graph('Cases overdue at the township', [overdue.with({ label: '镇街超期件' })]));
  }
}

const pascal = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
