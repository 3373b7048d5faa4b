/**
 * Which actions to offer on a case: the domain's own access rules (who may
 * act, from which unit) and each action's precondition on the case as
 * decide.ts checks it. The server stays the authority; this only hides
 * buttons that could not succeed.
 */
import { authorize } from '../../shared/domain/access.ts';
import type { UnitTree } from '../../shared/domain/units.ts';
import type { ActionType, CaseView, Me } from './api.ts';

const isOpen = (c: CaseView) => c.status === 'pending' || c.status === 'in_progress';

/** What the page knows beyond the case: where a 派单 could go. */
export interface Reach {
  /** Volunteers the user may dispatch to. */
  readonly volunteers: number;
}

const PRECONDITION: Readonly<Record<ActionType, (c: CaseView, me: Me, units: UnitTree, now: number, reach: Reach) => boolean>> = {
  accept: (c, me) => (me.role === 'volunteer' ? c.assignment?.state === 'offered' : c.status === 'pending'),
  decline: (c) => c.assignment?.state === 'offered',
  recall: (c) => isOpen(c) && c.assignment !== undefined,
  note: (c) => isOpen(c) || c.status === 'resolved',
  contact: isOpen,
  // Somewhere to send it: a unit below the case's, or a volunteer.
  dispatch: (c, _me, units, _now, reach) => isOpen(c) && !c.assignment && (units.children(c.unitId).length > 0 || reach.volunteers > 0),
  return: (c) => isOpen(c) && c.dispatchedFrom !== undefined,
  escalate: (c, _me, units) => isOpen(c) && !c.escalationPending && units.parent(c.unitId) !== undefined,
  // Once per level by default: a second request would only be refused.
  extend_request: (c, me, _units, now) =>
    isOpen(c) &&
    !c.extensionRequest &&
    c.resolveDueAt !== undefined &&
    Date.parse(c.resolveDueAt) > now &&
    c.extensionsAtLevel < (me.limits?.maxExtensionsPerLevel ?? 1),
  extend_decide: (c) => isOpen(c) && c.extensionRequest !== undefined,
  add_party: isOpen,
  schedule_session: isOpen,
  record_minutes: (c) => isOpen(c) && c.sessions.length > 0,
  record_agreement: isOpen,
  // Once an agreement is recorded, until its performance is (a 未履行 may be followed by another check).
  record_performance: (c) => c.performanceCheck !== undefined && c.status !== 'withdrawn' && c.performanceCheck.result?.performance !== 'performed',
  resolve: (c) => c.status === 'in_progress',
  follow_up: (c) =>
    (c.status === 'resolved' || c.status === 'closed') && !(c.followUp && c.followUp.at >= (c.resolution?.at ?? '')),
  reopen: (c) => c.status === 'resolved' || c.status === 'closed',
  merge: isOpen,
  withdraw: isOpen,
  close: (c) => c.status === 'resolved',
  reclassify: isOpen,
  set_fields: (c) => isOpen(c) || c.status === 'resolved',
  locate: isOpen,
  flag_risk: isOpen,
  order_supervision: isOpen,
};

/** In the order a mediator works a case. */
const ORDER = Object.keys(PRECONDITION) as ActionType[];

export function availableActions(c: CaseView, me: Me, units: UnitTree, reach: Reach, now = Date.now()): ActionType[] {
  if (c.status === 'merged' || !me.unit) return [];
  const actor = { kind: 'user', id: me.username, name: me.displayName, role: me.role, unitId: me.unit.id } as const;
  return ORDER.filter((type) => !authorize(actor, c, type, units) && PRECONDITION[type](c, me, units, now, reach));
}

/** What usually comes next, first: the one or two actions the phone's action bar offers (the rest are under 更多). */
const NEXT: readonly ActionType[] = ['accept', 'decline', 'extend_decide', 'resolve', 'follow_up', 'note', 'return', 'dispatch', 'reopen'];

export function nextActions(available: readonly ActionType[]): ActionType[] {
  const primary = NEXT.filter((t) => available.includes(t));
  // A case just signed for: 回复 and 办结; one not yet: 签收 and 退回 (a case sent to the wrong unit).
  return (available.includes('accept') ? primary.filter((t) => t === 'accept' || t === 'decline' || t === 'return') : primary).slice(0, 2);
}
