/**
 * The local gateway bounds the requests it handles at once and serves the rest
 * in arrival order, so a newcomer waits its turn instead of sharing the CPU
 * with hundreds of others; what the gateway answers itself (health) never waits.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway } from '../../infra/local/gateway.ts';

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('the local gateway under load', () => {
  it('runs at most maxInFlight handlers at once, starts the waiting ones in arrival order, and answers health at once', async () => {
    let running = 0;
    let peak = 0;
    const started: string[] = [];
    const arrived: string[] = [];
    const release: (() => void)[] = [];
    const server = createGateway({
      maxInFlight: 2,
      routes: [
        {
          routeKey: 'GET /work/{n}',
          functionName: 'work',
          handler: async () => async (event) => {
            running++;
            peak = Math.max(peak, running);
            started.push(event.pathParameters?.n ?? '');
            await new Promise<void>((done) => release.push(done));
            running--;
            return { statusCode: 200, body: event.pathParameters?.n ?? '' };
          },
        },
      ],
      local: async (req, res) => {
        arrived.push(req.url ?? '');
        if (req.url !== '/healthz') return false;
        res.writeHead(200).end('ok');
        return true;
      },
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const answers: Promise<string>[] = [];
    for (const n of ['1', '2', '3', '4', '5']) {
      answers.push(fetch(`${base}/work/${n}`).then((r) => r.text()));
      // One at a time, so the order they reach the server is known.
      await expect.poll(() => arrived.length).toBe(answers.length);
    }
    await expect.poll(() => started).toEqual(['1', '2']);
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok');
    while (started.length < 5 || release.length > 0) {
      await expect.poll(() => release.length).toBeGreaterThan(0);
      release.shift()!();
    }
    expect(await Promise.all(answers)).toEqual(['1', '2', '3', '4', '5']);
    expect(started).toEqual(['1', '2', '3', '4', '5']);
    expect(peak).toBe(2);
  });
});
