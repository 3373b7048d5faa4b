/**
 * Status callbacks to a 12345 hotline system: each change of a case it filed
 * is POSTed back, signed like Stripe/Slack webhooks (HMAC over timestamp and
 * body) so the receiver can check origin, integrity and freshness.
 */
import { createHmac } from 'node:crypto';
import type { CaseEvent, CaseState } from '../domain/case.ts';
import type { CaseStatus, LevelCode, Outcome, Satisfaction } from '../domain/registry.ts';
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
  /** The case's event number: one change per seq, increasing, so a receiver can order and dedupe. */
  readonly seq?: number;
  /** Where the case is after the change. */
  readonly level?: LevelCode;
  readonly unitId?: string;
  /** With `resolved`: 已化解 / 部分化解 / 无法化解. */
  readonly outcome?: Outcome;
  /** With `followed_up`: the 回访 result. */
  readonly satisfaction?: Satisfaction;
}

/** Header naming one delivery (`<caseId>:<seq>`): the same on every retry, so a receiver can drop repeats. */
export const DELIVERY_HEADER = 'X-MDT-Delivery';

export const deliveryId = (caseId: string, seq: number): string => `${caseId}:${seq}`;

type Detail = Pick<StatusChange, 'event' | 'detail' | 'outcome' | 'satisfaction'>;

function detailOf(event: CaseEvent): Detail | undefined {
  switch (event.type) {
    case 'accepted':
      return event.data.byVolunteer ? { event: 'in_progress', detail: '志愿者已接单' } : { event: 'accepted' };
    case 'dispatched_to_unit':
      return { event: 'dispatched', ...(event.data.note ? { detail: event.data.note } : {}) };
    case 'returned':
      return { event: 'returned', detail: event.data.reason };
    case 'escalated':
      return { event: 'escalated', detail: event.data.note ?? event.data.reason };
    case 'extension_decided':
      return event.data.approved ? { event: 'extended', detail: event.data.until } : undefined;
    case 'noted':
      return event.data.visibility === 'public' ? { event: 'in_progress', detail: event.data.text } : undefined;
    case 'session_scheduled':
      return { event: 'in_progress', detail: `调解会 ${event.data.at} ${event.data.place}` };
    case 'resolved':
      return { event: 'resolved', detail: event.data.summary, outcome: event.data.outcome };
    case 'followed_up':
      return { event: 'followed_up', satisfaction: event.data.satisfaction, ...(event.data.comment ? { detail: event.data.comment } : {}) };
    case 'reopened':
      return { event: 'reopened', detail: event.data.reason };
    case 'performance_recorded':
      return event.data.reopenClocks ? { event: 'reopened', detail: `调解协议未履行：${event.data.note}` } : undefined;
    case 'withdrawn':
      return { event: 'withdrawn', detail: event.data.reason };
    case 'merged':
      return { event: 'merged', detail: event.data.intoCaseId };
    case 'closed':
      return { event: 'closed', ...(event.data.reason ? { detail: event.data.reason } : {}) };
    default:
      return undefined;
  }
}

/**
 * The status change a hotline is told about after `event` (with `state` the
 * case right after it), or undefined when the event is internal (notes,
 * reminders, contacts, the intake the hotline itself made...).
 */
export function statusChangeFor(event: CaseEvent, state: CaseState): StatusChange | undefined {
  const d = detailOf(event);
  if (!d) return undefined;
  return {
    ...d,
    caseId: state.id,
    ...(state.externalId !== undefined ? { externalId: state.externalId } : {}),
    trackingNo: state.trackingNo,
    status: state.status,
    at: event.at,
    seq: event.seq,
    level: state.level,
    unitId: state.unitId,
  };
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
