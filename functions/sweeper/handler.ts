/**
 * The sweeper (EventBridge every minute; SWEEP_INTERVAL_MS locally): finds the
 * cases whose next timer is due in the sparse, sharded due index and sends one
 * escalation message each. It writes nothing, so running it twice, or after a
 * crash, only re-sends what the worker will ignore or still needs.
 */
import { dueCommand } from '../../shared/domain/index.ts';
import type { EscalationMessage } from '../../shared/queue/messages.ts';
import { DUE_SHARDS } from '../../shared/store/schema.ts';
import { clock } from '../../shared/service/clock.ts';
import { logger } from '../../shared/service/logger.ts';
import { publisher } from '../../shared/service/queues.ts';
import { directory, store } from '../../shared/service/runtime.ts';

/** Per shard and sweep; more waits for the next sweep rather than outrunning the worker. */
const MAX_PER_SHARD = 2000;

export interface SweepResult {
  readonly due: number;
  readonly sent: number;
}

export const handler = async (): Promise<SweepResult> => {
  const now = clock.now();
  const shards = Array.from({ length: DUE_SHARDS }, (_, i) => i);
  const ids = (await Promise.all(shards.map((s) => store.dueIds(s, now.toISOString(), MAX_PER_SHARD)))).flat();
  if (ids.length === 0) return { due: 0, sent: 0 };
  const [states, units] = await Promise.all([store.getMany(ids), directory.units()]);
  const messages: EscalationMessage[] = states
    .filter((s) => dueCommand(s, now, units) !== undefined)
    .map((s) => ({ caseId: s.id, version: s.version, level: s.level, unitId: s.unitId, origin: 'sweeper' }));
  await publisher.send('escalation', messages);
  if (messages.length > 0) logger.info('sweep sent escalation messages', { due: ids.length, sent: messages.length });
  return { due: ids.length, sent: messages.length };
};
