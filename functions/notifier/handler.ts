/**
 * The notifier: for one event of a case, works out who is told what (a pure
 * rule in the domain), records each message in the outbox and sends it by the
 * channel that reaches the person — a resident by the channel they wrote in on
 * (WeChat or SMS), everyone else by phone first. It also carries a channel's
 * answers to residents that a webhook could not give in its response, and, for
 * a new case, looks for 重复件 (off the intake's request path). A failed send
 * fails the record, so SQS retries it and, in the end, parks it in the DLQ —
 * never dropped silently; one WeChat will never take goes by SMS, or is
 * recorded as undeliverable.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { notificationsFor, topicNotificationsFor, type CaseState, type Notification, type Recipient, type UnitTree } from '../../shared/domain/index.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { route, sendersFromEnv, Unreachable, type Address, type ChannelKind, type Delivery, type OutboundMessage } from '../../shared/notify/channel.ts';
import { notifyMessageSchema, type ReplyMessage } from '../../shared/queue/messages.ts';
import { Outbox } from '../../shared/store/outbox.ts';
import { logger } from '../../shared/service/logger.ts';
import { cases, config, directory, dynamodb, reporterKey, store, templates } from '../../shared/service/runtime.ts';
import { lambda } from '../../shared/service/lambda.ts';
import { perSecrets } from '../../shared/service/secrets.ts';
import { HouseholdStore } from '../../shared/store/households.ts';
import { TopicStore } from '../../shared/store/topic-store.ts';

const processor = new BatchProcessor(EventType.SQS);
const outbox = new Outbox(dynamodb, config.tableName);
/** Made again when a provider's secret changes (read from Secrets Manager while the function runs). */
const senders = perSecrets(() => sendersFromEnv());
const households = new HouseholdStore(dynamodb, config.tableName);
const topics = new TopicStore(dynamodb, config.tableName);

/** Cases that came in by WeChat or SMS: the channel already answered with the 回执. */
const RESIDENT_CHANNELS: Readonly<Record<string, ChannelKind>> = { wechat: 'wechat', sms: 'sms' };

async function addresses(recipient: Recipient, state: CaseState, units: UnitTree): Promise<Address[]> {
  switch (recipient.kind) {
    case 'unit':
      return (units.get(recipient.unitId)?.contacts ?? []).map((c) => ({ name: c.name, phone: c.phone, openId: c.openId }));
    case 'resident':
      return [{ name: state.reporter.name ?? '群众', phone: state.reporter.phone, openId: state.reporter.openId }];
    case 'user': {
      const account = await directory.account(recipient.userId);
      return account ? [{ name: account.displayName, phone: account.phone }] : [];
    }
  }
}

/** The message's kind and the values an SMS provider's approved template may take (its `params` name which). */
function messageOf(note: Notification, state: CaseState, units: UnitTree): OutboundMessage {
  return {
    topic: note.topic,
    params: {
      trackingNo: state.trackingNo,
      // The 提取码 goes only in the 回执, to the resident.
      trackingCode: note.topic === 'receipt' ? state.trackingCode : undefined,
      unit: units.get(state.unitId)?.name,
      content: withoutPrefix(note.text),
      ...Object.fromEntries((note.message?.params ?? []).map((p) => [p.name, p.value])),
    },
    ...(note.message && { worded: { ...note.message, params: note.message.params.map((p) => p.name) } }),
  };
}

/** A text as a template's variable: the template carries the signature itself. */
const withoutPrefix = (text: string) => text.replace(/^【矛调通】/, '');

async function notifyEvent(caseId: string, seq: number): Promise<void> {
  // The projection and its newest event when this is it (the relay runs right after the write): no history read.
  // The wording of residents' messages as the units keep it (管理 › 常用语与通知), at most 30 s old.
  const [found, units, wordings] = await Promise.all([store.at(caseId, seq), directory.units(), templates.all()]);
  if (!found) {
    logger.warn('notification for an unknown event dropped', { caseId, seq });
    return;
  }
  const { state, event } = found;
  if (event.type === 'received') await cases.flagRepeats(state.id);
  const residentChannel = RESIDENT_CHANNELS[state.source];
  let n = 0;
  for (const note of notificationsFor(event, state, units, wordings)) {
    const resident = note.recipient.kind === 'resident';
    if (resident && note.topic === 'receipt' && residentChannel !== undefined) continue;
    for (const to of await addresses(note.recipient, state, units)) {
      const delivery = route(to, resident ? residentChannel : undefined);
      const sender = delivery && senders()[delivery.kind];
      const entry = {
        at: event.at,
        caseId: state.id,
        seq: event.seq,
        n: n++,
        topic: note.topic,
        channel: delivery?.kind ?? 'none',
        provider: sender?.provider,
        to: delivery?.to ?? '',
        recipientName: to.name,
        text: note.text,
        unitId: state.unitId,
      };
      if (!delivery || !sender) {
        logger.info('recipient has no address', { caseId: state.id, topic: note.topic, name: to.name });
        continue;
      }
      if (!(await outbox.claim(entry))) continue;
      await deliver(entry, delivery, to, note.text, messageOf(note, state, units));
    }
  }
}

/**
 * Sends a claimed entry. WeChat refusing for good (its 48-hour window closed)
 * turns to SMS when the person has a phone; otherwise the outbox records the
 * message as undeliverable, for a mediator to phone instead — no retries that
 * cannot succeed, and nothing dropped unseen.
 */
