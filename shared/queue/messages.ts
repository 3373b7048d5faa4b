/**
 * What travels on the queues. An escalation message names the case and the
 * level, unit and version it was at: the worker acts only if the case is still
 * there, so duplicates and late redeliveries change nothing.
 *
 * Forward compatible: during a deploy old and new code read each other's
 * messages, so a reader drops fields it does not know (z.object, not
 * strictObject) instead of failing the message into the DLQ. A field may be
 * added (optional) without a new version; `v` changes only when a field's
 * meaning does. Every message carries it (stamped by `versioned`); one
 * without is from before versions, which is version 1.
 */
import * as z from 'zod/mini';
import '../contract/zod.ts';
import { LEVEL_CODES } from '../domain/index.ts';

export const MESSAGE_VERSION = 1;
const v = z.lazy(() => z.optional(z.int().check(z.gte(1))));

/** The body as sent: the message with its schema version. */
export function versioned<T extends object>(message: T): T & { readonly v: number } {
  return { ...message, v: MESSAGE_VERSION };
}

export const escalationMessageSchema = z.lazy(() => z.object({
  v,
  caseId: z.string().check(z.minLength(1), z.maxLength(64)),
  version: z.int().check(z.gte(1)),
  level: z.enum(LEVEL_CODES),
  unitId: z.string().check(z.minLength(1)),
  /** Who asked: the sweeper's timer, or the relay delivering an event's request to escalate ('action' from older code). */
  origin: z.enum(['sweeper', 'relay', 'action']),
}));
export type EscalationMessage = z.output<typeof escalationMessageSchema>;

const eventNotifySchema = z.lazy(() => z.object({
  v,
  caseId: z.string().check(z.minLength(1), z.maxLength(64)),
  seq: z.int().check(z.gte(1)),
}));

/**
 * A channel's answer to a resident that the webhook could not give in its
 * response (Aliyun and Tencent SMS only acknowledge): sent by the notifier.
 */
const replyNotifySchema = z.lazy(() => z.object({
  v,
  reply: z.object({
    channel: z.enum(['wechat', 'sms']),
    to: z.string().check(z.minLength(1), z.maxLength(128)),
    text: z.string().check(z.minLength(1), z.maxLength(2000)),
    /** The inbound message answered: the outbox entry's key, so a redelivery sends nothing twice. */
    ref: z.string().check(z.minLength(1), z.maxLength(200)),
    caseId: z.optional(z.string().check(z.maxLength(64))),
    at: z.string().check(z.minLength(1), z.maxLength(40)),
  }),
}));

/** A 宣传 notice to a unit's households (shared/store/households.ts). */
const noticeNotifySchema = z.lazy(() => z.object({ v, notice: z.string().check(z.minLength(1), z.maxLength(64)) }));

/** An event of a 议事厅 topic that tells someone (a decision past its day: shared/domain/deliberation.ts). */
const topicNotifySchema = z.lazy(() => z.object({ v, topicId: z.string().check(z.minLength(1), z.maxLength(64)), seq: z.int().check(z.gte(1)) }));

export const notifyMessageSchema = z.lazy(() => z.union([eventNotifySchema, replyNotifySchema, noticeNotifySchema, topicNotifySchema]));
export type NotifyMessage = z.output<typeof notifyMessageSchema>;
export type ReplyMessage = z.output<typeof replyNotifySchema>['reply'];

/** A status change to push to the hotline that filed the case (12345 two-way). */
export const callbackMessageSchema = z.lazy(() => z.object({
  v,
  caseId: z.string().check(z.minLength(1), z.maxLength(64)),
  seq: z.int().check(z.gte(1)),
}));
export type CallbackMessage = z.output<typeof callbackMessageSchema>;

/** Files an event asked for (its `media`), for the media worker to fetch, check and keep. */
export const mediaMessageSchema = z.lazy(() => z.object({
  v,
  caseId: z.string().check(z.minLength(1), z.maxLength(64)),
  seq: z.int().check(z.gte(1)),
}));
export type MediaMessage = z.output<typeof mediaMessageSchema>;
