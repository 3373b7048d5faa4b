/** `npm start`: the whole system on this machine, with demo data. */
import { resolve } from 'node:path';
import { DEMO_ACCOUNTS, DEMO_TOTP_SECRET } from './demo-data.ts';
import { startLocalStack } from './stack.ts';

const env = process.env;
const DYNAMO_KINDS = { dynalite: 'dynalite', 'dynamodb-local': 'Amazon DynamoDB Local', external: 'DYNAMODB_ENDPOINT' } as const;
const port = Number(env.PORT ?? 3000);
const dataDir = resolve(env.DATA_DIR ?? '.data');

const started = Date.now();
const stack = await startLocalStack({
  port,
  host: env.HOST ?? '127.0.0.1',
  dataDir,
  // DYNAMODB_ENDPOINT: any DynamoDB (DynamoDB Local, or AWS) instead of starting one; DYNAMODB_BACKEND picks the one started.
  dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
  tableName: env.TABLE_NAME || undefined,
  hotlineKey: env.HOTLINE_API_KEY ?? 'local-hotline-key',
  password: env.DEMO_PASSWORD ?? 'local-pass',
  timeScale: Number(env.SLA_TIME_SCALE ?? 1),
  sweepIntervalMs: Number(env.SWEEP_INTERVAL_MS ?? 5000),
  relayIntervalMs: Number(env.RELAY_INTERVAL_MS ?? 200),
  maxInFlight: env.GATEWAY_MAX_IN_FLIGHT ? Number(env.GATEWAY_MAX_IN_FLIGHT) : undefined,
  // LOCAL_WORKERS=off serves the API without the queue workers and the sweeper (the bench measures the request path so).
  workers: env.LOCAL_WORKERS !== 'off',
  // LOCAL_RELAY_THREAD=on runs the relay on a thread of its own (the county bench does).
  relayThread: env.LOCAL_RELAY_THREAD === 'on',
  preload: true,
  log: (line) => console.log(line),
}).catch((error: unknown) => {
  // A refusal to start (e.g. several townships and a channel naming none) says why, without a stack trace.
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

console.log(`
矛调通 local stack is up (${Date.now() - started} ms)

  API            ${stack.url}
  Health         ${stack.url}/healthz
  OpenAPI        ${stack.url}/openapi.json
  Admin page     ${stack.url}/admin/
  Tracking page  ${stack.url}/track/   (residents: number + 提取码)
  Data           ${dataDir}
  DynamoDB       ${stack.dynamodbEndpoint} (${DYNAMO_KINDS[stack.dynamodbKind]}, table ${stack.tableName})
  SQS            ${stack.sqsEndpoint} (fauxqs)
  S3             ${stack.s3Endpoint} (s3rver, bucket ${stack.bucket}; files in ${dataDir}/s3)

  Hotline API key   ${stack.hotlineKey}
  Demo accounts     (password: ${stack.password})
${DEMO_ACCOUNTS.map((a) => `    ${a.username.padEnd(20)} ${a.role.padEnd(10)} ${a.displayName}`).join('\n')}
  ${env.MFA_REQUIRED === 'on' ? `TOTP (MFA_REQUIRED=on): officers and admins enter a code from an authenticator set up with ${DEMO_TOTP_SECRET}` : 'TOTP: off for the demo (MFA_REQUIRED=on to require it of officers and admins)'}

  SLA_TIME_SCALE=${env.SLA_TIME_SCALE ?? 1}  SWEEP_INTERVAL_MS=${env.SWEEP_INTERVAL_MS ?? 5000}
  Ctrl-C stops; data is kept for the next start.
`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  stack
    .stop()
    .then(() => {
      console.log('stopped cleanly');
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error('error while stopping', error);
      process.exit(1);
    });
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
