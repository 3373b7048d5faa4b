/** What every webhook check needs: constant-time equality and a replay window. */
import { timingSafeEqual } from 'node:crypto';

/** Constant-time string equality; a different length is simply unequal (length is not secret). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Replay protection: `timestamp` (Unix seconds, as sent) is within `seconds` of now, either way. */
export function withinWindow(timestamp: string | number, nowMs: number, seconds = 300): boolean {
  const text = String(timestamp);
  if (!/^\d{1,12}$/.test(text)) return false;
  return Math.abs(nowMs / 1000 - Number(text)) <= seconds;
}
