/**
 * The bench's meter (bench/meter.ts) on real SDK clients whose HTTP handler is
 * a fake: it must ask DynamoDB for the units consumed, index units included,
 * charge each call to the invocation that made it, and tell SQS polling from
 * the requests that carried work.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AwsMeter } from '../../bench/meter.ts';

/** An HTTP handler that records each request's JSON body and answers with `answer(target, body)`. */
function fakeHandler(answer: (target: string, body: Record<string, unknown>) => Record<string, unknown>) {
  const requests: { target: string; body: Record<string, unknown> }[] = [];
  return {
    requests,
    handler: {
      async handle(request: { headers: Record<string, string>; body?: string | Uint8Array }) {
        const target = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
        const body = JSON.parse(Buffer.from(request.body ?? '{}').toString()) as Record<string, unknown>;
        requests.push({ target, body });
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from(JSON.stringify(answer(target, body)))]),
          },
        };
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
    },
  };
}

const options = { region: 'cn-north-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' }, endpoint: 'http://127.0.0.1:1' };

describe('AwsMeter', () => {
  it('asks DynamoDB for table and index units and adds them up by kind, per invocation', async () => {
    const fake = fakeHandler((target) =>
      target === 'PutItem'
        ? { ConsumedCapacity: { TableName: 't', CapacityUnits: 5, Table: { CapacityUnits: 3 }, GlobalSecondaryIndexes: { byA: { CapacityUnits: 1 }, byB: { CapacityUnits: 1 } } } }
        : target === 'TransactWriteItems'
          ? { ConsumedCapacity: [{ TableName: 't', CapacityUnits: 6, Table: { CapacityUnits: 4 }, GlobalSecondaryIndexes: { byA: { CapacityUnits: 2 } } }] }
          : target === 'Query'
            ? { Items: [], Count: 0, ConsumedCapacity: { TableName: 't', CapacityUnits: 1.5, GlobalSecondaryIndexes: { byA: { CapacityUnits: 1.5 } } } }
            : { ConsumedCapacity: { TableName: 't', CapacityUnits: 0.5, Table: { CapacityUnits: 0.5 } } },
    );
    // cacheMiddleware: as the functions build their clients; a call before attaching must not hide the meter.
    const db = new DynamoDBClient({ ...options, cacheMiddleware: true, requestHandler: fake.handler as never });
    await db.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
    const meter = new AwsMeter();
    meter.attach(db);
    const work = meter.invocations('actions', async () => {
      await db.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
      await db.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }));
      await db.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 't', Item: { pk: { S: 'b' } } } }] }));
      await db.send(new QueryCommand({ TableName: 't', IndexName: 'byA', KeyConditionExpression: 'a = :a', ExpressionAttributeValues: { ':a': { S: 'x' } } }));
      return 'done';
    });
    expect(await work()).toBe('done');
    await work();
    // Not in any invocation: kept apart.
    await db.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));

    expect(fake.requests.slice(1).map((r) => r.body.ReturnConsumedCapacity)).toEqual(Array(9).fill('INDEXES'));
    expect(fake.requests[0]?.body.ReturnConsumedCapacity).toBeUndefined();
    const counts = meter.take();
    expect(counts.invocations.actions?.count).toBe(2);
    expect(counts.dynamodb.calls).toEqual({ GetItem: 2, PutItem: 2, TransactWriteItems: 2, Query: 2 });
    expect(counts.dynamodb).toMatchObject({ wru: 2 * (3 + 4), indexWru: 2 * (2 + 2), rru: 2 * 0.5, indexRru: 2 * 1.5 });
    expect(counts.outside).toBe(1);
    expect(meter.take().dynamodb.calls).toEqual({});
  });

  it('breaks writes down by function, operation and item family', async () => {
    const fake = fakeHandler((target) =>
      target === 'PutItem'
        ? { ConsumedCapacity: { TableName: 't', CapacityUnits: 4, Table: { CapacityUnits: 3 }, GlobalSecondaryIndexes: { byA: { CapacityUnits: 1 } } } }
        : { ConsumedCapacity: [{ TableName: 't', CapacityUnits: 4, Table: { CapacityUnits: 4 } }] },
    );
    const db = new DynamoDBClient({ ...options, requestHandler: fake.handler as never });
    const meter = new AwsMeter();
    meter.attach(db);
    await meter.invocations('actions', async () => {
      await db.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'CASE#abc' }, sk: { S: 'STATE' } } }));
      await db.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'CASE#abc' }, sk: { S: 'STATE' } } }));
      await db.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'CASE#abc' }, sk: { S: 'STATE' } } }));
      await db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 't', Item: { pk: { S: 'OUTBOX#2026-12-02' }, sk: { S: '2026-12-02T10:00:00Z|abc' } } } },
            { Update: { TableName: 't', Key: { pk: { S: 'CASE#abc' }, sk: { S: 'EVT#0000000001' } }, UpdateExpression: 'SET a = :a' } },
          ],
        }),
      );
    })();
    expect(meter.take().dynamodb.writes).toEqual({
      'actions PutItem CASE·STATE': { calls: 2, wru: 6, indexWru: 2 },
      'actions TransactWriteItems OUTBOX·…+CASE·EVT': { calls: 1, wru: 4, indexWru: 0 },
    });
  });

  it('counts SQS requests, messages sent, and empty receives apart as polling', async () => {
    let queued = 2;
    const fake = fakeHandler((target, body) => {
      if (target === 'SendMessageBatch') return { Successful: (body.Entries as { Id: string }[]).map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: '' })), Failed: [] };
      if (target === 'ReceiveMessage') return queued-- > 0 ? { Messages: [{ MessageId: 'm', ReceiptHandle: 'r', Body: '{}' }] } : {};
      return { Successful: [], Failed: [] };
    });
    const sqs = new SQSClient({ ...options, requestHandler: fake.handler as never, useQueueUrlAsEndpoint: false, md5: false } as never);
    const meter = new AwsMeter();
    meter.attach(sqs, { billedOutside: true });
    const QueueUrl = 'http://127.0.0.1:1/000000000000/q';
    await meter.invocations('relay', () => sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: '1', MessageBody: '{}' }, { Id: '2', MessageBody: '{}' }] })))();
    for (let i = 0; i < 4; i++) await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: [{ Id: '1', ReceiptHandle: 'r' }] }));
    const counts = meter.take();
    expect(counts.sqs).toEqual({ requests: { SendMessageBatch: 1, ReceiveMessage: 2, DeleteMessageBatch: 1 }, emptyReceives: 2, messagesSent: 2 });
    expect(counts.outside).toBe(0);
  });

  it('counts the UTF-8 bytes invocations log, and lets other output through', async () => {
    const passed: string[] = [];
    const stream = { write: (chunk: string | Uint8Array) => passed.push(String(chunk)) > 0 };
    const meter = new AwsMeter();
    meter.captureLogs(stream);
    await meter.invocations('notifier', async () => {
      stream.write('{"level":"INFO","message":"已通知"}\n');
    })();
    stream.write('bench line\n');
    expect(meter.take().logBytes).toBe(Buffer.byteLength('{"level":"INFO","message":"已通知"}\n'));
    expect(passed).toEqual(['bench line\n']);
  });
});
