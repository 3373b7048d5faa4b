/**
 * A local stack killed mid-ladder: fauxqs keeps nothing across restarts, and
 * the sweeper finds every overdue case again; the files s3rver keeps in
 * DATA_DIR are there after the restart.
 */
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clock } from '../../shared/service/clock.ts';
import { call, startTestStack, waitFor } from '../support/stack.ts';
import { mediaFixture } from '../support/files.ts';
import { createHash } from 'node:crypto';
import { escalations, fileCase, readCase } from '../support/escalation.ts';

const T0 = new Date('2026-11-25T01:00:00Z');
let now = T0;
// Both lives of the stack are one process here, whose sweeper module (imported once) would remember what it sent
// before the "restart"; a restarted process starts with none. So no lease.
vi.hoisted(() => {
  process.env.SWEEP_LEASE_SECONDS = '0';
});

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
  it('after a restart (fauxqs keeps nothing) escalates every overdue case exactly once, and the files s3rver kept are there', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mdt-restart-'));
    const ports = { dynamoPort: await freePort(), sqsPort: await freePort(), s3Port: await freePort(), port: await freePort() };
    try {
      now = T0;
      let stack = await startTestStack({ ...ports, dataDir, workers: false });
      // A file kept before the restart: s3rver keeps it in DATA_DIR/s3.
      const photo = mediaFixture('gps.png');
      const owner = await fileCase(stack, 'hp-xf-yg-1');
      const asked = await call(stack, 'POST', `/v1/cases/${owner.id}/attachments/uploads`, { body: { name: 'before.png', mediaType: 'image/png', size: photo.length } });
      expect((await fetch(asked.body.url, { method: 'PUT', headers: asked.body.headers, body: new Uint8Array(photo) })).status).toBe(200);
      const kept = await call(stack, 'POST', `/v1/cases/${owner.id}/attachments`, { body: { uploadId: asked.body.uploadId, visibility: 'shared' } });
      expect(kept.status).toBe(201);
      const filed = [];
      for (let i = 0; i < 5; i++) filed.push(await fileCase(stack, i % 2 ? 'hp-xf-yg-2' : 'hp-hx-jy-1'));
      filed.push(owner);
      now = new Date(new Date(filed[0]!.acceptDueAt).getTime() + 3600_000);
      // The sweep sends the escalations; the stack dies before any worker takes them.
      const sweep = await stack.handlerOf<() => Promise<{ sent: number }>>('sweeper');
      expect((await sweep()).sent).toBe(6);
      await stack.stop();

      stack = await startTestStack({ ...ports, dataDir, workers: true, sweepIntervalMs: 100 });
      try {
        const files = await call(stack, 'GET', `/v1/cases/${owner.id}/attachments`);
        const again = Buffer.from(await (await fetch(files.body.items[0].url)).arrayBuffer());
        expect(createHash('sha256').update(again).digest('hex')).toBe(kept.body.attachment.sha256);
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
