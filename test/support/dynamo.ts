/** A real dynalite server with the project's table, for store-level integration tests. */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { startDynamo, type LocalServer } from '../../infra/local/servers.ts';
import { ensureTable } from '../../infra/local/resources.ts';

export interface TestTable {
  readonly server: LocalServer;
  readonly db: DynamoDBClient;
  readonly tableName: string;
  stop(): Promise<void>;
}

export async function startTable(tableName = 'test'): Promise<TestTable> {
  const server = await startDynamo();
  const db = new DynamoDBClient({
    endpoint: server.endpoint,
    region: 'cn-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(db, tableName);
  return {
    server,
    db,
    tableName,
    async stop() {
      db.destroy();
      await server.stop();
    },
  };
}

/** Every item of the table, sorted: tests compare it before and after a refused request. */
export async function dumpTable(db: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return items.sort((a, b) => `${String(a.pk)}|${String(a.sk)}`.localeCompare(`${String(b.pk)}|${String(b.sk)}`));
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
