/**
 * Status callbacks to a 12345 hotline system: each change of a case it filed
 * is POSTed back, signed like Stripe/Slack webhooks (HMAC over timestamp and
 * body) so the receiver can check origin, integrity and freshness.
 */
import { createHmac } from 'node:crypto';
import type { CaseStatus } from '../domain/registry.ts';
import { safeEqual, withinWindow } from './checks.ts';

export const STATUS_EVENTS = [
  'accepted',
  'dispatched',
  'in_progress',
  'returned',
  'escalated',
  'extended',
  'resolved',
  'followed_up',
  'reopened',
  'withdrawn',
  'merged',
  'closed',
] as const;
export type StatusEvent = (typeof STATUS_EVENTS)[number];

export interface StatusChange {
  readonly event: StatusEvent;
  readonly caseId: string;
  /** The hotline's own work-order number, when it gave one. */
  readonly externalId?: string;
  readonly trackingNo: string;
  readonly status: CaseStatus;
  /** ISO 8601. */
  readonly at: string;
  readonly detail?: string;
}

export const TIMESTAMP_HEADER = 'X-MDT-Timestamp';
export const SIGNATURE_HEADER = 'X-MDT-Signature';
const SCHEME = 'sha256=';

/** Hex HMAC-SHA256 over `${timestamp}.${body}`: the timestamp is signed so a replay cannot refresh it. */
export function signCallback(secret: string, timestamp: string | number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The exact body to sign and send (sign and send the same string). */
export function encodeStatusChange(change: StatusChange): string {
  return JSON.stringify(change);
}

export function callbackHeaders(secret: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'Content-Type': 'application/json',
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: `${SCHEME}${signCallback(secret, timestamp, body)}`,
  };
}

export type CallbackCheck = { readonly ok: true } | { readonly ok: false; readonly reason: 'malformed' | 'stale' | 'bad_signature' };

/** What a receiver (or our own tests) runs on a callback: header values, raw body, its clock. */
export function verifyCallback(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  nowMs: number;
  toleranceSeconds?: number;
}): CallbackCheck {
  const { secret, timestamp, signature, body, nowMs, toleranceSeconds = 300 } = input;
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp) || signature === undefined || !signature.startsWith(SCHEME)) {
    return { ok: false, reason: 'malformed' };
  }
  if (!withinWindow(timestamp, nowMs, toleranceSeconds)) return { ok: false, reason: 'stale' };
  const expected = signCallback(secret, timestamp, body);
  return safeEqual(expected, signature.slice(SCHEME.length).toLowerCase()) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
