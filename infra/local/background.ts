/**
 * In AWS the queue workers, the relay and the sweeper run on Lambdas of their
 * own, beside the API. Here they share one process and the local DynamoDB with
 * it, and cost as much again as the request itself (the fair scenario, workers on and off: per intake,
 * 6.6 ms of the main thread and 4.5 ms of dynalite with the workers, 3.7 and 2.0
 * without), so under load every answer waited behind them. While requests wait
 * for a turn, background invocations therefore run one at a time, each followed
 * by a rest REST_PER_BUSY times as long as it took: they keep a share of the
 * time — messages flow through a burst — and catch up once the API is quiet.
 */
import pLimit from 'p-limit';

export type Lane = <T>(task: () => Promise<T>) => Promise<T>;

/** Under load the background has at most 1 / (1 + REST_PER_BUSY) of the time. */
export const REST_PER_BUSY = 1;
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
