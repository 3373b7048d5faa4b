/**
 * Who may see and do what. Jurisdiction is a unit subtree: outside it a case
 * does not exist for the user (NotFound, so existence is not leaked); inside
 * it an action the role may not take is Forbidden.
 */
import type { Actor, CaseState } from './case.ts';
import { Forbidden, NotFound, type DomainError } from './errors.ts';
import type { UnitTree } from './units.ts';
import type { CommandType } from './decide.ts';
import { REGISTRAR_ROLES, SUPERVISOR_ROLES } from './registry.ts';
import type { Household } from './households.ts';

type UserActor = Extract<Actor, { kind: 'user' }>;
/** What the rules read of a case (the admin page passes its case view). */
type Subject = Pick<CaseState, 'unitId' | 'originUnitId' | 'assignment'> & {
  readonly filedBy?: string;
  readonly resolution?: { readonly unitId: string; readonly by?: string };
};

/** Commands the sweeper and the escalation worker issue. */
export const SYSTEM_COMMANDS: readonly CommandType[] = [
  'remind',
  'remind_performance',
  'move_up',
  'supervise',
  'receive',
  'flag_repeats',
  // 议事厅: a published deliberation recorded on its linked cases.
  'record_deliberation',
  // Completing or undoing the two sides of a merge (并单) that a person started.
  'merge',
  'absorb',
  'cancel_absorb',
  // The media worker settling files that were asked for.
  'attach',
  'fail_media',
];
/** What a resident can do through a channel (the channel proves who they are). */
export const RESIDENT_COMMANDS: readonly CommandType[] = ['receive', 'withdraw', 'follow_up', 'note', 'locate', 'request_media'];
/** What the unit holding the case does. */
const AT_UNIT: readonly CommandType[] = [
  'accept',
  'dispatch',
  'recall',
  'return',
  'escalate',
  'extend_request',
  'add_party',
  'schedule_session',
  'record_minutes',
  'record_agreement',
  'record_performance',
  'resolve',
  'close',
  'merge',
  'reclassify',
  'set_fields',
  'locate',
  'withdraw',
];
/** What any unit at or above the case's unit may do. */
const IN_SUBTREE: readonly CommandType[] = ['note', 'contact', 'flag_risk', 'attach'];
/** What only a level above the case's unit decides. */
const ABOVE: readonly CommandType[] = ['extend_decide', 'reopen'];
/** A volunteer works the task offered to them and nothing else. */
const VOLUNTEER_ON_OFFER: readonly CommandType[] = ['accept', 'decline'];
const VOLUNTEER_ON_TASK: readonly CommandType[] = ['note', 'contact', 'schedule_session', 'record_minutes', 'resolve', 'attach'];

/**
 * A volunteer's jurisdiction is their tasks (dispatch offers them only to
 * volunteers at or below the case's unit); everyone else's is their unit's subtree.
 */
export function isWithinJurisdiction(actor: UserActor, state: Subject, units: UnitTree): boolean {
  if (actor.role === 'volunteer') return state.assignment?.volunteerId === actor.id;
  return units.isWithin(state.unitId, actor.unitId) || units.isWithin(state.originUnitId, actor.unitId);
}

export function canRead(actor: Actor, state: Subject, units: UnitTree): boolean {
  switch (actor.kind) {
    case 'system':
      return true;
    case 'client':
      return state.filedBy === actor.id;
    case 'resident':
      return false;
    case 'user':
      return isWithinJurisdiction(actor, state, units);
  }
}

