/**
 * The sweeper (EventBridge every minute; SWEEP_INTERVAL_MS locally):
 * - finds the cases whose next timer is due in the sparse, sharded due index
 *   and sends one escalation message each. It writes nothing for this, so
 *   running it twice, or after a crash, only re-sends what the worker will
 *   ignore or still needs. A warm sweeper remembers what it sent (a lease,
 *   in memory only): a case still at the version it sent is not read nor sent
 *   again for SWEEP_LEASE_SECONDS of real time, so a lagging worker is not
 *   buried under the same timers every minute; after that it is sent again,
 *   which recovers a message lost from the queue (fauxqs restarted, the DLQ);
 * - is the relay's backstop: events whose effects are still pending a while
 *   after they were written (the stream gave up, or a process died) are
 *   relayed here;
 * - delivers 议事厅 publications not yet recorded on their cases, and
 *   reminds the decisions past their day to their topic's unit, by the
 *   notifier (shared/service/deliberation.ts);
 * - moves the cases of units moved in the tree (shared/service/reindex.ts),
 *   for part of each run, resuming where the last one stopped.
 */
import { dueCommand } from '../../shared/domain/index.ts';
import type { EscalationMessage } from '../../shared/queue/messages.ts';
import { DUE_SHARDS } from '../../shared/store/schema.ts';
import { clock } from '../../shared/service/clock.ts';
import { logger } from '../../shared/service/logger.ts';
import { publisher, relay } from '../../shared/service/queues.ts';
import { config, deliberations, directory, reindexer, store } from '../../shared/service/runtime.ts';
import { lambda } from '../../shared/service/lambda.ts';
import { METRIC, count } from '../../shared/service/metrics.ts';

/** Per shard and sweep; more waits for the next sweep rather than outrunning the worker. */
const MAX_PER_SHARD = 2000;
/** Of the sweeper's 50 s, the most a run spends re-indexing (the rest waits for the next minute). */
const REINDEX_BUDGET_MS = 25_000;

export interface SweepResult {
  readonly due: number;
  readonly sent: number;
  /** Due cases not read nor sent: this sweeper sent them at their current version within its lease. */
  readonly leased: number;
  /** Events whose pending effects were relayed, and those still pending after this sweep. */
  readonly relayed: number;
  readonly stillPending: number;
  /** Re-indexing after a change of the tree: jobs still owed, cases rewritten in this run. */
  readonly reindexOwed: number;
  readonly reindexed: number;
  /** 议事厅: publications recorded on their cases by this run, decisions found past their day. */
  readonly topicsDelivered: number;
  readonly decisionsReminded: number;
}

const shards = Array.from({ length: DUE_SHARDS }, (_, i) => i);

/** What this container sent, by case: the version the message named, until when (performance.now()), and whether it was 督办. */
interface Lease {
  readonly version: number;
  readonly until: number;
  readonly atTop: boolean;
}
/**
 * Keyed on the case's version, not its due index key: that key is the earliest timer, which neither a timer acted on
 * out of that order nor a stale message dropped by the worker (the case changed meanwhile) necessarily moves.
 */
const leases = new Map<string, Lease>();

async function sendDue(now: Date): Promise<{ due: number; sent: number; leased: number; overdueAtTop: number }> {
  const ids = (await Promise.all(shards.map((s) => store.dueIds(s, now.toISOString(), MAX_PER_SHARD)))).flat();
  // Only leases still running for cases still due are kept: the memo is never larger than one sweep's answer.
  const due = new Set(ids);
  const started = performance.now();
  for (const [id, lease] of leases) if (!due.has(id) || lease.until <= started) leases.delete(id);
  if (ids.length === 0) return { due: 0, sent: 0, leased: 0, overdueAtTop: 0 };
  // The version alone, for what was sent: a case that changed since (acted on, or its message dropped as stale) is read again.
  const versions = leases.size > 0 ? await store.versions([...leases.keys()]) : new Map<string, number>();
  const held = ids.filter((id) => {
    const lease = leases.get(id);
    if (lease === undefined) return false;
    if (versions.get(id) === lease.version) return true;
    leases.delete(id);
    return false;
  });
  const toRead = ids.filter((id) => !leases.has(id));
  const [states, units] = await Promise.all([store.getMany(toRead), directory.units()]);
  const toSend = states.flatMap((s) => {
    const command = dueCommand(s, now, units);
    return command ? [{ s, command }] : [];
  });
  const messages: EscalationMessage[] = toSend.map(({ s }) => ({ caseId: s.id, version: s.version, level: s.level, unitId: s.unitId, origin: 'sweeper' }));
  await publisher.send('escalation', messages);
  // Real time, not the injected clock: locally and in the county bench that runs thousands of times faster.
  const until = performance.now() + config.resendLeaseMs;
  for (const { s, command } of toSend) leases.set(s.id, { version: s.version, until, atTop: command.type === 'supervise' });
  // 督办 is what is left at the top of the ladder: an overdue case with nobody above to escalate to.
  const atTop = toSend.filter(({ command }) => command.type === 'supervise').length + held.filter((id) => leases.get(id)?.atTop).length;
  return { due: ids.length, sent: messages.length, leased: held.length, overdueAtTop: atTop };
}

async function relayStragglers(now: Date): Promise<{ relayed: number; stillPending: number }> {
  const until = new Date(now.getTime() - config.relayBackstopMs).toISOString();
  const pending = (await Promise.all(shards.map((s) => store.pendingEffects(s, until, MAX_PER_SHARD)))).flat();
  if (pending.length === 0) return { relayed: 0, stillPending: 0 };
  const { relayed, failed } = await relay.relay(pending);
  return { relayed, stillPending: failed.length };
}

const run = async (): Promise<SweepResult> => {
  const now = clock.now();
  const [timers, effects, reindex, topics] = await Promise.all([sendDue(now), relayStragglers(now), reindexer.run(REINDEX_BUDGET_MS), deliberations.sweep((m) => publisher.send('notify', [m]))]);
  const { overdueAtTop, ...sent } = timers;
  const result = { ...sent, ...effects, reindexOwed: reindex.owed, reindexed: reindex.rewritten, topicsDelivered: topics.delivered, decisionsReminded: topics.reminded };
  // Every sweep, zeros included: the alarms read a missing figure as the sweeper not running.
  count(METRIC.overdueAtTownship, overdueAtTop);
  count(METRIC.effectsPending, effects.stillPending);
  if (topics.failed > 0) logger.warn('topics left for the next sweep', { failed: topics.failed });
  if (timers.sent > 0 || timers.leased > 0 || effects.relayed > 0 || effects.stillPending > 0 || reindex.owed > 0 || topics.delivered > 0 || topics.reminded > 0) logger.info('sweep', result);
  return result;
};

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
