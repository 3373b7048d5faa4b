/**
 * A clock that runs from a given instant at a given rate, shared by every
 * thread of the local stack: its base lives in a SharedArrayBuffer that worker
 * threads receive with their environment data, so the relay's thread reads the
 * time the requests' thread runs on. The county bench runs its month on it.
 */
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { clock } from '../../shared/service/clock.ts';

const KEY = 'maodiaotong:simulated-clock';

/** Wall time in ms, high resolution and the same in every thread (each has its own performance.timeOrigin). */
const realNow = () => performance.timeOrigin + performance.now();

/** base: the real time the rate last changed, the simulated time then, the rate. */
function install(base: Float64Array): () => number {
  const simulated = () => base[1]! + (realNow() - base[0]!) * base[2]!;
  clock.set(() => new Date(simulated()));
  return simulated;
}

export interface SimulatedClock {
  now(): number;
  /** The clock goes on from where it is, at the new rate. */
  setRate(rate: number): void;
}

/** Sets this thread's clock, and that of every worker thread started after, to run from `start` at `rate`. */
export function startSimulatedClock(start: number, rate: number): SimulatedClock {
  const base = new Float64Array(new SharedArrayBuffer(3 * Float64Array.BYTES_PER_ELEMENT));
  base.set([realNow(), start, rate]);
  setEnvironmentData(KEY, base.buffer);
  const now = install(base);
  return {
    now,
    // A rate changes twice a run; a thread reading the base while it is written may see one odd instant, no more.
    setRate: (rate) => base.set([realNow(), now(), rate]),
  };
}

/** In a worker thread: run on the stack's simulated clock, if it runs on one. */
export function adoptSimulatedClock(): void {
  const buffer = getEnvironmentData(KEY);
  if (buffer instanceof SharedArrayBuffer) install(new Float64Array(buffer));
}

/** Back to the wall clock, here and in worker threads started after. */
export function stopSimulatedClock(): void {
  setEnvironmentData(KEY, undefined);
  clock.reset();
}
