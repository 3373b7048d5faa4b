/**
 * The 12345 callback worker: for one status change of a case a hotline filed
 * (签收, 办理中, 退回, 办结, 回访结果, 归档…), POSTs the signed change to the
 * client's callback URL.
 *
 * - Signed: HMAC-SHA256 over `timestamp.body` (shared/channels/callback.ts).
 * - Exactly once per receiver: `X-MDT-Delivery: <caseId>:<seq>` is the same on
 *   every attempt, and once the receiver has answered 2xx the delivery is
 *   recorded and never sent again (a redelivered message finds the record).
 * - In order per case: a message delivers every change of its case not yet
 *   acknowledged, oldest first, and stops at the first that fails — so a
 *   receiver sees seq n only after n−1 was applied. A case's other messages in
 *   the same batch are covered by it (it retries until all are through, or
 *   goes to the DLQ, whose redrive does the same), so they are not kept.
 * - Retried with backoff: a failed attempt sets the message's visibility to
 *   the queue's visibility timeout × 2^(receives − 1), capped, and fails the
 *   record; after maxReceiveCount receives SQS moves it to the DLQ (alarmed),
 *   so a change is never lost silently.
 */
import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { evolve, type CaseState } from '../../shared/domain/index.ts';
import { DELIVERY_HEADER, callbackHeaders, deliveryId, encodeStatusChange, statusChangeFor, type StatusChange } from '../../shared/channels/callback.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { callbackMessageSchema, versioned } from '../../shared/queue/messages.ts';
import { clock } from '../../shared/service/clock.ts';
import { logger } from '../../shared/service/logger.ts';
import { backoffSeconds } from '../../shared/queue/backoff.ts';
import { sqs } from '../../shared/service/queues.ts';
import { channels, config, directory, store } from '../../shared/service/runtime.ts';
import { lambda } from '../../shared/service/lambda.ts';
import { METRIC, count } from '../../shared/service/metrics.ts';

const TIMEOUT_MS = 10_000;
const FALLBACK_BASE_SECONDS = 30;

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

/** Thrown when a change could not be delivered; `progressed` when earlier ones of the message went through. */
export class DeliveryFailed extends Error {
  override readonly name = 'DeliveryFailed';
  constructor(
    message: string,
    readonly seq?: number,
    readonly progressed = false,
  ) {
    super(message);
  }
}

async function deliver(record: SQSRecord): Promise<void> {
  const message = parseWith(callbackMessageSchema, JSON.parse(record.body) as unknown, 'the callback message');
  if (message instanceof Error) throw message;
  const { caseId, seq } = message;
  const [delivered, loaded] = await Promise.all([channels.lastDelivered(caseId), store.load(caseId)]);
  const state = loaded?.state;
  if (!state || state.version < seq) {
    logger.warn('callback for an unknown event dropped', { caseId, seq });
    return;
  }
  // Every change of the case the receiver has not acknowledged, oldest first (also when this message's own
  // change is through: it may carry the case's later ones, see the handler).
  const pending = await unacknowledged(caseId, delivered);
  if (pending.length === 0) return;
  const profile = (await directory.callbackProfiles()).get(state.filedBy);
  if (!profile?.callbackUrl) {
    logger.warn('the client no longer has a callback URL; change not sent', { caseId, seq, client: state.filedBy });
    return;
  }
  if (!profile.callbackSecret) {
    throw new DeliveryFailed(`client ${profile.name} has a callback URL but no callback secret; refusing to send unsigned`);
  }
  for (const [n, { seq: at, change }] of pending.entries()) {
    const failed = (why: string) => new DeliveryFailed(`callback ${caseId}:${at} to ${profile.name} ${why}`, at, n > 0);
    const status = await post(profile.callbackUrl, profile.callbackSecret, caseId, at, change).catch((error: unknown) => {
      throw failed(`failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (status < 200 || status >= 300) throw failed(`answered ${status}`);
    await channels.markDelivered(caseId, at, {
      url: profile.callbackUrl,
      status,
      at: clock.now().toISOString(),
      attempts: Number(record.attributes.ApproximateReceiveCount) || 1,
    });
    logger.info('status change delivered', { caseId, seq: at, event: change.event, client: profile.name });
    count(METRIC.callbacksDelivered, 1, { client: profile.name });
  }
}

/**
 * A message that got some changes through before one failed hands the rest
 * to a fresh message (after the first backoff), so each change has the
 * queue's whole retry budget and a long case never exhausts one message's.
 */
async function handOff(record: SQSRecord, failure: DeliveryFailed, caseId: string): Promise<boolean> {
  const url = config.queueUrls.callback;
  if (!url || failure.seq === undefined) return false;
  const { baseSeconds } = await queueSettings();
  try {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(versioned({ caseId, seq: failure.seq })), DelaySeconds: Math.min(900, baseSeconds) }),
    );
    return true;
  } catch (error) {
    logger.warn('could not hand the callback on; the message is retried instead', { messageId: record.messageId, error: error as Error });
    return false;
  }
}

/**
 * The changes after the last one acknowledged (deliveries go in order, so
 * those before it are through): only the log's tail is read, each event with
 * the change it was written with. Events from before changes were kept are
 * worked out from the whole log.
 */
async function unacknowledged(caseId: string, delivered: number): Promise<{ seq: number; change: StatusChange }[]> {
  const tail = await store.changesAfter(caseId, delivered);
  if (tail.every((row) => row.change !== undefined)) {
    return tail.flatMap((row) => (row.change ? [{ seq: row.event.seq, change: JSON.parse(row.change) as StatusChange }] : []));
  }
  const pending: { seq: number; change: StatusChange }[] = [];
  let state: CaseState | undefined;
  for (const event of await store.eventsAfter(caseId, 0)) {
    state = evolve(state, event);
    const change = event.seq > delivered ? statusChangeFor(event, state) : undefined;
    if (change) pending.push({ seq: event.seq, change });
  }
  return pending;
}

/** POST one signed change; the receiver's status. */
async function post(url: string, secret: string, caseId: string, seq: number, change: StatusChange): Promise<number> {
  const body = encodeStatusChange(change);
  const headers = {
    ...callbackHeaders(secret, body, clock.now().getTime()),
    [DELIVERY_HEADER]: deliveryId(caseId, seq),
    'User-Agent': 'maodiaotong-callback/1',
  };
  const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  await response.arrayBuffer().catch(() => undefined);
  return response.status;
}

/** Cases in parallel; of a case's messages in the batch, the one with the lowest seq delivers for all. */
const run = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const byCase = new Map<string, { record: SQSRecord; seq: number }[]>();
  const failures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    const parsed = parseWith(callbackMessageSchema, safeJson(record.body), 'the callback message');
    if (parsed instanceof Error) {
      logger.error('callback message refused', { messageId: record.messageId, error: parsed });
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const group = byCase.get(parsed.caseId) ?? [];
    group.push({ record, seq: parsed.seq });
    byCase.set(parsed.caseId, group);
  }
  await Promise.all(
    [...byCase.entries()].map(async ([caseId, group]) => {
      const first = group.sort((a, b) => a.seq - b.seq)[0]!.record;
      try {
        await deliver(first);
      } catch (error) {
        if (error instanceof DeliveryFailed && error.progressed && (await handOff(first, error, caseId))) return;
        logger.warn('status change not delivered; retried with backoff', { error: error as Error });
        count(METRIC.callbacksFailed);
        await postpone(first);
        failures.push({ itemIdentifier: first.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
};

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
