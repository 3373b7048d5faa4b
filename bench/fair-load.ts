/**
 * Fair under load: many clients that each open their own keep-alive
 * connection when they start (a hotline's agents logging on through the
 * morning), not all at once as autocannon does, each filing work orders one
 * after another and retrying what fails. What counts is that nobody waits:
 * the longest time from a client's start to its first answer, and the
 * p50/p99/max of every request.
 */
import { Agent, request } from 'node:http';
import type { StackProcess } from './stack-process.ts';

export interface FairLoadOptions {
  readonly clients: number;
  /** Clients start spread evenly over this many seconds… */
  readonly rampSeconds: number;
  /** …and all stop this many seconds after the first one started. */
  readonly durationSeconds: number;
}

export interface FairLoadFigures {
  readonly clients: number;
  readonly answered: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** The longest wait, over all clients, from starting (opening a connection) to a first answer. */
  readonly longestFirstAnswer: number;
  /** Clients whose first answer took longer than 5 s. */
  readonly firstAnswersOver5s: number;
}

function post(agent: Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { authorization: 'Bearer local-hotline-key', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    // A client gives up after a minute, as a hotline system would, and tries again.
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export async function fairLoad(stack: StackProcess, options: FairLoadOptions): Promise<FairLoadFigures> {
  const url = new URL('/v1/cases', stack.url);
  const latencies: number[] = [];
  const firstAnswers: number[] = [];
  let failed = 0;
  let serial = Math.floor(Math.random() * 1e7);
  const begin = performance.now();
  const end = begin + options.durationSeconds * 1000;
  await Promise.all(
    Array.from({ length: options.clients }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (i / options.clients) * options.rampSeconds * 1000));
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const started = performance.now();
      let first = true;
      while (performance.now() < end) {
        const body = JSON.stringify({
          source: 'hotline',
          center: 'voice',
          description: '楼上住户每天晚上十一点以后还在装修，电钻声很大，影响休息。',
          reporter: { name: '周女士', phone: `139${String(serial++ % 1e8).padStart(8, '0')}` },
          location: { unitId: 'hp-xf-yg-1' },
        });
        const sent = performance.now();
        try {
          const status = await post(agent, url, body);
          if (status !== 201) throw new Error(`status ${status}`);
          const now = performance.now();
          latencies.push(now - sent);
          if (first) firstAnswers.push(now - started);
          first = false;
        } catch {
          failed++;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      if (first) firstAnswers.push(performance.now() - started);
      agent.destroy();
    }),
  );
  const seconds = (performance.now() - begin) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    clients: options.clients,
    answered: latencies.length,
    failed,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? 0,
    longestFirstAnswer: Math.max(0, ...firstAnswers),
    firstAnswersOver5s: firstAnswers.filter((t) => t > 5000).length,
  };
}
