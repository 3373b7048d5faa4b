/**
 * The whole system on one machine: a local DynamoDB (dynalite, or DynamoDB
 * Local, or any endpoint given), fauxqs, the table and queues,
 * seed data, the HTTP gateway, the queue pollers and the sweeper timer, all
 * wired from the same topology the CDK stack deploys.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Server } from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUCKET, FUNCTIONS, functionList, queueUrlEnv, type QueueName, type FunctionDef } from '../topology.ts';
import { dynamoBackend, startDynamo, startS3, startSqs, stopWorker, type DynamoBackend } from './servers.ts';
import { ATTACHMENTS_BUCKET_ENV } from '../../shared/service/config.ts';
import pLimit from 'p-limit';
import { createGateway, DEFAULT_MAX_IN_FLIGHT, type HttpHandler, type Route } from './gateway.ts';
import { backgroundLane, streamBatchSize } from './background.ts';
import { pendingStreamRecords } from './stream.ts';
import type { RelayThreadData } from './relay-thread.ts';
import { Worker } from 'node:worker_threads';
import { startPoller, type Poller, type SqsHandler } from './poller.ts';
import { ensureQueues, ensureTable, type QueueHandle } from './resources.ts';
import { serveLocal } from './local-routes.ts';
import { buildWeb, webIsStale } from '../../web/build.ts';
import { channelConfigFromEnv, townshipProblems } from '../../shared/service/channel-config.ts';
import { DEMO_TOTP_SECRET, HOTLINE_CLIENT, OPEN311_CLIENT } from './demo-data.ts';
import { lambdaContext } from './lambda-context.ts';

export interface LocalStackOptions {
  readonly port?: number;
  readonly host?: string;
  /** Where the local DynamoDB keeps its files; undefined keeps data in memory (tests). */
  readonly dataDir?: string;
  /** Which local DynamoDB to start (default: DYNAMODB_BACKEND, else dynalite). */
  readonly dynamodbBackend?: DynamoBackend;
  /**
   * An external DynamoDB (DynamoDB Local, or AWS itself) instead of a local one:
   * none is started, the table is created there if missing, and stop() leaves it be.
   */
  readonly dynamodbEndpoint?: string;
  readonly hotlineKey?: string;
  /** api_key of the seeded Open311 client (default `local-open311-key`). */
  readonly open311Key?: string;
  /** Push the hotline client's status changes here (default: CALLBACK_URL / CALLBACK_SECRET from the environment). */
  readonly hotlineCallback?: { readonly url: string; readonly secret?: string };
  readonly password?: string;
  readonly timeScale?: number;
  readonly sweepIntervalMs?: number;
  /** Requests the gateway handles at once (the rest queue in arrival order); see gateway.ts. */
  readonly maxInFlight?: number;
  /** How often the stand-in for DynamoDB Streams looks for events whose effects are pending (default 200 ms). */
  readonly relayIntervalMs?: number;
  /**
   * Run the relay on a worker thread of its own (as in AWS, where it is a Lambda of its own) rather than on the
   * stack's timer in the background lane: it then keeps up with a county's month without taking the requests' thread.
   * Off by default, so that `wrapHandler` (the bench's meter) sees its calls.
   */
  readonly relayThread?: boolean;
  readonly seedCases?: boolean;
  /** Run the queue pollers and the sweeper timer (tests of single requests may not want them). */
  readonly workers?: boolean;
  readonly queueOverrides?: Parameters<typeof ensureQueues>[2];
  readonly tableName?: string;
  /** Fixed ports for the local DynamoDB and SQS (a restarted stack in one process must reuse them). */
  readonly dynamoPort?: number;
  readonly sqsPort?: number;
  readonly s3Port?: number;
  readonly log?: (line: string) => void;
  /**
   * Load every function's handler before the gateway opens (~1 s; `npm start`): compiling a function's
   * modules on its first request or message stalls every request of that moment. Tests load on first use.
   */
  readonly preload?: boolean;
  /** Wraps each function's handler as it is loaded (the bench counts invocations and the AWS calls each makes). */
  readonly wrapHandler?: <H extends (...args: never[]) => Promise<unknown>>(functionName: string, handler: H) => H;
}

