/**
 * A local stack killed mid-ladder: fauxqs keeps nothing across restarts, and
 * the sweeper finds every overdue case again.
 */
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clock } from '../../shared/service/clock.ts';
import { startTestStack, waitFor } from '../support/stack.ts';
import { escalations, fileCase, readCase } from '../support/escalation.ts';

const T0 = new Date('2026-11-25T01:00:00Z');
let now = T0;

beforeAll(() => clock.set(() => now));
afterAll(() => clock.reset());


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
      for (let i = 0; i < 5; i++) filed.push(await fileCase(stack, i % 2 ? 'hp-xf-yg-2' : 'hp-hx-jy-1'));
      now = new Date(new Date(filed[0]!.acceptDueAt).getTime() + 3600_000);
      // The sweep sends the escalations; the stack dies before any worker takes them.
      const sweep = await stack.handlerOf<() => Promise<{ sent: number }>>('sweeper');
      expect((await sweep()).sent).toBe(5);
      await stack.stop();

      stack = await startTestStack({ ...ports, dataDir, workers: true, sweepIntervalMs: 100 });
      try {
        for (const c of filed) {
          await waitFor(`${c.id} to move up`, async () => ((await readCase(stack, c.id)).level === 'compound' ? true : undefined));
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
