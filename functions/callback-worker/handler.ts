/**
 * The 12345 callback worker: for one status change of a case a hotline filed
 * (签收, 办理中, 退回, 办结, 回访结果, 归档…), POSTs the signed change to the
 * client's callback URL.
 *
 * - Signed: HMAC-SHA256 over `timestamp.body` (shared/channels/callback.ts).
 * - Exactly once per receiver: `X-MDT-Delivery: <caseId>:<seq>` is the same on
 *   every attempt, and once the receiver has answered 2xx the delivery is
 *   recorded and never sent again (a redelivered message finds the record).
 * - Retried with backoff: a failed attempt sets the message's visibility to
 *   the queue's visibility timeout × 2^(receives − 1), capped, and fails the
 *   record; after maxReceiveCount receives SQS moves it to the DLQ (alarmed),
 *   so a change is never lost silently.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { fold } from '../../shared/domain/index.ts';
import { DELIVERY_HEADER, callbackHeaders, deliveryId, encodeStatusChange, statusChangeFor } from '../../shared/channels/callback.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { callbackMessageSchema } from '../../shared/queue/messages.ts';
import { clock } from '../../shared/service/clock.ts';
import { logger } from '../../shared/service/logger.ts';
import { sqs } from '../../shared/service/queues.ts';
import { channels, config, directory, store } from '../../shared/service/runtime.ts';

const processor = new BatchProcessor(EventType.SQS);
const TIMEOUT_MS = 10_000;
/** SQS allows at most 12 hours of invisibility; an hour between late attempts is plenty. */
export const MAX_BACKOFF_SECONDS = 3600;
const FALLBACK_BASE_SECONDS = 30;

export class DeliveryFailed extends Error {
  override readonly name = 'DeliveryFailed';
}

interface QueueSettings {
  /** The first retry's delay: the queue's own visibility timeout (the local stack's queueOverrides shrink it for tests). */
  readonly baseSeconds: number;
  /** Receives before SQS moves a message to the DLQ. */
  readonly maxReceiveCount: number;
}

let settings: Promise<QueueSettings> | undefined;

/** Read from the queue once per process, so the backoff follows the queue's configuration. */
function queueSettings(): Promise<QueueSettings> {
  const url = config.queueUrls.callback;
  const fallback: QueueSettings = { baseSeconds: FALLBACK_BASE_SECONDS, maxReceiveCount: Infinity };
  settings ??= (async () => {
    if (!url) return fallback;
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'] }));
    const base = Number(attributes.Attributes?.VisibilityTimeout);
    const redrive = JSON.parse(attributes.Attributes?.RedrivePolicy ?? '{}') as { maxReceiveCount?: number | string };
    const max = Number(redrive.maxReceiveCount);
    return {
      baseSeconds: Number.isFinite(base) && base > 0 ? base : FALLBACK_BASE_SECONDS,
      maxReceiveCount: Number.isFinite(max) && max > 0 ? max : Infinity,
    };
  })().catch((error: unknown) => {
    settings = undefined;
    logger.warn('could not read the callback queue settings', { error: error as Error });
    return fallback;
  });
  return settings;
}

/** Seconds before attempt `receives + 1`: base × 2^(receives − 1), capped. */
export function backoffSeconds(base: number, receives: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, Math.round(base * 2 ** Math.max(0, receives - 1)));
}

async function postpone(record: SQSRecord): Promise<void> {
  const url = config.queueUrls.callback;
  if (!url) return;
  const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
  const { baseSeconds, maxReceiveCount } = await queueSettings();
  // The last attempt: no point waiting longer, the next receive moves it to the DLQ.
  if (receives >= maxReceiveCount) return;
  const delay = backoffSeconds(baseSeconds, receives);
  try {
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: record.receiptHandle, VisibilityTimeout: delay }));
  } catch (error) {
    // The record still fails: it comes back after the queue's own visibility timeout instead.
    logger.warn('could not postpone the callback retry', { error: error as Error });
  }
}

async function deliver(record: SQSRecord): Promise<void> {
  const message = parseWith(callbackMessageSchema, JSON.parse(record.body) as unknown, 'the callback message');
  if (message instanceof Error) throw message;
  const { caseId, seq } = message;
  if (await channels.delivered(caseId, seq)) return;

  const history = await store.eventsUpTo(caseId, seq);
  const event = history.at(-1);
  const state = fold(history);
  const change = event && state && event.seq === seq ? statusChangeFor(event, state) : undefined;
  if (!change || !state) {
    logger.warn('callback for an unknown event or no status change dropped', { caseId, seq });
    return;
  }
  const profile = (await directory.callbackProfiles()).get(state.filedBy);
  if (!profile?.callbackUrl) {
    logger.warn('the client no longer has a callback URL; change not sent', { caseId, seq, client: state.filedBy });
    return;
  }
  if (!profile.callbackSecret) {
    await postpone(record);
    throw new DeliveryFailed(`client ${profile.name} has a callback URL but no callback secret; refusing to send unsigned`);
  }

  const body = encodeStatusChange(change);
  const headers = {
    ...callbackHeaders(profile.callbackSecret, body, clock.now().getTime()),
    [DELIVERY_HEADER]: deliveryId(caseId, seq),
    'User-Agent': 'maodiaotong-callback/1',
  };
  let status: number;
  try {
    const response = await fetch(profile.callbackUrl, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    status = response.status;
    await response.arrayBuffer().catch(() => undefined);
  } catch (error) {
    await postpone(record);
    throw new DeliveryFailed(`callback to ${profile.name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (status < 200 || status >= 300) {
    await postpone(record);
    throw new DeliveryFailed(`callback to ${profile.name} answered ${status}`);
  }
  await channels.markDelivered(caseId, seq, {
    url: profile.callbackUrl,
    status,
    at: clock.now().toISOString(),
    attempts: Number(record.attributes.ApproximateReceiveCount) || 1,
  });
  logger.info('status change delivered', { caseId, seq, event: change.event, client: profile.name });
}

export const handler = (event: SQSEvent, context: Context) =>
  processPartialResponse(event, deliver, processor, { context, throwOnFullBatchFailure: false });
