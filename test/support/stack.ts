/** Start the real local stack (dynalite or DynamoDB Local, fauxqs, gateway) for a test file. */
import { createHash } from 'node:crypto';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack.ts';
import { pendingStreamRecords } from '../../infra/local/stream.ts';
import { dropTable, sharedDynamoEndpoint, uniqueTableName } from './dynamo.ts';

/**
 * On the `dynamodb-local` project every stack uses the run's shared DynamoDB
 * Local with a table of its own, dropped when the stack stops. A stack given a
 * data directory (the restart test) keeps its table, named after the directory,
 * so the stack started again on it finds its data — as a stack restarted
 * against DynamoDB itself would: DynamoDB does not restart with it.
 */
export async function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const defaults = { port: 0, seedCases: false, workers: false };
  const shared = sharedDynamoEndpoint();
  if (!shared) return startLocalStack({ ...defaults, ...options });
  const kept = options.dataDir;
  const tableName =
    options.tableName ?? (kept === undefined ? uniqueTableName('maodiaotong') : `kept-${createHash('sha256').update(kept).digest('hex').slice(0, 16)}`);
  const stack = await startLocalStack({ ...defaults, ...options, dynamodbEndpoint: shared, tableName });
  if (kept !== undefined) return stack;
  return {
    ...stack,
    async stop() {
      await stack.stop();
      await dropTable(shared, tableName);
    },
  };
}

export interface Reply<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

/** fetch with JSON in and out; the raw text is kept for byte-level checks. */
export async function call<T = any>(
  stack: LocalStack,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string | Uint8Array<ArrayBuffer>; headers?: Record<string, string>; key?: string | null } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== null) headers.authorization ??= `Bearer ${options.key ?? stack.hotlineKey}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${stack.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** Log in as a seeded account; returns a bearer token. */
/** Signs in a demo account (the stack's password), or an account a test created with its own. */
export async function login(stack: LocalStack, username: string, password = stack.password): Promise<string> {
  const reply = await call(stack, 'POST', '/v1/auth/login', { body: { username, password }, key: null });
  if (reply.status !== 200) throw new Error(`login ${username}: ${reply.status} ${reply.text}`);
  return reply.body.token as string;
}

/** In a stack without workers, what its relay would do: deliver every event's pending effects, as DynamoDB Streams would in AWS. */
export async function deliverPending(stack: LocalStack): Promise<void> {
  const relay = await stack.handlerOf<(event: unknown) => Promise<{ batchItemFailures: unknown[] }>>('relay');
  // The stack's own store, as its stand-in for the stream reads it (the stack runs in this process).
  const { store } = await import('../../shared/service/runtime.ts');
  for (let batch = await pendingStreamRecords(store, 100); batch.Records.length > 0; batch = await pendingStreamRecords(store, 100)) {
    const { batchItemFailures } = await relay(batch);
    if (batchItemFailures.length > 0) throw new Error(`the relay failed ${batchItemFailures.length} of ${batch.Records.length} records`);
  }
}

/** Poll until `probe` returns a value that is not undefined, or fail after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface TimelineEvent {
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly actor: { kind: string; id: string };
  readonly data: Record<string, any>;
}

export async function timeline(stack: LocalStack, id: string, token?: string): Promise<TimelineEvent[]> {
  const reply = await call(stack, 'GET', `/v1/cases/${id}/events?limit=500`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (reply.status !== 200) throw new Error(`timeline ${id}: ${reply.status} ${reply.text}`);
  return reply.body.items as TimelineEvent[];
}
