/**
 * The escalation worker invoked as Lambda invokes it, on the real store and
 * queues: duplicates, out-of-order and failing records, lost messages.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { clock } from '../../shared/service/clock.ts';
import { startTestStack } from '../support/stack.ts';
import { escalations, fileCase, readCase, sqsEvent, workerContext } from '../support/escalation.ts';

const T0 = new Date('2026-11-25T01:00:00Z');
let now = T0;
// The sweeper's lease on what it sent, in real time: short, so a test can outlast it.
const LEASE_MS = 2000;
vi.hoisted(() => {
  process.env.SWEEP_LEASE_SECONDS = '2';
});

beforeAll(() => clock.set(() => now));
afterAll(() => clock.reset());


// One local stack per file: handler modules, like Lambda's, keep the clients they built at import.
describe('the escalation worker on its own (Lambda-style invocations)', () => {
  let stack: LocalStack;
  let worker: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>;
  beforeAll(async () => {
    stack = await startTestStack({ workers: false });
    worker = await stack.handlerOf('escalationWorker');
  });
  afterAll(() => stack.stop());

  it('duplicate and out-of-order messages change nothing', async () => {
    now = T0;
    const c = await fileCase(stack);
    now = new Date(new Date(c.acceptDueAt).getTime() + 60_000);
    const message = { caseId: c.id, version: 1, level: 'building', unitId: c.unitId, origin: 'sweeper' };
    const stale = { ...message, level: 'compound', unitId: 'hp-xf-yg' };
    const result = await worker(sqsEvent([message, message, stale]), workerContext);
    expect(result.batchItemFailures).toEqual([]);
    expect((await escalations(stack, c.id)).map((e) => e.data.toLevel)).toEqual(['compound']);
    // A late redelivery of the first message, after the case moved: nothing.
    await worker(sqsEvent([message]), workerContext);
    expect(await escalations(stack, c.id)).toHaveLength(1);
    expect((await readCase(stack, c.id)).version).toBe(2);
  });

  it('a record that throws fails alone: the rest of the batch is done', async () => {
    now = T0;
    const [a, b, bad] = [await fileCase(stack), await fileCase(stack), await fileCase(stack)];
    now = new Date(new Date(a.acceptDueAt).getTime() + 60_000);
    const key = { pk: { S: `CASE#${bad.id}` }, sk: { S: 'STATE' } };
    const original = (await stack.dynamodb.send(new GetItemCommand({ TableName: stack.tableName, Key: key }))).Item!;
    await stack.dynamodb.send(new PutItemCommand({ TableName: stack.tableName, Item: { ...original, state: { S: '{corrupt' } } }));
    const message = (c: typeof a) => ({ caseId: c.id, version: 1, level: 'building', unitId: c.unitId, origin: 'sweeper' });
    const result = await worker(sqsEvent([message(a), message(bad), message(b)]), workerContext);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect((await readCase(stack, a.id)).level).toBe('compound');
    expect((await readCase(stack, b.id)).level).toBe('compound');
    await stack.dynamodb.send(new PutItemCommand({ TableName: stack.tableName, Item: original }));
    expect((await readCase(stack, bad.id)).level).toBe('building');
  });

  /** Every message on the escalation queue now, taken off it (the worker does not run in this file). */
  async function drain(): Promise<{ caseId: string; version: number; body: string }[]> {
    const out = [];
    for (;;) {
      const got = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.queues.escalation.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!got.Messages?.length) return out;
      for (const m of got.Messages) {
        out.push({ ...(JSON.parse(m.Body ?? '{}') as { caseId: string; version: number }), body: m.Body ?? '' });
        await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: stack.queues.escalation.url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  }

  it('two sweeps in a row, the worker not yet run, send a due case once', async () => {
    now = T0;
    const c = await fileCase(stack);
    now = new Date(new Date(c.acceptDueAt).getTime() + 60_000);
    const sweep = await stack.handlerOf<() => Promise<{ sent: number; leased: number }>>('sweeper');
    await sweep();
    expect((await sweep()).leased).toBeGreaterThanOrEqual(1);
    expect((await drain()).filter((m) => m.caseId === c.id)).toHaveLength(1);
  });

  it('an escalation message lost unprocessed is sent again by the first sweep after the lease', async () => {
    now = T0;
    const c = await fileCase(stack);
    now = new Date(new Date(c.acceptDueAt).getTime() + 60_000);
    const sweep = await stack.handlerOf<() => Promise<{ sent: number; leased: number }>>('sweeper');
    const before = performance.now();
    await sweep();
    const after = performance.now();
    // Lose everything on the queue without processing it.
    expect((await drain()).filter((m) => m.caseId === c.id)).toHaveLength(1);
    expect((await readCase(stack, c.id)).level).toBe('building');
    // Within the lease the sweeper takes the message to be still on the queue.
    await sweep();
    expect(performance.now() - before).toBeLessThan(LEASE_MS);
    expect((await drain()).filter((m) => m.caseId === c.id)).toHaveLength(0);
    await new Promise((r) => setTimeout(r, LEASE_MS - (performance.now() - after) + 100));
    await sweep();
    const mine = (await drain()).filter((m) => m.caseId === c.id);
    expect(mine).toHaveLength(1);
    await worker(sqsEvent(mine.map((m) => m.body)), workerContext);
    expect((await readCase(stack, c.id)).level).toBe('compound');
  });
});

