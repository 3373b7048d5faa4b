/**
 * In AWS the queue workers, the relay and the sweeper run on Lambdas of their
 * own, beside the API. Here they share one process and the local DynamoDB with
 * it, and cost as much again as the request itself (the fair scenario, workers on and off: per intake,
 * 6.6 ms of the main thread and 4.5 ms of dynalite with the workers, 3.7 and 2.0
 * without), so under load every answer waited behind them. While requests wait
 * for a turn, background invocations therefore run one at a time, each followed
 * by a rest REST_PER_BUSY times as long as it took: they keep a share of the
 * time — messages flow through a burst — and catch up once the API is quiet.
 * Measured with `npm run bench` (fair load, four runs each): a rest as long as
 * the task gave p99 1.5–2.9 s, twice as long 1.2–1.8 s at a higher rate.
 */
import pLimit from 'p-limit';

export type Lane = <T>(task: () => Promise<T>) => Promise<T>;

/** Under load the background has at most 1 / (1 + REST_PER_BUSY) of the time. */
export const REST_PER_BUSY = 2;

/**
 * While requests wait, the stream's stand-in hands the relay at most this many
 * events (Lambda's batch size is a most, too): a batch of 100 took seconds of
 * the local DynamoDB, and every answer of those seconds waited behind it.
 */
export const STREAM_BATCH_UNDER_LOAD = 10;

export const streamBatchSize = (requestsWaiting: number, batchSize: number): number =>
  requestsWaiting > 0 ? Math.min(batchSize, STREAM_BATCH_UNDER_LOAD) : batchSize;
/** How often a rest looks whether requests still wait. */
const REST_STEP_MS = 20;

export function backgroundLane(requestsWaiting: () => number, restPerBusy = REST_PER_BUSY): Lane {
  const lane = pLimit(1);
  let restUntil = 0;
  return (task) => {
    if (requestsWaiting() === 0 && lane.activeCount === 0) return task();
    return lane(async () => {
      // The rest is cut short once no request waits: the background catches up as soon as the API is quiet.
      for (let rest = restUntil - performance.now(); rest > 0 && requestsWaiting() > 0; rest = restUntil - performance.now()) {
        await new Promise((r) => setTimeout(r, Math.min(rest, REST_STEP_MS)));
      }
      const began = performance.now();
      try {
        return await task();
      } finally {
        const now = performance.now();
        restUntil = now + (now - began) * restPerBusy;
      }
    });
  };
}
