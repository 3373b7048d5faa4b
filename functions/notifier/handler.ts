/**
 * The notifier: for one event of a case, works out who is told what (a pure
 * rule in the domain), records each message in the outbox and sends it. A
 * failed send fails the record, so SQS retries it and, in the end, parks it in
 * the DLQ — never dropped silently.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { fold, notificationsFor, type CaseState, type Recipient, type UnitTree } from '../../shared/domain/index.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { ConsoleChannel, type Address, type Channel } from '../../shared/notify/channel.ts';
import { notifyMessageSchema } from '../../shared/queue/messages.ts';
import { Outbox } from '../../shared/store/outbox.ts';
import { logger } from '../../shared/service/logger.ts';
import { config, directory, dynamodb, store } from '../../shared/service/runtime.ts';

const processor = new BatchProcessor(EventType.SQS);
const outbox = new Outbox(dynamodb, config.tableName);
const channel: Channel = new ConsoleChannel();

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

async function notify(record: SQSRecord): Promise<void> {
  const message = parseWith(notifyMessageSchema, JSON.parse(record.body) as unknown, 'the notify message');
  if (message instanceof Error) throw message;
  const [history, units] = await Promise.all([store.eventsUpTo(message.caseId, message.seq), directory.units()]);
  const event = history.at(-1);
  const state = fold(history);
  if (!event || !state || event.seq !== message.seq) {
    logger.warn('notification for an unknown event dropped', { ...message });
    return;
  }
  let n = 0;
  for (const note of notificationsFor(event, state, units)) {
    for (const to of await addresses(note.recipient, state, units)) {
      const address = channel.addressOf(to);
      const entry = { at: event.at, caseId: state.id, seq: event.seq, n: n++, topic: note.topic, channel: channel.name, to: address ?? '', recipientName: to.name, text: note.text };
      if (address === undefined) {
        logger.info('recipient has no address on this channel', { caseId: state.id, topic: note.topic, name: to.name });
        continue;
      }
      if (!(await outbox.claim(entry))) continue;
      await channel.send(to, note.text);
      await outbox.markSent(entry);
    }
  }
}

export const handler = (event: SQSEvent, context: Context) => processPartialResponse(event, notify, processor, { context });
