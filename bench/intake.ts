/**
 * Intake through the local HTTP stack against raw conditional PutItem on the
 * same dynalite, measured in the same run.
 */
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import autocannon from 'autocannon';
import type { StackProcess } from './stack-process.ts';

const CONCURRENCY = 16;

export async function rawPutRate(stack: StackProcess, total: number): Promise<number> {
  const db = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'cn-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // An item the size of an intake event.
  const payload = JSON.stringify({ description: '楼上住户每天晚上装修，电钻声很大，影响休息。'.repeat(6) });
  const run = Math.random().toString(36).slice(2, 8);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        await db.send(
          new PutItemCommand({
            TableName: 'maodiaotong',
            Item: { pk: { S: `BENCH#${run}#${i}` }, sk: { S: 'EVT#0000000001' }, event: { S: payload } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  db.destroy();
  return total / seconds;
}

export interface IntakeFigures {
  readonly perSecond: number;
  readonly created: number;
  readonly non2xx: number;
  readonly p50: number;
  readonly p99: number;
  readonly itemsPerIntake: number;
}

async function countCaseItems(stack: StackProcess): Promise<number> {
  const db = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'cn-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: 'maodiaotong',
        Select: 'COUNT',
        FilterExpression: 'begins_with(pk, :c)',
        ExpressionAttributeValues: { ':c': { S: 'CASE#' } },
        ExclusiveStartKey: start,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  db.destroy();
  return count;
}

export async function intakeRate(stack: StackProcess, total: number): Promise<IntakeFigures> {
  const itemsBefore = await countCaseItems(stack);
  const result = await autocannon({
    url: `${stack.url}/v1/cases`,
    method: 'POST',
    connections: CONCURRENCY,
    amount: total,
    headers: { authorization: 'Bearer local-hotline-key', 'content-type': 'application/json' },
    // No externalId: every request files a new case.
    body: JSON.stringify({
      source: 'hotline',
      center: 'voice',
      description: '楼上住户每天晚上十一点以后还在装修，电钻声很大，影响休息。',
      reporter: { name: '周女士', phone: '13912345601' },
      location: { unitId: 'hp-xf-yg-1' },
    }),
  });
  const created = result['2xx'];
  const itemsAfter = await countCaseItems(stack);
  return {
    perSecond: created / (result.duration || 1),
    created,
    non2xx: result.non2xx,
    p50: result.latency.p50,
    p99: result.latency.p99,
    itemsPerIntake: (itemsAfter - itemsBefore) / Math.max(1, created),
  };
}