export interface LocalStack {
  readonly url: string;
  readonly port: number;
  readonly tableName: string;
  readonly dynamodbEndpoint: string;
  /** What serves dynamodbEndpoint: a local server this stack started, or an external one. */
  readonly dynamodbKind: DynamoBackend | 'external';
  readonly sqsEndpoint: string;
  /** The local S3 (s3rver) holding attachments, and its bucket. */
  readonly s3Endpoint: string;
  readonly bucket: string;
  readonly queues: Record<QueueName, QueueHandle>;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly hotlineKey: string;
  readonly password: string;
  /** Load a function's handler module the way Lambda would. */
  handlerOf<T>(name: keyof typeof FUNCTIONS): Promise<T>;
  stop(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../..');

/** Channel secrets when the environment gives none: for local use only, documented in the README. */
export const LOCAL_CHANNEL_DEFAULTS = {
  WECHAT_TOKEN: 'local-wechat-token',
  // 43 base64 characters, as the WeChat console shows an EncodingAESKey.
  WECHAT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  WECHAT_APP_ID: 'wx0000000000local',
  TWILIO_AUTH_TOKEN: 'local-twilio-token',
  SMS_WEBHOOK_SECRET: 'local-sms-secret',
  // The demo county has two townships: its WeChat account and numbers serve 和平街道.
  WECHAT_TOWNSHIP: 'hp',
  SMS_TOWNSHIPS: '*=hp',
} as const;

let defaultPublicBaseUrl: string | undefined;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const tableName = options.tableName ?? 'maodiaotong';
  const hotlineKey = options.hotlineKey ?? 'local-hotline-key';
  const password = options.password ?? 'local-pass';
  let ready = false;

  const routes: Route[] = [];
  const handlers = new Map<string, Promise<unknown>>();
  const load = <T>(name: string, def: FunctionDef): Promise<T> => {
    let loaded = handlers.get(name);
    if (!loaded) {
      loaded = import(pathToFileURL(resolve(ROOT, def.entry)).href).then((m: { handler: (...args: never[]) => Promise<unknown> }) =>
        options.wrapHandler ? options.wrapHandler(name, m.handler) : m.handler,
      );
      handlers.set(name, loaded);
    }
    return loaded as Promise<T>;
  };
  for (const [name, def] of functionList()) {
    if (def.kind !== 'http') continue;
    for (const routeKey of def.routes) routes.push({ routeKey, functionName: name, handler: () => load<HttpHandler>(name, def) });
  }

  // The admin page is served from web/dist; build it when web/src (or anything it imports) changed.
  if (await webIsStale()) await buildWeb();

  const turns = pLimit(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  const lane = backgroundLane(() => turns.pendingCount);
  const server: Server = createGateway({
    routes,
    turns,
    ready: () => ready,
    local: (req, res, url) => serveLocal(req, res, url, () => ready),
  });
  const port = await new Promise<number>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => {
      const address = server.address();
      done(typeof address === 'object' && address ? address.port : 0);
    });
  });
  const url = `http://127.0.0.1:${port}`;

  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const backend = options.dynamodbBackend ?? dynamoBackend();
  // Each backend its own directory: neither can read the other's files.
  const dynamoPath = options.dataDir ? resolve(options.dataDir, backend === 'dynalite' ? 'dynamodb' : 'dynamodb-local') : undefined;
  const dynamo =
    options.dynamodbEndpoint === undefined
      ? await startDynamo({ backend, port: options.dynamoPort, path: dynamoPath })
      : { endpoint: options.dynamodbEndpoint, stop: async () => undefined };
  const dynamodbEndpoint = dynamo.endpoint;
  const fauxqs = await startSqs({ port: options.sqsPort });
  const sqsEndpoint = fauxqs.endpoint;
  // Files persist beside the table's (DATA_DIR/s3); a stack without a data directory gets a temporary one.
  const s3Dir = options.dataDir ? resolve(options.dataDir, 's3') : await mkdtemp(resolve(tmpdir(), 'mdt-s3-'));
  await mkdir(s3Dir, { recursive: true });

  // A real table needs the caller's own credentials; the local servers take any.
  const ownCredentials = options.dynamodbEndpoint !== undefined && Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  if (!ownCredentials) Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  // The local S3 takes the keys the handlers sign with (and the tests' `local`).
  const accessKeys: [string, string][] = [['local', 'local']];
  if (process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) accessKeys.push([process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY]);
  const s3 = await startS3({ port: options.s3Port, directory: s3Dir, bucket: BUCKET.localName, accessKeys });
  // Handlers build their clients from these, exactly as in Lambda where the runtime sets them.
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? 'cn-north-1',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    [ATTACHMENTS_BUCKET_ENV]: BUCKET.localName,
    TABLE_NAME: tableName,
    SLA_TIME_SCALE: String(options.timeScale ?? 1),
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // Metrics are CloudWatch's (EMF lines); locally the warnings say the same.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    // One process serves every function here and sees a change of the unit tree at once: moved cases follow within a second.
    TREE_SETTLE_SECONDS: process.env.TREE_SETTLE_SECONDS ?? '1',
  });
  // Channel secrets: the environment's, else documented local defaults (README, "Local mode").
  for (const [name, value] of Object.entries(LOCAL_CHANNEL_DEFAULTS)) process.env[name] ??= value;
  // Providers sign this stack's own URL unless one is given (a tunnel, say); a previous stack's default is replaced.
  if (process.env.PUBLIC_BASE_URL === undefined || process.env.PUBLIC_BASE_URL === defaultPublicBaseUrl) {
    defaultPublicBaseUrl = url;
    process.env.PUBLIC_BASE_URL = url;
  }
  const dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint });
  const sqs = new SQSClient({ endpoint: sqsEndpoint, useQueueUrlAsEndpoint: false });
  await ensureTable(dynamodb, tableName);
  const queues = await ensureQueues(sqs, tableName, options.queueOverrides);
  for (const [name, queue] of Object.entries(queues)) process.env[queueUrlEnv(name as QueueName)] = queue.url;

  const runtime = await import('../../shared/service/runtime.ts');
  const { seed } = await import('./seed.ts');
  const { mfaRequiredFromEnv } = await import('../../shared/service/tokens.ts');
  const callbackUrl = options.hotlineCallback?.url ?? process.env.CALLBACK_URL;
  const { HouseholdStore } = await import('../../shared/store/households.ts');
  await seed(runtime.directory, runtime.cases, {
    deliberations: runtime.deliberations,
    households: new HouseholdStore(runtime.dynamodb, runtime.config.tableName),
    templates: runtime.templates,
    hotlineKey,
    password,
    ...(mfaRequiredFromEnv(process.env) ? { demoTotpSecret: DEMO_TOTP_SECRET } : {}),
    cases: options.seedCases ?? true,
    open311Key: options.open311Key ?? process.env.OPEN311_API_KEY ?? 'local-open311-key',
    hotlineCallback: callbackUrl
      ? { url: callbackUrl, secret: options.hotlineCallback?.secret ?? process.env.CALLBACK_SECRET ?? 'local-callback-secret' }
      : undefined,
  }, { service: runtime.volunteers, store: runtime.volunteerStore });

  const pollers: Poller[] = [];
  const timers: NodeJS.Timeout[] = [];
  const threads: { stop(): Promise<void> }[] = [];
  /** Run `task` every `ms`, never two at once. */
  const every = (ms: number, name: string, task: () => Promise<unknown>) => {
    let running = false;
    timers.push(
      setInterval(() => {
        if (running) return;
        running = true;
        lane(task)
          .catch((error: unknown) => log(`[${name}] ${String(error)}`))
          .finally(() => {
            running = false;
          });
      }, ms),
    );
  };
  if (options.workers ?? true) {
    for (const [name, def] of functionList()) {
      if (def.kind === 'worker') {
        const queue = queues[def.consumes];
        pollers.push(
          startPoller({
            functionName: name,
            queueUrl: queue.url,
            queueArn: queue.arn,
            batchSize: def.batchSize,
            sqs,
            handler: () => load<SqsHandler>(name, def),
            lane,
            onError: (error) => log(`[${name}] ${String(error)}`),
          }),
        );
      }
      if (def.kind === 'scheduled') {
        every(options.sweepIntervalMs ?? 5000, name, async () => {
          const h = await load<(e: unknown, c: unknown) => Promise<unknown>>(name, def);
          await h({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: new Date().toISOString() }, lambdaContext(name));
        });
      }
      if (def.kind === 'stream' && options.relayThread) {
        threads.push(await startRelayThread({ functionName: name, entry: def.entry, batchSize: def.batchSize, intervalMs: options.relayIntervalMs ?? 200 }, log));
      } else if (def.kind === 'stream') {
        // dynalite has no streams: the pending-effects index gives the same new images, and the handler gets them as stream records.
        every(options.relayIntervalMs ?? 200, name, async () => {
          const pending = await pendingStreamRecords(runtime.store, streamBatchSize(turns.pendingCount, def.batchSize));
          if (pending.Records.length === 0) return;
          const h = await load<(e: unknown, c: unknown) => Promise<unknown>>(name, def);
          await h(pending, lambdaContext(name));
        });
      }
    }
  }
  if (options.preload) {
    await Promise.all(functionList().filter(([, def]) => (options.workers ?? true) || def.kind === 'http').map(([name, def]) => load(name, def)));
  }
  ready = true;

  const stack: LocalStack = {
    url,
    port,
    tableName,
    dynamodbEndpoint,
    dynamodbKind: options.dynamodbEndpoint === undefined ? backend : 'external',
    sqsEndpoint,
    s3Endpoint: s3.endpoint,
    bucket: BUCKET.localName,
    queues,
    dynamodb,
    sqs,
    hotlineKey,
    password,
    handlerOf: <T>(name: keyof typeof FUNCTIONS) => load<T>(name, FUNCTIONS[name]),
    async stop() {
      ready = false;
      for (const timer of timers) clearInterval(timer);
      await Promise.all(pollers.map((p) => p.stop()));
      await Promise.all(threads.map((t) => t.stop()));
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
      await fauxqs.stop();
      await s3.stop();
      if (!options.dataDir) await rm(s3Dir, { recursive: true, force: true });
      await dynamo.stop();
      dynamodb.destroy();
      sqs.destroy();
    },
  };
  // A matter with no place goes to its channel's township: with several, every channel must name its own.
  const problems = townshipProblems(await runtime.directory.units(), channelConfigFromEnv(), [HOTLINE_CLIENT, OPEN311_CLIENT]);
  if (problems.length > 0) {
    await stack.stop();
    throw new Error(`refusing to start: the channels cannot tell where a matter without an address goes\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return stack;
}

/** The relay's thread (relay-thread.ts), started once the stack's environment is set: the thread takes a copy of it. */
async function startRelayThread(data: Omit<RelayThreadData, 'script'>, log: (line: string) => void): Promise<{ stop(): Promise<void> }> {
  const script = new URL('./relay-thread.ts', import.meta.url).href;
  const worker = new Worker(new URL('./thread-boot.mjs', import.meta.url), { workerData: { ...data, script } satisfies RelayThreadData });
  worker.on('message', (m: { type: string; message?: string }) => {
    if (m.type === 'error') log(`[${data.functionName}] ${m.message ?? ''}`);
  });
  // The thread catches what a batch throws; what escapes it (a module that fails to load) stops the thread: said, not fatal.
  const failed = new Promise<never>((_, fail) => worker.on('error', fail));
  failed.catch((error: unknown) => log(`[${data.functionName}] its thread stopped: ${String(error)}`));
  await Promise.race([failed, new Promise<void>((done) => worker.on('message', (m: { type: string }) => m.type === 'ready' && done()))]);
  // A batch in flight finishes first (its writes are the relay's own, each idempotent); a stuck one is cut off.
  return { stop: () => stopWorker(worker, 10_000) };
}
