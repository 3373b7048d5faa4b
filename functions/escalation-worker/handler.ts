/**
 * The escalation worker: applies the timer or requested escalation a message
 * names — 催办, moving up a level, or 督办 at the top — only if the case is
 * still at that level, unit and version. Partial batch failures let the rest of
 * a batch through; a message that keeps failing ends in the DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord, Context } from 'aws-lambda';
import { InvalidTransition, VersionConflict, dueCommand, type Actor } from '../../shared/domain/index.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { escalationMessageSchema } from '../../shared/queue/messages.ts';
import { clock } from '../../shared/service/clock.ts';
import { logger } from '../../shared/service/logger.ts';
import { cases, directory, store } from '../../shared/service/runtime.ts';
import { lambda } from '../../shared/service/lambda.ts';

const processor = new BatchProcessor(EventType.SQS);
const system: Actor = { kind: 'system', id: 'escalation-worker' };

async function escalate(record: SQSRecord): Promise<void> {
  const message = parseWith(escalationMessageSchema, JSON.parse(record.body) as unknown, 'the escalation message');
  if (message instanceof Error) throw message;
  const loaded = await store.load(message.caseId);
  if (!loaded) {
    logger.warn('escalation for an unknown case dropped', { caseId: message.caseId });
    return;
  }
  const state = loaded.state;
  if (state.version !== message.version || state.level !== message.level || state.unitId !== message.unitId) {
    // The case moved on since the message was sent: it is a duplicate or stale, and the sweeper
    // will send a fresh one if anything is still due.
    return;
  }
  const units = await directory.units();
  const command = dueCommand(state, clock.now(), units);
  if (!command) return;
  try {
    const result = await cases.act(state.id, command, system, state.version);
    logger.info('escalation applied', { caseId: state.id, command: command.type, level: result.state.level });
  } catch (error) {
    if (error instanceof VersionConflict || error instanceof InvalidTransition) return;
    throw error;
  }
}

const run = (event: SQSEvent, context: Context) => processPartialResponse(event, escalate, processor, { context });

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
