/**
 * The effects relay: delivers what an event set in motion — recorded on the
 * event item by the same write (see effects.ts) — at least once, then clears
 * the marker. Fed by DynamoDB Streams in AWS (functions/relay) and by the
 * sweeper as the backstop; locally a poll of the pending-effects index stands
 * in for the stream. Every step is idempotent, so a crash anywhere only means
 * the next pass does it again:
 *
 * - every event (each is marked): the case is read, which repairs a
 *   projection (and so its due timer) that a crash left behind the log, and
 *   counted in the statistics counters as it is now (stat-counters.ts: a
 *   case counted at its version already is not counted again);
 * - notify / callback: a message naming (case, seq) — the notifier's outbox
 *   and the callback's X-MDT-Delivery make a repeat harmless;
 * - escalate: the case's current escalation request, which the worker applies
 *   only at the version it names;
 * - merge: the other side of a 并单 brought into agreement;
 * - fetch: a message naming (case, seq) for the media worker, which fetches
 *   the files that event asked for (each settles once, so a repeat is harmless).
 */
import type { CaseState } from '../domain/index.ts';
import type { CaseStore, PendingEffects } from '../store/case-store.ts';
import type { CallbackMessage, EscalationMessage, MediaMessage, NotifyMessage } from '../queue/messages.ts';
import type { CaseService } from './cases.ts';

export interface RelayDeps {
  readonly store: CaseStore;
  readonly cases: CaseService;
  /** Count the case as it is now in the statistics counters (idempotent). */
  readonly count: (state: CaseState) => Promise<void>;
  /** Send each body; answers the keys of those not sent. */
  readonly send: (queue: 'notify' | 'callback' | 'escalation' | 'media', entries: readonly { key: string; body: object }[]) => Promise<Set<string>>;
  /** API clients that take status callbacks (12345 systems), by the name cases record as `filedBy`. */
  readonly callbackClients: () => Promise<ReadonlySet<string>>;
  readonly onError?: (pending: PendingEffects, error: unknown) => void;
}

export interface RelayResult {
  readonly relayed: number;
  /** Left pending for the next pass. */
  readonly failed: readonly PendingEffects[];
}

const OPEN = new Set(['pending', 'in_progress']);
/** Cases relayed at once. */
const RELAY_CASES_AT_ONCE = 16;
const keyOf = (p: PendingEffects) => `${p.subject ?? 'case'}:${p.caseId}:${p.seq}`;

export class EffectsRelay {
  constructor(private readonly deps: RelayDeps) {}

  async relay(items: readonly PendingEffects[]): Promise<RelayResult> {
    const failed = new Set<string>();
    const notify: { key: string; body: NotifyMessage }[] = [];
    const callback: { key: string; body: CallbackMessage }[] = [];
    const escalation: { key: string; body: EscalationMessage }[] = [];
    const media: { key: string; body: MediaMessage }[] = [];
    const callbackClients = items.some((p) => p.effects.includes('callback')) ? await this.deps.callbackClients() : new Set<string>();

    // A case's events in seq order, one after another; different cases side by side (a county's
    // relay is behind by thousands of events after a busy hour, and each takes a few round trips).
    const byCase = new Map<string, PendingEffects[]>();
    for (const item of [...items].sort((a, b) => a.seq - b.seq)) {
      const subject = `${item.subject ?? 'case'}:${item.caseId}`;
      byCase.set(subject, [...(byCase.get(subject) ?? []), item]);
    }
    const queue = [...byCase.values()];
    const one = async (item: PendingEffects) => {
      const key = keyOf(item);
      // A 宣传 notice: the notifier sends it to its households (each once, by the outbox).
      if (item.subject === 'notice') {
        if (item.effects.includes('notify')) notify.push({ key, body: { notice: item.caseId } });
        return;
      }
      try {
        const loaded = await this.deps.store.load(item.caseId);
        if (!loaded) throw new Error(`case ${item.caseId} has an event marked but cannot be read`);
        const { state } = loaded;
        await this.deps.count(state);
        if (item.effects.includes('notify')) notify.push({ key, body: { caseId: item.caseId, seq: item.seq } });
        if (item.effects.includes('callback') && callbackClients.has(state.filedBy)) {
          callback.push({ key, body: { caseId: item.caseId, seq: item.seq } });
        }
        if (item.effects.includes('escalate') && state.escalationPending && OPEN.has(state.status)) {
          escalation.push({ key, body: { caseId: state.id, version: state.version, level: state.level, unitId: state.unitId, origin: 'relay' } });
        }
        if (item.effects.includes('fetch')) media.push({ key, body: { caseId: item.caseId, seq: item.seq } });
        if (item.effects.includes('merge')) {
          const row = await this.deps.store.eventRow(item.caseId, item.seq);
          if (row) await this.deps.cases.reconcileMerge(item.caseId, row.event);
        }
      } catch (error) {
        failed.add(key);
        this.deps.onError?.(item, error);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(RELAY_CASES_AT_ONCE, queue.length) }, async () => {
        for (let events = queue.shift(); events; events = queue.shift()) for (const item of events) await one(item);
      }),
    );
    const unsent = await Promise.all([
      this.deps.send('notify', notify.filter((m) => !failed.has(m.key))),
      this.deps.send('callback', callback.filter((m) => !failed.has(m.key))),
      this.deps.send('escalation', escalation.filter((m) => !failed.has(m.key))),
      this.deps.send('media', media.filter((m) => !failed.has(m.key))),
    ]);
    for (const keys of unsent) for (const key of keys) failed.add(key);
    let relayed = 0;
    const delivered = items.filter((item) => !failed.has(keyOf(item)));
    await Promise.all(
      Array.from({ length: Math.min(RELAY_CASES_AT_ONCE, delivered.length) }, async () => {
        for (let item = delivered.shift(); item; item = delivered.shift()) {
          try {
            await this.deps.store.clearEffects(item.caseId, item.seq, item.subject);
            relayed++;
          } catch (error) {
            // Delivered but still marked: the next pass delivers it again, which consumers ignore.
            failed.add(keyOf(item));
            this.deps.onError?.(item, error);
          }
        }
      }),
    );
    return { relayed, failed: items.filter((p) => failed.has(keyOf(p))) };
  }
}
