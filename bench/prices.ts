/**
 * AWS list prices, in USD, the one table the bench's cost figures use
 * (us-east-1, on-demand, without free tiers; each from the service's pricing
 * page at aws.amazon.com/<service>/pricing). Other regions differ by a few
 * percent; the China regions bill in CNY at their own rates.
 */
export const PRICES = {
  /** API Gateway HTTP API: per request (first 300 million a month; each 512 KB counts as one). */
  httpApiRequest: 1.0 / 1e6,
  /** Lambda: per request, and per GB-second on arm64 (first 7.5 billion GB-s a month). Billed per ms. */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  /** DynamoDB on-demand, Standard table class: per write and read request unit (indexes billed alike). */
  dynamodbWru: 0.625 / 1e6,
  dynamodbRru: 0.125 / 1e6,
  /** DynamoDB storage per GB-month, and continuous backups (PITR) per GB-month. Stream reads by Lambda are free. */
  dynamodbStorageGbMonth: 0.25,
  dynamodbPitrGbMonth: 0.2,
  /** SQS standard queues: per request (each 64 KB of payload counts as one). */
  sqsRequest: 0.4 / 1e6,
  /** CloudWatch: standard alarm per metric it reads, a dashboard, a custom metric (EMF), log ingestion and storage. */
  alarmMetricMonth: 0.1,
  dashboardMonth: 3.0,
  customMetricMonth: 0.3,
  logIngestGb: 0.5,
  logStorageGbMonth: 0.03,
  /** X-Ray: per trace recorded. */
  xrayTrace: 5.0 / 1e6,
  /** Secrets Manager: per secret a month, and per API call. */
  secretMonth: 0.4,
  secretsRequest: 0.05 / 10_000,
  /** KMS: per customer managed key a month, and per request (AWS managed keys: no monthly fee). */
  kmsKeyMonth: 1.0,
  kmsRequest: 0.03 / 10_000,
} as const;

/** Lambda's SQS event source: five long-polls (20 s) per queue at all times, each a billed request, found or not. */
export const SQS_POLLERS_PER_QUEUE = 5;
export const SQS_LONG_POLL_SECONDS = 20;
/** X-Ray's default sampling rule: the first trace each second, then 5 % of the rest. */
export const XRAY_RESERVOIR_PER_SECOND = 1;
export const XRAY_RATE = 0.05;
/**
 * What Lambda writes to CloudWatch Logs for every invocation besides the function's own lines
 * (START, END, REPORT with its X-Ray line): about 400 bytes, as a REPORT line of 2026 reads.
 */
export const LAMBDA_PLATFORM_LOG_BYTES = 400;
/**
 * Not a price: what one wait for DynamoDB or SQS takes from a Lambda in the same region (DynamoDB
 * answers in single-digit ms, SQS in ~10 ms). A function's billed duration is its own time measured
 * here plus this for each wait — not the local servers' latency, which is several times AWS's.
 */
export const AWS_WAIT_MS = 10;
export const SECONDS_PER_MONTH = 30 * 24 * 3600;
