/**
 * A real local DynamoDB with the project's table, for store-level integration
 * tests: dynalite, or Amazon DynamoDB Local when DYNAMODB_BACKEND=dynamodb-local.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { inject } from 'vitest';
import { startDynamo } from '../../infra/local/servers.ts';
import { ensureTable } from '../../infra/local/resources.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the run's shared DynamoDB Local (test/support/dynamodb-local.global.ts); absent on dynalite. */
    dynamodbEndpoint?: string;
  }
}

export interface TestTable {
  readonly endpoint: string;
  readonly db: DynamoDBClient;
  readonly tableName: string;
  stop(): Promise<void>;
}

/**
 * The run's shared DynamoDB Local (vitest project `dynamodb-local`), if any.
 * Each user takes a table of its own on it (`uniqueTableName`) and drops it when done.
 */
export function sharedDynamoEndpoint(): string | undefined {
  return inject('dynamodbEndpoint');
}

export function uniqueTableName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'cn-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** Drop a table from the shared server once its file is done with it. */
export async function dropTable(endpoint: string, tableName: string): Promise<void> {
  const db = localClient(endpoint);
  try {
    await db.send(new DeleteTableCommand({ TableName: tableName }));
  } finally {
    db.destroy();
  }
}

export async function startTable(prefix = 'test'): Promise<TestTable> {
  const shared = sharedDynamoEndpoint();
  const tableName = shared ? uniqueTableName(prefix) : prefix;
  const server = shared ? { endpoint: shared, stop: () => dropTable(shared, tableName) } : await startDynamo();
  const db = localClient(server.endpoint);
  await ensureTable(db, tableName);
  return {
    endpoint: server.endpoint,
    db,
    tableName,
    async stop() {
      db.destroy();
      await server.stop();
    },
  };
}
/** Every item of the table as stored (binary values as bytes), sorted by key: for tests that decode items. */
export async function scanItems(db: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return items.sort((a, b) => `${String(a.pk)}|${String(a.sk)}`.localeCompare(`${String(b.pk)}|${String(b.sk)}`));
}

/** Every item of the table, sorted: tests compare it before and after a refused request. */
export async function dumpTable(db: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  // Binary values (packed tree parts, deflated case JSON) as base64: a comparison of dumps compares one string, not each byte.
  return (await scanItems(db, tableName)).map((item) =>
    Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v])),
  );
}

/**
 * The table once background work (queue workers finishing an earlier test's
 * messages) has stopped changing it: two dumps in a row, 150 ms apart, alike.
 * A "writes nothing" check then sees only what the request under test did.
 */
export async function settledDump(db: DynamoDBClient, tableName: string, timeoutMs = 10_000): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(await dumpTable(db, tableName));
  for (;;) {
    await new Promise((r) => setTimeout(r, 150));
    const now = await dumpTable(db, tableName);
    const text = JSON.stringify(now);
    if (text === last) return now;
    if (Date.now() > deadline) throw new Error(`the table kept changing for ${timeoutMs} ms`);
    last = text;
  }
}
