/**
 * What an event sets in motion beyond its own write — derived from the event
 * and the states around it, and recorded on the event item in the same write
 * (a transactional outbox without transactions). The relay delivers them at
 * least once; every consumer is idempotent by (case, seq). Every event is
 * marked, even with none of these: the relay also reads the case, which
 * repairs a projection (and its due timer) that a crash left behind the log.
 */
import { notificationsFor, type CaseEvent, type CaseState, type UnitTree } from '../domain/index.ts';
import { statusChangeFor } from '../channels/callback.ts';
import type { EffectKind } from '../store/codec.ts';

const OPEN = new Set(['pending', 'in_progress']);

export function effectsOf(event: CaseEvent, after: CaseState, units: UnitTree): EffectKind[] {
  const effects: EffectKind[] = [];
  // A new case is also checked for 重复件 by the notifier.
  if (event.type === 'received' || notificationsFor(event, after, units).length > 0) effects.push('notify');
  // Whether the filer takes callbacks is the relay's question (it reads the directory).
  if (after.filedBy !== undefined && statusChangeFor(event, after) !== undefined) effects.push('callback');
  if (after.escalationPending && OPEN.has(after.status)) effects.push('escalate');
  if (event.type === 'merged' || event.type === 'absorbed' || (event.type === 'reopened' && event.data.unmergedFrom !== undefined)) {
    effects.push('merge');
  }
  // Files asked for are fetched by the media worker, never on the request that asked.
  if ((event.type === 'received' && (event.data.media?.length ?? 0) > 0) || event.type === 'media_requested') effects.push('fetch');
  return effects;
}
