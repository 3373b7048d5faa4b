/**
 * The queue side of a function: one SQS client per process and what a
 * transition sends. Imported only by functions that send, so the others do
 * not carry the SQS client.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { notificationsFor, type CaseEvent, type CaseState, type UnitTree } from '../domain/index.ts';
import { statusChangeFor } from '../channels/callback.ts';
import type { CallbackMessage, EscalationMessage, NotifyMessage } from '../queue/messages.ts';
import { QueuePublisher } from '../queue/publisher.ts';
import { logger } from './logger.ts';
import { config, directory } from './runtime.ts';

// fauxqs (and any endpoint override) needs the configured endpoint, not the queue URL's host.
export const sqs = new SQSClient({ useQueueUrlAsEndpoint: false, cacheMiddleware: true });
export const publisher = new QueuePublisher(sqs, config.queueUrls);

/**
 * After a transition: ask for escalation if the case now waits for one, have
 * the notifier tell whoever the event concerns, and queue the status change
 * for the 12345 system that filed the case, if it has a callback URL. The
 * write has already happened; a failed escalation send is found again by the
 * sweeper, a failed notify or callback send is logged as an error with what
 * was lost.
 */
export async function afterTransition(state: CaseState, event: CaseEvent, units: UnitTree): Promise<void> {
  const sends: Promise<void>[] = [];
  if (state.escalationPending) {
    const message: EscalationMessage = { caseId: state.id, version: state.version, level: state.level, unitId: state.unitId, origin: 'action' };
    sends.push(
      publisher.send('escalation', [message]).catch((error: unknown) => {
        logger.warn('escalation send failed; the sweeper will send it', { caseId: state.id, error: error as Error });
      }),
    );
  }
  if (notificationsFor(event, state, units).length > 0) {
    const message: NotifyMessage = { caseId: state.id, seq: event.seq };
    sends.push(
      publisher.send('notify', [message]).catch((error: unknown) => {
        logger.error('notification not queued', { caseId: state.id, seq: event.seq, error: error as Error });
      }),
    );
  }
  if (statusChangeFor(event, state) !== undefined) {
    sends.push(
      (async () => {
        // Only the cases of a client with a callback URL (a 12345 system) are pushed back.
        if (!(await directory.callbackProfiles()).has(state.filedBy)) return;
        const message: CallbackMessage = { caseId: state.id, seq: event.seq };
        await publisher.send('callback', [message]);
      })().catch((error: unknown) => {
        logger.error('status callback not queued', { caseId: state.id, seq: event.seq, error: error as Error });
      }),
    );
  }
  await Promise.all(sends);
}