export function authorize(
  actor: Actor,
  state: Subject | undefined,
  type: CommandType,
  units: UnitTree,
): DomainError | undefined {
  if (actor.kind === 'system') {
    return SYSTEM_COMMANDS.includes(type) ? undefined : new Forbidden(`the system does not ${type}`);
  }
  if (actor.kind === 'client') {
    if (type === 'receive') return undefined;
    // A hotline adds files to the cases it filed (uploaded through a presigned URL).
    if (type === 'attach' && state && canRead(actor, state, units)) return undefined;
    return state && canRead(actor, state, units)
      ? new Forbidden(`an API client may not ${type}`)
      : new NotFound('no such case');
  }
  if (actor.kind === 'resident') {
    return RESIDENT_COMMANDS.includes(type) ? undefined : new Forbidden(`a resident may not ${type}`);
  }
  // 登记: a matter registered on a resident's behalf, by those who work cases (the unit is checked by decide).
  if (type === 'receive') return REGISTRAR_ROLES.includes(actor.role) ? undefined : new Forbidden('your role may not register a matter');
  if (!state || !isWithinJurisdiction(actor, state, units)) return new NotFound('no such case');
  const denied = new Forbidden(`your role may not ${type} this case`);
  // 督办 by people: township officers and leaders, over any case in their subtree.
  if (type === 'order_supervision') {
    return SUPERVISOR_ROLES.includes(actor.role) && units.isWithin(state.unitId, actor.unitId) ? undefined : denied;
  }
  if (type === 'follow_up') return mayFollowUp(actor, state, units) ? undefined : denied;
  switch (actor.role) {
    case 'leader':
      return denied;
    case 'volunteer': {
      const mine = state.assignment?.volunteerId === actor.id;
      if (mine && state.assignment?.state === 'offered' && VOLUNTEER_ON_OFFER.includes(type)) return undefined;
      if (mine && state.assignment?.state === 'accepted' && VOLUNTEER_ON_TASK.includes(type)) return undefined;
      return denied;
    }
    case 'admin':
    case 'liaison':
    case 'mediator':
    case 'officer': {
      const atUnit = state.unitId === actor.unitId;
      const inSubtree = units.isWithin(state.unitId, actor.unitId);
      const above = inSubtree && !atUnit;
      if (AT_UNIT.includes(type) && atUnit) return undefined;
      if (IN_SUBTREE.includes(type) && inSubtree) return undefined;
      if (ABOVE.includes(type) && above) return undefined;
      // An admin may also reopen at its own unit.
      if (type === 'reopen' && actor.role === 'admin' && inSubtree) return undefined;
      return denied;
    }
  }
}

/**
 * 回访 is someone else's call to the resident: the level above the unit that
 * resolved the case, or the 矛调中心 (officers) over its subtree — never the
 * person who resolved it. A case resolved at the top has no level above, so
 * there it is the 矛调中心's.
 */
function mayFollowUp(actor: UserActor, state: Subject, units: UnitTree): boolean {
  if (actor.role === 'volunteer' || actor.role === 'leader') return false;
  if (state.resolution?.by !== undefined && state.resolution.by === actor.id) return false;
  const resolvedAt = state.resolution?.unitId ?? state.unitId;
  const above = units.isWithin(resolvedAt, actor.unitId) && resolvedAt !== actor.unitId;
  return above || (actor.role === 'officer' && units.isWithin(resolvedAt, actor.unitId));
}

/**
 * Who sees a household: its own 联户长, and those above its building (their
 * unit's subtree holds it) — never another 联户长, nor a volunteer.
 */
export function canSeeHousehold(actor: UserActor, household: Pick<Household, 'unitId' | 'liaisonId'>, units: UnitTree): boolean {
  if (actor.role === 'liaison') return household.liaisonId === actor.id;
  if (actor.role === 'volunteer') return false;
  return units.isWithin(household.unitId, actor.unitId);
}

/** Who changes a roster (edits, imports, visits): its 联户长, and mediators, officers and admins above it; leaders only read. */
export function canEditHousehold(actor: UserActor, household: Pick<Household, 'unitId' | 'liaisonId'>, units: UnitTree): boolean {
  return actor.role !== 'leader' && canSeeHousehold(actor, household, units);
}

/** Who may send a 宣传 notice to a unit's households: its 联户长, mediators and officers over it, admins. */
export function canSendNotice(actor: UserActor, unitId: string, units: UnitTree): boolean {
  if (actor.role === 'volunteer' || actor.role === 'leader') return false;
  return units.isWithin(unitId, actor.unitId);
}

/**
 * Roles that sign in with a second factor (TOTP) when the deployment requires
 * it: officers see every case of a township (residents' ID numbers included)
 * and admins change accounts and configuration. Others may choose it.
 */
const MFA_ROLES: ReadonlySet<string> = new Set(['officer', 'admin']);
export const requiresMfa = (role: string): boolean => MFA_ROLES.has(role);