async function deliver(entry: Parameters<Outbox['markSent']>[0], delivery: Delivery, to: Address, text: string, message: OutboundMessage): Promise<void> {
  try {
    await senders()[delivery.kind].send(delivery, text, message);
    await outbox.markSent(entry);
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    const sms = delivery.kind === 'wechat' && to.phone !== undefined ? route({ name: to.name, phone: to.phone }, 'sms') : undefined;
    if (!sms) return undeliverable(entry, error);
    try {
      await senders().sms.send(sms, text, message);
    } catch (fallback) {
      if (!(fallback instanceof Unreachable)) throw fallback;
      return undeliverable(entry, fallback);
    }
    await outbox.markSent(entry, { channel: 'sms', provider: senders().sms.provider, to: sms.to, fallbackFrom: delivery.kind });
  }
}

/** A refusal no retry can cure (WeChat's closed window, an SMS kind without an approved template…): recorded for a person to follow up. */
async function undeliverable(entry: Parameters<Outbox['markSent']>[0], error: Unreachable): Promise<void> {
  logger.warn('message undeliverable', { caseId: entry.caseId, seq: entry.seq, reason: error.message });
  await outbox.markUndeliverable(entry, error.message);
}

async function sendReply(reply: ReplyMessage): Promise<void> {
  const sender = senders()[reply.channel];
  const about = reply.caseId === undefined ? undefined : await store.load(reply.caseId);
  const entry = {
    unitId: about?.state.unitId,
    at: reply.at,
    caseId: reply.caseId ?? '',
    seq: 0,
    n: 0,
    ref: reply.ref,
    topic: 'reply',
    channel: reply.channel,
    provider: sender.provider,
    to: reply.to,
    recipientName: '群众',
    text: reply.text,
  };
  if (!(await outbox.claim(entry))) return;
  try {
    await sender.send({ kind: reply.channel, to: reply.to, name: '群众' }, reply.text, { topic: 'reply', params: { content: withoutPrefix(reply.text) } });
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    return undeliverable(entry, error);
  }
  await outbox.markSent(entry);
}

/**
 * A 宣传 notice to the households it names, each once (the outbox claims it
 * by notice and position). A household whose phone replied 退订 is recorded
 * as not sent, with the reason, and nothing goes to it.
 */
async function sendNotice(id: string): Promise<void> {
  const notice = await households.notice(id);
  if (!notice) {
    logger.warn('notice not found', { noticeId: id });
    return;
  }
  for (const [n, householdId] of notice.householdIds.entries()) {
    const household = await households.get(householdId);
    if (!household?.phone) continue;
    const to: Address = { name: household.head, phone: household.phone };
    const delivery = route(to);
    const sender = delivery && senders()[delivery.kind];
    if (!delivery || !sender) continue;
    const entry = { at: notice.at, caseId: notice.id, seq: 1, n, topic: 'notice', channel: delivery.kind, provider: sender.provider, to: delivery.to, recipientName: household.head, text: notice.text, unitId: household.unitId };
    if (!(await outbox.claim(entry))) continue;
    const key = reporterKey({ phone: household.phone });
    if (key !== undefined && (await households.optedOut(key))) {
      await outbox.markUndeliverable(entry, '已退订');
      continue;
    }
    await deliver(entry, delivery, to, notice.text, { topic: 'notice', params: { content: withoutPrefix(notice.text), unit: (await directory.units()).get(household.unitId)?.name } });
  }
}

/**
 * A 议事厅 topic's event to the people it concerns (a decision past its day:
 * the topic's unit's contacts), each once: the outbox claims it by topic, seq
 * and position, as it does a case's.
 */
async function notifyTopic(topicId: string, seq: number): Promise<void> {
  const [loaded, units] = await Promise.all([topics.load(topicId), directory.units()]);
  const event = loaded?.events.find((e) => e.seq === seq);
  if (!loaded || !event) {
    logger.warn('notification for an unknown topic event dropped', { topicId, seq });
    return;
  }
  const { state } = loaded;
  let n = 0;
  for (const note of topicNotificationsFor(event, state)) {
    if (note.recipient.kind !== 'unit') continue;
    for (const c of units.get(note.recipient.unitId)?.contacts ?? []) {
      const to: Address = { name: c.name, phone: c.phone, openId: c.openId };
      const delivery = route(to);
      const sender = delivery && senders()[delivery.kind];
      if (!delivery || !sender) {
        logger.info('recipient has no address', { topicId, topic: note.topic, name: to.name });
        continue;
      }
      const entry = { at: event.at, caseId: topicId, seq, n: n++, topic: note.topic, channel: delivery.kind, provider: sender.provider, to: delivery.to, recipientName: to.name, text: note.text, unitId: state.unitId };
      if (!(await outbox.claim(entry))) continue;
      await deliver(entry, delivery, to, note.text, { topic: note.topic, params: { unit: units.get(state.unitId)?.name, content: withoutPrefix(note.text) } });
    }
  }
}

async function notify(record: SQSRecord): Promise<void> {
  const message = parseWith(notifyMessageSchema, JSON.parse(record.body) as unknown, 'the notify message');
  if (message instanceof Error) throw message;
  if ('reply' in message) return sendReply(message.reply);
  if ('notice' in message) return sendNotice(message.notice);
  if ('topicId' in message) return notifyTopic(message.topicId, message.seq);
  return notifyEvent(message.caseId, message.seq);
}

const run = (event: SQSEvent, context: Context) => processPartialResponse(event, notify, processor, { context });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
