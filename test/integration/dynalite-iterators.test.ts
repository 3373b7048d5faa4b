/**
 * The local DynamoDB (dynalite) closes the LevelDB iterator of every query and
 * scan (infra/local/level-iterators.mjs): left open, each pinned native memory
 * until the database closed.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLevelIteratorsOnReturn } from '../../infra/local/level-iterators.mjs';

describe('dynalite on disk, with the iterators patched', () => {
  const common = closeLevelIteratorsOnReturn();
  const close = common.close;
  let closed = 0;
  let dir = '';
  let server: ReturnType<typeof dynalite>;
  let db: DynamoDBClient;

  beforeAll(async () => {
    common.close = function (this: unknown) {
      closed++;
      return close.call(this);
    };
    dir = await mkdtemp(join(tmpdir(), 'mdt-iterators-'));
    server = dynalite({ path: dir, createTableMs: 0 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    db = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await db.send(
      new CreateTableCommand({
        TableName: 'iterators',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      }),
    );
    for (let i = 0; i < 12; i++) await db.send(new PutItemCommand({ TableName: 'iterators', Item: { pk: { S: 'p' }, sk: { S: String(i).padStart(2, '0') } } }));
  });

  afterAll(async () => {
    common.close = close;
    db?.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('gives abstract-level iterators a return() that closes them', () => {
    expect(typeof common.return).toBe('function');
  });

  it('closes the iterator of each query, read to its end or cut short by Limit, and of each scan', async () => {
    const before = closed;
    const query = { TableName: 'iterators', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } };
    for (let i = 0; i < 10; i++) expect((await db.send(new QueryCommand(query))).Count).toBe(12);
    for (let i = 0; i < 10; i++) expect((await db.send(new QueryCommand({ ...query, Limit: 3 }))).Count).toBe(3);
    for (let i = 0; i < 5; i++) expect((await db.send(new ScanCommand({ TableName: 'iterators' }))).Count).toBe(12);
    // Closing is asynchronous, after the answer.
    await new Promise((r) => setTimeout(r, 100));
    expect(closed - before).toBeGreaterThanOrEqual(25);
  });
});
