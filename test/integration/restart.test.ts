/**
 * A local stack killed mid-ladder: fauxqs keeps nothing across restarts, and
 * the sweeper finds every overdue case again.
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
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('a local stack killed mid-ladder', () => {
  it('after a restart (fauxqs keeps nothing) escalates every overdue case exactly once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mdt-restart-'));
    const ports = { dynamoPort: await freePort(), sqsPort: await freePort(), port: await freePort() };
    try {
      now = T0;
      let stack = await startTestStack({ ...ports, dataDir, workers: false });
      const filed = [];
      for (let i = 0; i < 5; i++) filed.push(await file(stack, i % 2 ? 'hp-xf-yg-2' : 'hp-hx-jy-1'));
      now = new Date(new Date(filed[0]!.acceptDueAt).getTime() + 3600_000);
      // The sweep sends the escalations; the stack dies before any worker takes them.
      const sweep = await stack.handlerOf<() => Promise<{ sent: number }>>('sweeper');
      expect((await sweep()).sent).toBe(5);
      await stack.stop();

      stack = await startTestStack({ ...ports, dataDir, workers: true, sweepIntervalMs: 100 });
      try {
        for (const c of filed) {
          await waitFor(`${c.id} to move up`, async () => ((await read(stack, c.id)).level === 'compound' ? true : undefined));
        }
        await new Promise((r) => setTimeout(r, 500)); // more sweeps at the same instant
        for (const c of filed) expect((await escalations(stack, c.id)).map((e) => e.data.toLevel)).toEqual(['compound']);
      } finally {
        await stack.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
