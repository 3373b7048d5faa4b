/**
 * The local pollers on fauxqs behave like Lambda's SQS event source mapping:
 * poison messages reach the DLQ, failed records come back and succeed.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { clock } from '../../shared/service/clock.ts';
import { startTestStack, waitFor } from '../support/stack.ts';
import { escalations, fileCase, readCase } from '../support/escalation.ts';

const T0 = new Date('2026-11-25T01:00:00Z');
let now = T0;

beforeAll(() => clock.set(() => now));
afterAll(() => clock.reset());


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
    const c = await fileCase(stack);
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
    await waitFor('the redelivery', async () => ((await readCase(stack, c.id)).level === 'compound' ? true : undefined), 10_000);
    expect(await escalations(stack, c.id)).toHaveLength(1);
  });
});

