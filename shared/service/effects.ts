/**
 * What an event sets in motion beyond its own write — derived from the event
 * and the states around it, and recorded on the event item in the same write
 * (a transactional outbox without transactions). The relay delivers them at
 * least once; every consumer is idempotent by (case, seq).
 */
import { nextTimerAt, notificationsFor, type CaseEvent, type CaseState, type UnitTree } from '../domain/index.ts';
import { statusChangeFor } from '../channels/callback.ts';
import type { EffectKind } from '../store/codec.ts';

const OPEN = new Set(['pending', 'in_progress']);

export function effectsOf(before: CaseState | undefined, event: CaseEvent, after: CaseState, units: UnitTree): EffectKind[] {
  const effects: EffectKind[] = [];
  // A new case is also checked for 重复件 by the notifier.
  if (event.type === 'received' || notificationsFor(event, after, units).length > 0) effects.push('notify');
  // Whether the filer takes callbacks is the relay's question (it reads the directory).
  if (after.filedBy !== undefined && statusChangeFor(event, after) !== undefined) effects.push('callback');
  if (after.escalationPending && OPEN.has(after.status)) effects.push('escalate');
  if (event.type === 'merged' || event.type === 'absorbed' || (event.type === 'reopened' && event.data.unmergedFrom !== undefined)) {
    effects.push('merge');
  }
  // The due index lives on STATE: if that write is lost, the relay's read repairs it.
  if (before === undefined || nextTimerAt(before, units) !== nextTimerAt(after, units)) effects.push('timer');
  return effects;
}
