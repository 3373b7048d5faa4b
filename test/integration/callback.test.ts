/**
 * 12345 two-way: status changes of a hotline's case pushed to its callback URL
 * through the callback queue and worker on the real local stack, against a
 * receiver in this test that fails before it succeeds.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { verifyCallback, type StatusChange } from '../../shared/channels/callback.ts';
import { call, login, startTestStack, waitFor } from '../support/stack.ts';
import { queueDrained } from '../support/channels.ts';

const SECRET = 'test-callback-secret';

interface Received {
  readonly delivery: string;
  readonly status: number;
  readonly change: StatusChange;
  readonly signature: ReturnType<typeof verifyCallback>;
}

/**
 * Answers 500 to the first `failures` attempts of each delivery, then 200 (or
 * always `always`); like a real 12345 system it applies each X-MDT-Delivery
 * once, and refuses to apply a case's change out of order.
 */
function receiver(failures: number, always?: number) {
  const received: Received[] = [];
  const applied: StatusChange[] = [];
  const outOfOrder: string[] = [];
  const attempts = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const delivery = String(req.headers['x-mdt-delivery'] ?? '');
      const n = (attempts.get(delivery) ?? 0) + 1;
      attempts.set(delivery, n);
      const status = always ?? (n <= failures ? 500 : 200);
      received.push({
        delivery,
        status,
        change: JSON.parse(body) as StatusChange,
        signature: verifyCallback({
          secret: SECRET,
          timestamp: req.headers['x-mdt-timestamp'] as string | undefined,
          signature: req.headers['x-mdt-signature'] as string | undefined,
          body,
          nowMs: Date.now(),
        }),
      });
      const change = JSON.parse(body) as StatusChange;
      if (status === 200 && !applied.some((a) => `${a.caseId}:${a.seq}` === delivery)) {
        const last = applied.filter((a) => a.caseId === change.caseId).at(-1);
        if (last && (last.seq ?? 0) > (change.seq ?? 0)) outOfOrder.push(delivery);
        applied.push(change);
      }
      res.writeHead(status).end();
    });
  });
  return {
    received,
    applied,
    outOfOrder,
    server,
    async listen(): Promise<string> {
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const address = server.address();
      return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/12345/callback`;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

const flaky = receiver(2);
const broken = receiver(0, 503);
let stack: LocalStack;
let mediator: string;
let above: string;

beforeAll(async () => {
  const url = await flaky.listen();
  stack = await startTestStack({
    workers: true,
    sweepIntervalMs: 3_600_000,
    hotlineCallback: { url, secret: SECRET },
    // Retries after 1 s, 2 s, 4 s; the 4th receive of a message that still fails goes to the DLQ.
    queueOverrides: { callback: { visibilityTimeoutSeconds: 1, maxReceiveCount: 4 } },
  });
  mediator = await login(stack, 'building-mediator');
  above = await login(stack, 'compound-mediator');
});
afterAll(async () => {
  await stack.stop();
  await flaky.close();
  await broken.close();
});

async function act(id: string, body: Record<string, unknown>) {
  // 回访 is the level above's: the resolver may not record it.
  const token = body.type === 'follow_up' ? above : mediator;
  const reply = await call(stack, 'POST', `/v1/cases/${id}/actions`, { body, headers: { authorization: `Bearer ${token}` } });
  if (reply.status !== 200) throw new Error(`${String(body.type)}: ${reply.status} ${reply.text}`);
  return reply.body;
}


describe('status callbacks to the 12345 system', () => {
  it('delivers each status change exactly once to a receiver that fails twice before it succeeds', async () => {
    const filed = await call(stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', externalId: 'WO-CB-0001', center: 'voice', description: '阳光小区1栋楼道灯不亮', reporter: { phone: '13800138123' }, location: { unitId: 'hp-xf-yg-1' } },
    });
    expect(filed.status).toBe(201);
    const id = filed.body.id as string;
    let version = 1;
    for (const body of [
      { type: 'accept' },
      { type: 'resolve', outcome: 'resolved', summary: '已更换灯泡' },
      { type: 'follow_up', satisfaction: 'basically_satisfied', comment: '修得还算快' },
      { type: 'close' },
    ]) {
      version = (await act(id, { ...body, expectedVersion: version })).version;
    }
    const expected = [
      { seq: 2, event: 'accepted', status: 'in_progress' },
      { seq: 3, event: 'resolved', status: 'resolved', outcome: 'resolved', detail: '已更换灯泡' },
      { seq: 4, event: 'followed_up', status: 'resolved', satisfaction: 'basically_satisfied' },
      { seq: 5, event: 'closed', status: 'closed' },
    ];
    const applied = () => flaky.applied.filter((c) => c.caseId === id);
    await waitFor('every change applied', async () => (applied().length >= expected.length ? true : undefined), 25_000);
    await waitFor('the callback queue to drain', () => queueDrained(stack, 'callback'), 15_000);

    const mine = flaky.received.filter((r) => r.change.caseId === id);
    // Applied exactly once each, in seq order, in the hotline's terms, with its work-order number.
    expect(applied()).toEqual(expected.map((e) => expect.objectContaining({ ...e, caseId: id, externalId: 'WO-CB-0001', trackingNo: id })));
    expect(flaky.outOfOrder).toEqual([]);
    for (const e of expected) {
      const attempts = mine.filter((r) => r.delivery === `${id}:${e.seq}`).map((r) => r.status);
      // Two failures, then the success; a repeat after it (a lost acknowledgement) is dropped by the receiver.
      expect(attempts.slice(0, attempts.indexOf(200) + 1)).toEqual([500, 500, 200]);
    }
    expect(mine.every((r) => r.signature.ok)).toBe(true);
    // The received event itself is not a status change: nothing is sent for it.
    expect(mine.some((r) => r.delivery === `${id}:1`)).toBe(false);
  });

  it('documents the callback in the OpenAPI document (webhooks.statusChange)', async () => {
    const doc = await call(stack, 'GET', '/openapi.json', { key: null });
    expect(doc.body.webhooks.statusChange.post.parameters.map((p: { name: string }) => p.name)).toEqual(['X-MDT-Timestamp', 'X-MDT-Signature', 'X-MDT-Delivery']);
    expect(doc.body.components.schemas.StatusChange.properties.event.enum).toEqual(expect.arrayContaining(['accepted', 'returned', 'resolved', 'followed_up', 'closed']));
  });

  it('parks a change the receiver keeps refusing in the DLQ, after maxReceiveCount attempts', async () => {
    const runtime = await import('../../shared/service/runtime.ts');
    const url = await broken.listen();
    // A second hotline system whose receiver is down.
    await runtime.directory.putApiClient('second-hotline-key', {
      name: 'hotline-b',
      sources: ['hotline'],
      scopes: ['cases:write', 'cases:read'],
      rootUnitId: 'hp',
      callbackUrl: url,
      callbackSecret: SECRET,
    });
    const filed = await call(stack, 'POST', '/v1/cases', {
      key: 'second-hotline-key',
      body: { source: 'hotline', externalId: 'B-0001', center: 'voice', description: '路灯坏了', location: { unitId: 'hp-xf-yg-1' } },
    });
    const id = filed.body.id as string;
    await act(id, { type: 'accept', expectedVersion: 1 });
    const parked = await waitFor(
      'the change in the DLQ',
      async () => {
        const got = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.queues.callback.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        return got.Messages?.find((m) => JSON.parse(m.Body ?? '{}').caseId === id);
      },
      30_000,
    );
    expect(JSON.parse(parked.Body ?? '')).toEqual({ caseId: id, seq: 2, v: 1 });
    const attempts = broken.received.filter((r) => r.delivery === `${id}:2`);
    expect(attempts).toHaveLength(4);
    expect(attempts.every((r) => r.status === 503 && r.signature.ok)).toBe(true);
  });
});
