/**
 * LOCAL_RELAY_THREAD=on: the relay runs on a worker thread of its own (as in
 * AWS on a Lambda of its own), not on the stack's timer; a simulated clock is
 * the same in that thread as in the requests' thread.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { startSimulatedClock, stopSimulatedClock } from '../../infra/local/simulated-clock.ts';
import { clock } from '../../shared/service/clock.ts';
import { startTestStack, waitFor } from '../support/stack.ts';
import { fileCase } from '../support/escalation.ts';

describe('the relay on a thread of its own', () => {
  let stack: LocalStack;
  const relayedHere: unknown[] = [];
  beforeAll(async () => {
    stack = await startTestStack({
      workers: true,
      relayThread: true,
      sweepIntervalMs: 600_000,
      relayIntervalMs: 50,
      // Every invocation of this process's relay handler is seen: the thread's are not.
      wrapHandler: (name, handler) =>
        (name === 'relay' ? (async (...args: never[]) => (relayedHere.push(args[0]), handler(...args))) : handler) as typeof handler,
    });
  });
  afterAll(() => stack?.stop());

  it('delivers an intake’s effects and clears its marker, and the stack’s own timer relays nothing', async () => {
    // Files through the API and fails unless it answers 201.
    const filed = await fileCase(stack);
    const key = { pk: { S: `CASE#${filed.id}` }, sk: { S: 'EVT#0000000001' } };
    const first = await stack.dynamodb.send(new GetItemCommand({ TableName: stack.tableName, Key: key, ConsistentRead: true }));
    expect(first.Item?.type?.S).toBe('received');
    const cleared = await waitFor('the relay thread', async () => {
      const { Item } = await stack.dynamodb.send(new GetItemCommand({ TableName: stack.tableName, Key: key, ConsistentRead: true }));
      return Item && Item.fx === undefined ? Item : undefined;
    });
    expect(cleared.seq?.N).toBe('1');
    expect(relayedHere).toHaveLength(0);
  });
});

describe('a simulated clock across threads', () => {
  afterAll(() => stopSimulatedClock());

  it('reads the same in a worker thread as here, before and after a change of rate', async () => {
    const simulated = startSimulatedClock(Date.parse('2026-03-02T08:00:00+08:00'), 0);
    const worker = new Worker(new URL('../../infra/local/thread-boot.mjs', import.meta.url), {
      workerData: { script: new URL('../support/clock-thread.ts', import.meta.url).href },
    });
    try {
      const replies: unknown[] = [];
      worker.on('message', (m) => replies.push(m));
      const ask = async () => {
        const before = replies.length;
        worker.postMessage('now');
        await expect.poll(() => replies.length).toBeGreaterThan(before);
        return replies.at(-1);
      };
      await expect.poll(() => replies[0]).toBe('ready');
      expect(await ask()).toBe(Date.parse('2026-03-02T08:00:00+08:00'));
      simulated.setRate(3600);
      await new Promise((r) => setTimeout(r, 20));
      simulated.setRate(0);
      const frozen = clock.now().getTime();
      expect(frozen).toBeGreaterThan(Date.parse('2026-03-02T08:00:00+08:00'));
      expect(await ask()).toBe(frozen);
    } finally {
      await worker.terminate();
    }
  });
});
