/**
 * The one description of the system's shape: which function serves which
 * routes, which queue feeds which worker, which schedule runs the sweeper,
 * and what each may touch. The CDK stack and the local stack both read it.
 */
import { INDEX_LIST, PK, SK, type IndexDef, type ItemFamily } from '../shared/store/schema.ts';

export interface QueueDef {
  /**
   * Redelivery waits this long. AWS asks for at least 6 × the consumer's timeout, so
   * a batch retried by Lambda's poller after throttling is not redelivered meanwhile
   * (the CDK stack refuses less; see VISIBILITY_PER_TIMEOUT).
   */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message is moved to the DLQ. */
  readonly maxReceiveCount: number;
}

export type TableAccess = 'none' | 'read' | 'readWrite';
/** What a function may do in the attachments bucket: `read` presigns downloads; `readWrite` also takes uploads in and keeps files. */
export type BucketAccess = 'read' | 'readWrite';

interface FunctionBase {
  /** Path of the handler module from the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly table: TableAccess;
  /** With `readWrite`: the item families (shared/store/schema.ts) the function puts, updates or deletes — and no others. */
  readonly writes?: readonly ItemFamily[];
  /** The attachments bucket (absent: no access, and no S3 client in the bundle). */
  readonly bucket?: BucketAccess;
  /** Checks provider URLs of files against the allow-list (MEDIA_ALLOWED_HOSTS): channels, intake, the media worker. */
  readonly mediaHosts?: true;
  /** Serves pages that show and upload files: their CSP names the bucket's origin (FILES_ORIGIN). */
  readonly showsFiles?: true;
  /** Queues the function sends to. */
  readonly sends?: readonly QueueName[];
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /** Channel secrets the function reads from its environment (Secrets Manager in AWS, defaults locally). */
  readonly secrets?: readonly ChannelSecret[];
  /** Files (from the repository root) shipped beside the bundle, which the handler reads at run time. */
  readonly files?: readonly string[];
  /**
   * In prod, concurrency reserved for (and capping) the function: the resident-facing
   * entry points, so a flood of messages cannot take the account's pool from mediators' API.
   */
  readonly reservedConcurrency?: number;
}

/** Secrets of the resident channels; never in the repository (see infra/stack.ts). */
export const CHANNEL_SECRETS = [
  'WECHAT_TOKEN',
  'WECHAT_AES_KEY',
  'WECHAT_APP_SECRET',
  'TWILIO_AUTH_TOKEN',
  'SMS_WEBHOOK_SECRET',
  'ALIYUN_SMS_ACCESS_KEY_SECRET',
  'TENCENT_SMS_SECRET_KEY',
] as const;
export type ChannelSecret = (typeof CHANNEL_SECRETS)[number];

export interface HttpFunctionDef extends FunctionBase {
  readonly kind: 'http';
  /** API Gateway HTTP API route keys, e.g. `GET /v1/cases/{id}`. */
  readonly routes: readonly string[];
  /**
   * 'jwt': every route is for mediators only, so in AWS the HTTP API's JWT
   * authorizer checks the Cognito token before the function runs. Functions
   * with public or API-key routes authenticate in the handler.
   */
  readonly gatewayAuth?: 'jwt';
  /** Creates, changes and disables accounts (Cognito admin calls in AWS). */
  readonly managesAccounts?: boolean;
}

export interface WorkerFunctionDef extends FunctionBase {
  readonly kind: 'worker';
  readonly consumes: QueueName;
  readonly batchSize: number;
  /** Lambda's batching window; the local poller waits at most this long to fill a batch. */
  readonly maxBatchingWindowSeconds: number;
  /** The event source's maxConcurrency (2–1000): a backlog drains at this pace instead of taking the pool. */
  readonly maxConcurrency: number;
}

export interface ScheduledFunctionDef extends FunctionBase {
  readonly kind: 'scheduled';
  readonly everyMinutes: number;
}

