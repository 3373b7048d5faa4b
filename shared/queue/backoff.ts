/**
 * The callback worker's retry schedule: a failed delivery hides its message for
 * the queue's visibility timeout × 2^(receives − 1), capped. The CDK stack reads
 * it too, to size the queue's oldest-message alarm by the window it allows.
 */

/** SQS allows at most 12 hours of invisibility; an hour between late attempts is plenty. */
export const MAX_BACKOFF_SECONDS = 3600;

/** Seconds before attempt `receives + 1`: base × 2^(receives − 1), capped. */
export function backoffSeconds(base: number, receives: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, Math.round(base * 2 ** Math.max(0, receives - 1)));
}

/** From the first receive to the last (the `maxReceiveCount`-th), after which SQS moves the message to the DLQ. */
export function retryWindowSeconds(base: number, maxReceiveCount: number): number {
  let total = 0;
  for (let receives = 1; receives < maxReceiveCount; receives++) total += backoffSeconds(base, receives);
  return total;
}
