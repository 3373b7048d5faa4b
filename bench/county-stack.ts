/**
 * The local stack's entry for `npm run bench -- county`: infra/local/main.ts
 * (`npm start`), after setting a simulated clock, so that a
 * month of cases is received over thirty China days (the statistics count
 * by day, and a county's day is ~2,000 cases, not 60,000), and the sweeper
 * run and timed here rather than on the stack's own timer. The bench asks
 * over the IPC channel, one question at a time.
 */
import { performance } from 'node:perf_hooks';
import { startSimulatedClock } from '../infra/local/simulated-clock.ts';
import type { SweepResult } from '../functions/sweeper/handler.ts';

const start = Date.parse(process.env.COUNTY_CLOCK_START ?? '');
if (Number.isNaN(start)) throw new Error('COUNTY_CLOCK_START must be an ISO instant');
// Shared with the relay's thread (LOCAL_RELAY_THREAD=on), which appends with it too (a 并单's other side).
const simulatedClock = startSimulatedClock(start, Number(process.env.COUNTY_CLOCK_RATE ?? 1));
const simulated = simulatedClock.now;

const SHARDS_UNTIL = '9999-12-31T23:59:59.999Z';
/** Each sweep's time, when it began (real seconds since the first), and what it did (the sweeper's result). */
const sweeps: (SweepResult & { ms: number; atSeconds: number })[] = [];
let sweeping: NodeJS.Timeout | undefined;

async function sweepEvery(ms: number) {
  // Loaded once the stack is up: the handler's runtime reads the endpoints the stack sets.
  const [{ handler }, { lambdaContext }] = await Promise.all([import('../functions/sweeper/handler.ts'), import('../infra/local/lambda-context.ts')]);
  let running = false;
  const first = performance.now();
  sweeping = setInterval(() => {
    if (running) return;
    running = true;
    const began = performance.now();
    (handler as (event: unknown, context: unknown) => Promise<SweepResult>)({ source: 'aws.events' }, lambdaContext('sweeper'))
      .then((r) => sweeps.push({ ...r, ms: performance.now() - began, atSeconds: (began - first) / 1000 }))
      .catch((error: unknown) => console.error('[county sweeper]', error))
      .finally(() => {
        running = false;
      });
  }, ms);
}

async function answer(message: { type: string; [k: string]: unknown }): Promise<unknown> {
  switch (message.type) {
    case 'now':
      return { now: simulated() };
    case 'rate':
      simulatedClock.setRate(Number(message.rate));
      return { now: simulated() };
    case 'sweep':
      await sweepEvery(Number(message.everyMs));
      return { ok: true };
    case 'sweeps':
      clearInterval(sweeping);
      return { sweeps };
    case 'pending': {
      // Events the relay has not delivered yet (a statistics read counts up to 25 a shard itself, then falls back to the cases).
      const { store } = await import('../shared/service/runtime.ts');
      const { DUE_SHARDS } = await import('../shared/store/schema.ts');
      const shards = await Promise.all(Array.from({ length: DUE_SHARDS }, (_, s) => store.pendingEffects(s, SHARDS_UNTIL, 100)));
      return { pending: shards.reduce((n, s) => n + s.length, 0) };
    }
    default:
      return { error: `unknown question ${message.type}` };
  }
}

process.on('message', (message: { type: string }) => {
  answer(message).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ error: String(error) }),
  );
});

await import('../infra/local/main.ts');