/** Fed by the table's stream (new event items that carry effects); locally a poll of the pending-effects index. */
export interface StreamFunctionDef extends FunctionBase {
  readonly kind: 'stream';
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Retries of a failing batch before the stream gives it up (the sweeper's backstop still finds it). */
  readonly retryAttempts: number;
}

export type FunctionDef = HttpFunctionDef | WorkerFunctionDef | ScheduledFunctionDef | StreamFunctionDef;

/** AWS's rule for an SQS event source: the queue's visibility timeout ≥ 6 × the function's timeout. */
export const VISIBILITY_PER_TIMEOUT = 6;

export const QUEUES = {
  escalation: { visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  notify: { visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  /**
   * 12345 status callbacks: the worker backs off from the visibility timeout, doubling per
   * receive up to an hour: 180 s, 6, 12, 24, 48 min, then hourly — 9 receives span about 4.5 h.
   */
  callback: { visibilityTimeoutSeconds: 180, maxReceiveCount: 9 },
  /** Files to fetch from providers (WeChat, Twilio, hotlines). */
  media: { visibilityTimeoutSeconds: 360, maxReceiveCount: 5 },
} as const satisfies Record<string, QueueDef>;

/**
 * The attachments bucket: private, encrypted, versioned. Uploads wait under
 * `uploads/` to be checked (expired after a day whether or not they were);
 * the files a case keeps are under `cases/`.
 */
export const BUCKET = {
  uploadPrefix: 'uploads/',
  filePrefix: 'cases/',
  uploadExpiryDays: 1,
  /** A replaced or deleted file's old version is kept this long. */
  noncurrentVersionDays: 30,
  /** Files of closed matters move to infrequent access after this long. */
  infrequentAccessDays: 180,
  /** The bucket's name locally (s3rver). */
  localName: 'attachments',
} as const;
export type QueueName = keyof typeof QUEUES;

export const TABLE = {
  partitionKey: PK,
  sortKey: SK,
  indexes: INDEX_LIST as readonly IndexDef[],
  /** Attribute DynamoDB may expire items by in AWS; nothing relies on it. */
  timeToLiveAttribute: 'expiresAt',
} as const;

export const FUNCTIONS = {
  intake: {
    kind: 'http',
    entry: 'functions/intake/handler.ts',
    description: 'File a case (hotline systems and other API clients), or register one on a resident\'s behalf (登记, mediators)',
    routes: ['POST /v1/cases'],
    table: 'readWrite',
    writes: ['case'],
    reservedConcurrency: 20,
    // Attachments by URL: checked against the allow-list here, fetched by the media worker.
    mediaHosts: true,
  },
  actions: {
    kind: 'http',
    gatewayAuth: 'jwt',
    entry: 'functions/actions/handler.ts',
    description: 'Work a case: accept, dispatch, escalate, resolve, follow up…',
    routes: ['POST /v1/cases/{id}/actions'],
    table: 'readWrite',
    writes: ['case'],
  },
  auth: {
    kind: 'http',
    entry: 'functions/auth/handler.ts',
    description: 'Sign in (password, TOTP challenge, refresh) and who am I',
    // Failed logins are counted, and a TOTP set up is recorded on the account, so it writes.
    routes: ['POST /v1/auth/login', 'POST /v1/auth/challenge', 'POST /v1/auth/refresh', 'GET /v1/me'],
    table: 'readWrite',
    writes: ['limits', 'accounts'],
  },
  outbox: {
    kind: 'http',
    gatewayAuth: 'jwt',
    entry: 'functions/outbox/handler.ts',
    description: 'Messages sent to people (admins)',
    routes: ['GET /v1/outbox'],
    table: 'read',
  },
  config: {
    kind: 'http',
    gatewayAuth: 'jwt',
    entry: 'functions/config/handler.ts',
    description: 'SLA limits, risk terms, holiday years, 常用语 and the wording of messages to residents, editable without a deploy',
    routes: ['GET /v1/config/{name}', 'PUT /v1/config/{name}', 'GET /v1/templates', 'POST /v1/templates', 'PUT /v1/templates/{id}', 'DELETE /v1/templates/{id}'],
    table: 'readWrite',
    writes: ['config', 'templates'],
  },
  cases: {
    kind: 'http',
    entry: 'functions/cases/handler.ts',
    description: 'Read cases: lists, a case, its timeline and who saw its reporter',
    // Reads may repair a lagging projection, so they write.
    routes: ['GET /v1/cases', 'GET /v1/queue', 'GET /v1/cases/{id}', 'GET /v1/cases/{id}/events', 'GET /v1/cases/{id}/audit'],
    table: 'readWrite',
    writes: ['case', 'audit'],
  },
  stats: {
    kind: 'http',
    gatewayAuth: 'jwt',
    entry: 'functions/stats/handler.ts',
    description: 'Statistics: counts and rates over a date range under a unit, and the 红黄牌 board',
    routes: ['GET /v1/stats', 'GET /v1/board'],
    // Counts the events the relay has not delivered yet before answering from the counters.
    table: 'readWrite',
    writes: ['stats'],
  },
  deliberation: {
    kind: 'http',
    entry: 'functions/deliberation/handler.ts',
    description: '议事厅: topics, meetings, decisions and their publication (公示); a unit\'s published results for everyone',
    routes: [
      'POST /v1/deliberations',
      'GET /v1/deliberations',
      'GET /v1/deliberations/{id}',
      'POST /v1/deliberations/{id}/actions',
      'GET /v1/stats/deliberations',
      'GET /v1/public/units/{unitId}/deliberations',
    ],
    // Publishing records the result on the linked cases.
    table: 'readWrite',
    writes: ['case', 'topics'],
  },
  directory: {
    kind: 'http',
    gatewayAuth: 'jwt',
    managesAccounts: true,
    entry: 'functions/directory/handler.ts',
    description: 'Units and accounts; admins import units and manage accounts',
    routes: [
      'GET /v1/units',
      'POST /v1/units/import',
      'PUT /v1/units/{id}/supervision',
      'DELETE /v1/units/{id}/supervision',
      'GET /v1/users',
      'POST /v1/users',
      'PATCH /v1/users/{username}',
    ],
    table: 'readWrite',
    writes: ['accounts', 'unitTree', 'supervision'],
  },
  households: {
    kind: 'http',
    gatewayAuth: 'jwt',
    entry: 'functions/households/handler.ts',
    description: '联户: the rosters of 联户长 (import, edit), their 走访 (raising cases), roster statistics, 宣传 notices to households',
    routes: [
      'GET /v1/households',
      'POST /v1/households/import',
      'GET /v1/households/stats',
      'PUT /v1/households/{id}',
      'POST /v1/households/{id}/visits',
      'POST /v1/notices',
    ],
    // Visits raise cases (the case's first event is written here); reveals are audited; notices are counted.
    table: 'readWrite',
    writes: ['case', 'audit', 'limits', 'households', 'notices'],
  },
  volunteers: {
    kind: 'http',
    // 报到 and the menu are public; the rest authenticate in the handler.
    managesAccounts: true,
    entry: 'functions/volunteers/handler.ts',
    description: '双报到 volunteers and 群众点单: registration (public), approval into the roster, the service menus',
    routes: [
      'POST /v1/volunteers/registrations',
      'GET /v1/volunteers/registrations',
      'POST /v1/volunteers/registrations/{id}/decision',
      'GET /v1/volunteers',
      'GET /v1/services',
      'PUT /v1/services/{unitId}',
    ],
    // Registrations are counted per address, so even the public routes write.
    table: 'readWrite',
    // An approved registration becomes an account.
    writes: ['volunteers', 'accounts', 'limits'],
  },
  track: {
    kind: 'http',
    entry: 'functions/track/handler.ts',
    description: "The resident's public status view, their 回访 (满意/基本满意/不满意) and what they add to the case",
    routes: ['GET /v1/track/{trackingNo}', 'POST /v1/track/{trackingNo}/follow-up', 'POST /v1/track/{trackingNo}/messages'],
    table: 'readWrite',
    writes: ['case', 'limits'],
    reservedConcurrency: 20,
  },
  attachments: {
    kind: 'http',
    entry: 'functions/attachments/handler.ts',
    description: 'Files on a case: presigned uploads, checking and keeping them, presigned downloads (each audited)',
    routes: [
      'POST /v1/cases/{id}/attachments/uploads',
      'POST /v1/cases/{id}/attachments',
      'GET /v1/cases/{id}/attachments',
      'GET /v1/cases/{id}/attachments/{attachmentId}',
      // The resident's shared files, on the 提取码 (the status view stays in `track`, without an S3 client).
      'GET /v1/track/{trackingNo}/attachments',
    ],
    table: 'readWrite',
    writes: ['case', 'audit', 'limits'],
    bucket: 'readWrite',
    // Reads a 10 MB upload, cleans and stores it.
    memoryMb: 1024,
    timeoutSeconds: 20,
  },
  mediaWorker: {
    kind: 'worker',
    entry: 'functions/media-worker/handler.ts',
    description: "Fetch residents' and hotlines' files from their providers (allow-listed hosts, size cap, timeout), check and keep them",
    consumes: 'media',
    batchSize: 2,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 5,
    table: 'readWrite',
    writes: ['case'],
    bucket: 'readWrite',
    mediaHosts: true,
    memoryMb: 1024,
    timeoutSeconds: 60,
    // The WeChat media API needs the account's access token; Twilio's media URLs its credentials.
    secrets: ['WECHAT_APP_SECRET', 'TWILIO_AUTH_TOKEN'],
  },
  openapi: {
    kind: 'http',
    entry: 'functions/openapi/handler.ts',
    description: 'The OpenAPI document of the HTTP contract, and the error body for paths that are not in it',
    // $default: an unknown path answers the contract's 404 body, not API Gateway's own.
    routes: ['GET /openapi.json', '$default'],
    table: 'none',
  },
  sweeper: {
    kind: 'scheduled',
    entry: 'functions/sweeper/handler.ts',
    description: 'Find due SLA timers and send them to the escalation queue; relay effects the stream left pending',
    everyMinutes: 1,
    // The backstop relay repairs projections and completes merges.
    table: 'readWrite',
    writes: ['case', 'unitTree', 'stats', 'topics', 'notices'],
    sends: ['escalation', 'notify', 'callback', 'media'],
    timeoutSeconds: 50,
  },
  relay: {
    kind: 'stream',
    entry: 'functions/relay/handler.ts',
    description: 'Deliver what each new event sets in motion (notifications, 12345 callbacks, escalation requests, merges, files to fetch)',
    batchSize: 100,
    maxBatchingWindowSeconds: 0,
    retryAttempts: 10,
    table: 'readWrite',
    writes: ['case', 'stats', 'notices'],
    sends: ['escalation', 'notify', 'callback', 'media'],
  },
  escalationWorker: {
    kind: 'worker',
    entry: 'functions/escalation-worker/handler.ts',
    description: 'Apply reminders, escalations and supervision',
    consumes: 'escalation',
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 10,
    table: 'readWrite',
    writes: ['case'],
  },
  notifier: {
    kind: 'worker',
    entry: 'functions/notifier/handler.ts',
    description: 'Tell people about events: unit contacts, residents, volunteers',
    consumes: 'notify',
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 10,
    table: 'readWrite',
    writes: ['case', 'outbox'],
    // Outbound WeChat customer-service messages and SMS (Twilio, Aliyun or Tencent Cloud), when configured.
    secrets: ['WECHAT_APP_SECRET', 'TWILIO_AUTH_TOKEN', 'ALIYUN_SMS_ACCESS_KEY_SECRET', 'TENCENT_SMS_SECRET_KEY'],
  },
  // ---- resident channels and 12345 two-way (issue 5) ----
  wechat: {
    kind: 'http',
    entry: 'functions/wechat/handler.ts',
    description: 'WeChat Official Account server: URL check, messages in plaintext and safe mode, passive replies',
    routes: ['GET /webhooks/wechat', 'POST /webhooks/wechat'],
    table: 'readWrite',
    writes: ['case', 'residents', 'inbound', 'limits', 'optOuts'],
    reservedConcurrency: 20,
    mediaHosts: true,
    secrets: ['WECHAT_TOKEN', 'WECHAT_AES_KEY'],
  },
  sms: {
    kind: 'http',
    entry: 'functions/sms/handler.ts',
    description: 'Inbound SMS: Twilio (signed), Aliyun and Tencent (secret path token)',
    routes: ['POST /webhooks/sms/twilio', 'POST /webhooks/sms/{provider}/{secret}'],
    table: 'readWrite',
    writes: ['case', 'residents', 'inbound', 'limits', 'optOuts'],
    reservedConcurrency: 20,
    mediaHosts: true,
    // Aliyun and Tencent only acknowledge: the answer to the resident goes out through the notifier.
    sends: ['notify'],
    secrets: ['TWILIO_AUTH_TOKEN', 'SMS_WEBHOOK_SECRET'],
  },
  open311: {
    kind: 'http',
    entry: 'functions/open311/handler.ts',
    description: 'Open311 GeoReport v2: services, requests, tokens, discovery (JSON and XML)',
    routes: [
      'GET /open311/v2/{document}',
      'POST /open311/v2/{document}',
      'GET /open311/v2/services/{code}',
      'GET /open311/v2/requests/{id}',
      'GET /open311/v2/tokens/{id}',
    ],
    table: 'readWrite',
    writes: ['case'],
    reservedConcurrency: 10,
  },
  callbackWorker: {
    kind: 'worker',
    entry: 'functions/callback-worker/handler.ts',
    description: 'Push status changes to the 12345 system that filed the case, signed, with backoff',
    consumes: 'callback',
    // A message that got some of a case's changes through hands the rest to a fresh one.
    sends: ['callback'],
    // Deliveries run in parallel; each waits at most 10 s for the receiver.
    batchSize: 5,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 5,
    table: 'readWrite',
    writes: ['case', 'callbackLog'],
    timeoutSeconds: 30,
  },
  web: {
    kind: 'http',
    entry: 'functions/web/handler.ts',
    description: 'The admin page for mediators, and the tracking page for residents',
    routes: ['GET /admin', 'GET /admin/{proxy+}', 'GET /track', 'GET /track/{proxy+}'],
    table: 'none',
    showsFiles: true,
    // Data, not code: ~280 KB of page that would otherwise be parsed as part of the bundle.
    files: ['web/dist/assets.json'],
  },
} as const satisfies Record<string, FunctionDef>;

export type FunctionName = keyof typeof FUNCTIONS;

export const functionList = (): [FunctionName, FunctionDef][] =>
  Object.entries(FUNCTIONS) as [FunctionName, FunctionDef][];

/** Environment variable that carries a queue's URL to a function. */
export const queueUrlEnv = (queue: QueueName) => `QUEUE_URL_${queue.toUpperCase()}`;
