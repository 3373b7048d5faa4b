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

const PRECONDITION: Readonly<Record<ActionType, (c: CaseView, me: Me, units: UnitTree, now: number) => boolean>> = {
  accept: (c, me) => (me.role === 'volunteer' ? c.assignment?.state === 'offered' : c.status === 'pending'),
  decline: (c) => c.assignment?.state === 'offered',
  recall: (c) => isOpen(c) && c.assignment !== undefined,
  note: (c) => isOpen(c) || c.status === 'resolved',
  contact: isOpen,
  dispatch: (c) => isOpen(c) && !c.assignment,
  return: (c) => isOpen(c) && c.dispatchedFrom !== undefined,
  escalate: (c, _me, units) => isOpen(c) && !c.escalationPending && units.parent(c.unitId) !== undefined,
  extend_request: (c, _me, _units, now) =>
    isOpen(c) && !c.extensionRequest && c.resolveDueAt !== undefined && Date.parse(c.resolveDueAt) > now,
  extend_decide: (c) => isOpen(c) && c.extensionRequest !== undefined,
  add_party: isOpen,
  schedule_session: isOpen,
  record_minutes: (c) => isOpen(c) && c.sessions.length > 0,
  record_agreement: isOpen,
  resolve: (c) => c.status === 'in_progress',
  follow_up: (c) =>
    (c.status === 'resolved' || c.status === 'closed') && !(c.followUp && c.followUp.at >= (c.resolution?.at ?? '')),
  reopen: (c) => c.status === 'resolved' || c.status === 'closed',
  merge: isOpen,
  withdraw: isOpen,
  close: (c) => c.status === 'resolved',
  reclassify: isOpen,
  locate: isOpen,
  flag_risk: isOpen,
};

/** In the order a mediator works a case. */
const ORDER = Object.keys(PRECONDITION) as ActionType[];

export function availableActions(c: CaseView, me: Me, units: UnitTree, now = Date.now()): ActionType[] {
  if (c.status === 'merged' || !me.unit) return [];
  const actor = { kind: 'user', id: me.username, name: me.displayName, role: me.role, unitId: me.unit.id } as const;
  return ORDER.filter((type) => !authorize(actor, c, type, units) && PRECONDITION[type](c, me, units, now));
}
