/**
 * The local pollers on fauxqs behave like Lambda's SQS event source mapping:
 * poison messages reach the DLQ, failed records come back and succeed.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { clock } from '../../shared/service/clock.ts';
import { call, startTestStack, timeline, waitFor } from '../support/stack.ts';

const T0 = new Date('2026-11-25T01:00:00Z');
let now = T0;
const context = { functionName: 'escalationWorker', awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

beforeAll(() => clock.set(() => now));
afterAll(() => clock.reset());

async function file(stack: LocalStack, unitId = 'hp-xf-yg-1') {
  const reply = await call(stack, 'POST', '/v1/cases', {
    body: { source: 'hotline', center: 'voice', description: '路灯坏了', reporter: { phone: '13800138000' }, location: { unitId } },
  });
  if (reply.status !== 201) throw new Error(reply.text);
  return reply.body as { id: string; version: number; level: string; unitId: string; acceptDueAt: string };
}

const read = async (stack: LocalStack, id: string) => (await call(stack, 'GET', `/v1/cases/${id}`)).body;

function sqsEvent(bodies: unknown[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:escalation',
      awsRegion: 'local',
    })),
  };
}

const escalations = async (stack: LocalStack, id: string) => (await timeline(stack, id)).filter((e) => e.type === 'escalated');

// One local stack per file: handler modules, like Lambda's, keep the clients they built at import.
describe('the pollers on fauxqs (Lambda event source mapping semantics)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack({
      workers: true,
      sweepIntervalMs: 60_000,
      queueOverrides: { escalation: { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 } },
    });
  });
  afterAll(() => stack.stop());

  it('a poison message ends in the DLQ after maxReceiveCount receives', async () => {
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.escalation.url, MessageBody: 'this is not an escalation' }));
    const parked = await waitFor(
      'the DLQ',
      async () => {
        const got = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.queues.escalation.dlqUrl, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }));
        return got.Messages?.[0];
      },
      20_000,
    );
    expect(parked.Body).toBe('this is not an escalation');
    expect(Number(parked.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(2);
  });

  it('a failed record is redelivered after the visibility timeout and then succeeds', async () => {
    now = T0;
    const c = await file(stack);
    now = new Date(new Date(c.acceptDueAt).getTime() + 60_000);
    const key = { pk: { S: `CASE#${c.id}` }, sk: { S: 'STATE' } };
    const original = (await stack.dynamodb.send(new GetItemCommand({ TableName: stack.tableName, Key: key }))).Item!;
    await stack.dynamodb.send(new PutItemCommand({ TableName: stack.tableName, Item: { ...original, state: { S: '{corrupt' } } }));
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queues.escalation.url,
        MessageBody: JSON.stringify({ caseId: c.id, version: 1, level: 'building', unitId: c.unitId, origin: 'sweeper' }),
      }),
    );
    await new Promise((r) => setTimeout(r, 600)); // first delivery fails on the corrupt projection
    await stack.dynamodb.send(new PutItemCommand({ TableName: stack.tableName, Item: original }));
    await waitFor('the redelivery', async () => ((await read(stack, c.id)).level === 'compound' ? true : undefined), 10_000);
    expect(await escalations(stack, c.id)).toHaveLength(1);
  });
});

