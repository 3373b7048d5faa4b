/**
 * Intake through the local HTTP stack against raw conditional PutItem on the
 * same dynalite, measured in the same run.
 */
import { DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import autocannon from 'autocannon';
import type { StackProcess } from './stack-process.ts';

const CONCURRENCY = 16;

type Item = Record<string, AttributeValue>;

/**
 * The two items one intake writes (its first event and the case's state),
 * read back from a case filed through the stack: each carries the keys of the
 * indexes it is in (2 and 6), which the local DynamoDB maintains on every put.
 */
export async function intakeItems(stack: StackProcess): Promise<{ caseId: string; items: readonly Item[] }> {
  const response = await fetch(`${stack.url}/v1/cases`, {
    method: 'POST',
    headers: { authorization: 'Bearer local-hotline-key', 'content-type': 'application/json' },
    body: JSON.stringify({ ...INTAKE_BODY, reporter: { ...INTAKE_BODY.reporter, phone: '13800000000' } }),
  });
  const { id } = (await response.json()) as { id: string };
  const db = rawClient(stack);
  const { Items = [] } = await db.send(
    new QueryCommand({ TableName: stack.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `CASE#${id}` } } }),
  );
  db.destroy();
  if (Items.length !== 2) throw new Error(`a filed case has ${Items.length} items, not 2`);
  return { caseId: id, items: Items };
}

/** A client configured as the functions' own (shared/service/runtime.ts), kept across rounds as theirs is. */
function rawClient(stack: StackProcess): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'cn-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    cacheMiddleware: true,
  });
}

export interface RawPuts {
  /**
   * Conditional PutItems per second from CONCURRENCY clients. With `shapes`,
   * the puts alternate between copies of those items (an intake's own writes,
   * under a fresh key and id each); without, an index-free item the size of an
   * intake event.
   */
  rate(total: number, shapes?: { caseId: string; items: readonly Item[] }): Promise<number>;
  close(): void;
}

export function rawPuts(stack: StackProcess): RawPuts {
  const db = rawClient(stack);
  const payload = JSON.stringify({ description: '楼上住户每天晚上装修，电钻声很大，影响休息。'.repeat(6) });
  return {
    async rate(total, shapes) {
      const run = Math.random().toString(36).slice(2, 8);
      const texts = shapes?.items.map((i) => JSON.stringify(i));
      const itemOf = (i: number): Item => {
        if (!shapes || !texts) return { pk: { S: `BENCH#${run}#${i}` }, sk: { S: 'EVT#0000000001' }, event: { S: payload } };
        // Outside the CASE# keys, so the bench's item counts see intakes only.
        const id = `B${run}${Math.floor(i / 2)}`;
        const item = JSON.parse(texts[i % texts.length]!.replaceAll(shapes.caseId, id)) as Item;
        return { ...item, pk: { S: `BENCH#${id}` } };
      };
      // Built before the clock starts: the client's work is the puts alone.
      const items = Array.from({ length: total }, (_, i) => itemOf(i));
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < total) {
            await db.send(new PutItemCommand({ TableName: stack.tableName, Item: items[next++], ConditionExpression: 'attribute_not_exists(pk)' }));
          }
        }),
      );
      return total / ((performance.now() - started) / 1000);
    },
    close: () => db.destroy(),
  };
}

export interface IntakeFigures {
  readonly perSecond: number;
  readonly created: number;
  readonly non2xx: number;
  readonly p50: number;
  readonly p99: number;
  readonly itemsPerIntake: number;
}

/** Items under CASE# keys, and how many of them are projections (one per case). */
async function countCaseItems(stack: StackProcess): Promise<{ items: number; cases: number }> {
  const db = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'cn-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const count = async (filter: string, values: Record<string, { S: string }>) => {
    let n = 0;
    let start: Record<string, never> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: 'maodiaotong',
          Select: 'COUNT',
          FilterExpression: filter,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: start,
        }),
      );
      n += page.Count ?? 0;
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    return n;
  };
  const result = {
    items: await count('begins_with(pk, :c)', { ':c': { S: 'CASE#' } }),
    cases: await count('begins_with(pk, :c) AND sk = :state', { ':c': { S: 'CASE#' }, ':state': { S: 'STATE' } }),
  };
  db.destroy();
  return result;
}

const INTAKE_BODY = {
  source: 'hotline',
  center: 'voice',
  description: '楼上住户每天晚上十一点以后还在装修，电钻声很大，影响休息。',
  reporter: { name: '周女士', phone: '13912345601' },
  location: { unitId: 'hp-xf-yg-1' },
};

/**
 * Intake through the HTTP stack. By default every request comes from a
 * different resident, as real traffic does; `sameResident` has one phone file
 * them all.
 */
export async function intakeRate(stack: StackProcess, seconds: number, options: { sameResident?: boolean } = {}): Promise<IntakeFigures> {
  const itemsBefore = await countCaseItems(stack);
  const body = INTAKE_BODY;
  let n = Math.floor(Math.random() * 1e7);
  // A fixed duration: autocannon counts by whole seconds, so a fixed number of requests would round the rate.
  const result = await autocannon({
    url: `${stack.url}/v1/cases`,
    method: 'POST',
    connections: CONCURRENCY,
    duration: seconds,
    headers: { authorization: 'Bearer local-hotline-key', 'content-type': 'application/json' },
    // No externalId: every request files a new case.
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify(options.sameResident ? body : { ...body, reporter: { ...body.reporter, phone: `139${String(n++ % 1e8).padStart(8, '0')}` } }),
        }),
      },
    ],
  });
  const created = result['2xx'];
  const itemsAfter = await countCaseItems(stack);
  return {
    perSecond: created / seconds,
    created,
    non2xx: result.non2xx,
    p50: result.latency.p50,
    p99: result.latency.p99,
    // Counted in the table (requests still in flight when the clock stops are finished there too).
    itemsPerIntake: (itemsAfter.items - itemsBefore.items) / Math.max(1, itemsAfter.cases - itemsBefore.cases),
  };
}

/**
 * Items one intake with files by URL writes through the HTTP stack (workers
 * off: the media worker, which fetches the files later, does not run).
 */
export async function attachmentIntakeItems(stack: StackProcess, runs = 20): Promise<number> {
  const before = await countCaseItems(stack);
  for (let i = 0; i < runs; i++) {
    const response = await fetch(`${stack.url}/v1/cases`, {
      method: 'POST',
      headers: { authorization: 'Bearer local-hotline-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        source: 'hotline',
        center: 'voice',
        description: '楼道墙面渗水，来电人提供了现场照片和通话录音。',
        reporter: { name: '钱先生', phone: `137${String(i).padStart(8, '0')}` },
        location: { unitId: 'hp-xf-yg-1' },
        attachments: [
          { url: `https://${ATTACHMENT_HOST}/wo/${i}/1.jpg`, caption: '现场' },
          { url: `https://${ATTACHMENT_HOST}/wo/${i}/2.jpg` },
          { url: `https://${ATTACHMENT_HOST}/wo/${i}/call.mp3`, visibility: 'shared' },
        ],
      }),
    });
    if (response.status !== 201) throw new Error(`intake with attachments answered ${response.status}: ${await response.text()}`);
  }
  const after = await countCaseItems(stack);
  return (after.items - before.items) / Math.max(1, after.cases - before.cases);
}

/** A 12345 system's file server, allow-listed for the bench's stack. */
export const ATTACHMENT_HOST = 'files.12345.example.cn';
