/**
 * `decide(state, command, context)`: the business rules. Pure — time, the unit
 * tree, the policy and any generated ids come in as arguments — and total: an
 * illegal command yields a DomainError value, never an exception.
 */
import { authorize } from './access.ts';
import { ATTACHMENT_LIMITS, attachmentCount, type AttachmentOrigin, type MediaRequest } from './attachments.ts';
import type { Agreement, AttachedData, CaseEvent, CaseState, Clocks, FieldChange, Location, MoveData, Party, Actor } from './case.ts';
import { InvalidTransition, ValidationFailed, type DomainError } from './errors.ts';
import {
  CENTERS,
  DISPATCH_LEVEL,
  levelRank,
  SERVICE_LEVEL,
  type CenterCode,
  type CenterDef,
  type FieldDef,
  type EscalationReason,
  type FieldValue,
  type FieldValues,
  type Outcome,
  type Performance,
  type Priority,
  type RiskLevel,
  type Satisfaction,
} from './registry.ts';
import { assessRisk, isSerious, type RiskPolicy } from './risk.ts';
import { signposts, type EmergencyPolicy } from './emergency.ts';
import { DEFAULT_FOLLOW_UP_WITHIN, currentDeadline, deadline, startClocks, type SlaPolicy, type Timing } from './sla.ts';
import type { Unit, UnitTree } from './units.ts';

/** What a dispatch needs to know of the account a task is offered to. */
export interface VolunteerAccount {
  readonly id: string;
  readonly role: string;
  readonly unitId: string;
  readonly disabled: boolean;
}

export interface Policy {
  readonly sla: SlaPolicy;
  readonly risk: RiskPolicy;
  readonly emergency: EmergencyPolicy;
  readonly timing: Timing;
}

export interface DecideContext {
  readonly now: Date;
  readonly actor: Actor;
  readonly units: UnitTree;
  readonly policy: Policy;
  /** The centres' forms: the registry's unless given (a test declares a centre with a required field). */
  readonly centers?: readonly CenterDef[];
}

export interface IntakeInput {
  readonly source: string;
  readonly externalId?: string;
  readonly center: CenterCode;
  readonly title?: string;
  readonly description: string;
  readonly priority: Priority;
  readonly reporter: CaseState['reporter'];
  readonly location: Location;
  readonly parties: readonly Party[];
  /** The centre's form, checked against its declaration by the contract (channels that cannot ask send none). */
  readonly fields?: FieldValues;
  readonly occurredAt?: string;
  readonly risk?: RiskLevel;
  /** 群众点单: the service from the menu of the unit's community, resolved by the caller. */
  readonly service?: { readonly code: string; readonly name: string };
  /** Files to fetch after intake (a hotline's URLs, a resident's photo); at most ATTACHMENT_LIMITS.perCase. */
  readonly media?: readonly MediaRequest[];
}

export type Command =
  | {
      readonly type: 'receive';
      readonly id: string;
      readonly trackingNo: string;
      readonly trackingCode: string;
      readonly dedupeKey?: string;
      readonly input: IntakeInput;
    }
  | { readonly type: 'accept' }
  | { readonly type: 'decline'; readonly reason: string }
  | { readonly type: 'note'; readonly visibility: 'internal' | 'public'; readonly text: string }
  | { readonly type: 'contact'; readonly channel: string; readonly summary: string }
  /**
   * To a unit below, or to a volunteer: `volunteer` is their account as the
   * directory has it (undefined when there is no such account).
   */
  | {
      readonly type: 'dispatch';
      readonly toUnitId?: string;
      readonly toVolunteerId?: string;
      readonly volunteer?: VolunteerAccount;
      readonly note?: string;
    }
  | { readonly type: 'recall'; readonly reason: string }
  | { readonly type: 'return'; readonly reason: string }
  | { readonly type: 'escalate'; readonly reason: string }
  | { readonly type: 'extend_request'; readonly reason: string; readonly until: string }
  | { readonly type: 'extend_decide'; readonly approved: boolean; readonly comment?: string }
  | { readonly type: 'add_party'; readonly party: Party }
  | {
      readonly type: 'schedule_session';
      readonly sessionId: string;
      readonly at: string;
      readonly place: string;
      readonly mediators: readonly string[];
    }
  | { readonly type: 'record_minutes'; readonly sessionId: string; readonly content: string }
  | { readonly type: 'record_agreement'; readonly agreement: Agreement }
  /** 履行回访: whether the parties performed the agreement; 未履行 reopens a resolved case. */
  | { readonly type: 'record_performance'; readonly performance: Performance; readonly note: string }
  /** The timer at an agreement's 履行 deadline: remind the unit to check performance. */
  | { readonly type: 'remind_performance' }
  | { readonly type: 'resolve'; readonly outcome: Outcome; readonly summary: string }
  | { readonly type: 'follow_up'; readonly satisfaction: Satisfaction; readonly comment?: string }
  | { readonly type: 'reopen'; readonly reason: string }
  /**
   * `into` is the target as the actor sees it; undefined when it does not
   * exist for them. `reserved`: the target has already recorded this merge
   * (it went first), so only this case's side is checked.
   */
  | {
      readonly type: 'merge';
      readonly intoCaseId: string;
      readonly into?: Pick<CaseState, 'status' | 'unitId' | 'mergedFrom'>;
      readonly reserved?: boolean;
    }
  /** The target's side of a merge (the system records it for whoever merged). */
  | { readonly type: 'absorb'; readonly fromCaseId: string; readonly by?: string }
  | { readonly type: 'cancel_absorb'; readonly fromCaseId: string; readonly reason: string }
  | { readonly type: 'withdraw'; readonly reason: string }
  | { readonly type: 'close'; readonly reason?: string }
  | { readonly type: 'reclassify'; readonly center: CenterCode }
  /** 补充信息: fields of the case's centre's form to fill in or correct (`null` empties one); those not named stay. */
  | { readonly type: 'set_fields'; readonly fields: Readonly<Record<string, FieldValue | null>> }
  | { readonly type: 'locate'; readonly location: Location }
  | { readonly type: 'flag_risk'; readonly level: RiskLevel; readonly note?: string }
  /** 督办 by a person: a note and the date (yyyy-mm-dd, China) by which the unit must act. */
  | { readonly type: 'order_supervision'; readonly note: string; readonly until: string }
  /** 重复件 found after intake: open cases of the same resident, same unit, similar words. */
  | { readonly type: 'flag_repeats'; readonly caseIds: readonly string[] }
  /** 议事厅: the published result of a deliberation the case is linked to (the system records it for whoever published). */
  | {
      readonly type: 'record_deliberation';
      readonly deliberationId: string;
      readonly title: string;
      readonly result: string;
      readonly resolves: boolean;
      readonly by: string;
    }
  | { readonly type: 'remind'; readonly clock: 'accept' | 'resolve' }
  | { readonly type: 'move_up'; readonly reason: EscalationReason; readonly note?: string }
  | { readonly type: 'supervise' }
  /** Files a resident sends to their open case (fetched later by the media worker). */
  | { readonly type: 'request_media'; readonly media: readonly MediaRequest[] }
  /** Record a stored file; with `ref`, the requested file it fulfils. */
  | { readonly type: 'attach'; readonly attachment: AttachedData }
  /** `origin`: who sent it, so a resident is told their file could not be kept. */
  | { readonly type: 'fail_media'; readonly ref: string; readonly reason: string; readonly origin?: AttachmentOrigin };

export type CommandType = Command['type'];
type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

export type Decision = { readonly ok: true; readonly event: CaseEvent } | { readonly ok: false; readonly error: DomainError };

/** An event body: `decide` fills in seq, at and actor. */
type Draft = { [K in CaseEvent['type']]: { type: K; data: Extract<CaseEvent, { type: K }>['data'] } }[CaseEvent['type']];

const OPEN = new Set(['pending', 'in_progress']);
/**
 * A merged case takes only these: reopening it (un-merging), the records other
 * merges leave on it, and the settling of files asked for before the merge.
 */
const AFTER_MERGE = new Set<CommandType>(['reopen', 'absorb', 'cancel_absorb', 'attach', 'fail_media']);

/**
 * What one case may hold, so that its projection fits a DynamoDB item (400 KB
 * in UTF-8) whatever is typed into it: the biggest texts live in their events
 * and the rest is bounded here or by the contract.
 */
export const CASE_LIMITS = {
  /** Events a person's command may add to; the timers still run after it. */
  events: 500,
  parties: 30,
  sessions: 20,
  mergedFrom: 50,
  attachments: ATTACHMENT_LIMITS.perCase,
} as const;

const invalid = (message: string): Decision => ({ ok: false, error: new InvalidTransition(message) });
const invalidInput = (path: string, message: string): Decision => ({
  ok: false,
  error: new ValidationFailed(message, [{ path, message }]),
});

export function decide(state: CaseState | undefined, command: Command, ctx: DecideContext): Decision {
  const denied = authorize(ctx.actor, state, command.type, ctx.units);
  if (denied) return { ok: false, error: denied };
  if (command.type === 'receive') {
    if (state) return invalid('the case already exists');
    return commit(undefined, receive(command, ctx), ctx);
  }
  if (!state) return invalid('the case does not exist');
  if (state.status === 'merged' && !AFTER_MERGE.has(command.type)) {
    return invalid(`this case was merged into ${state.mergedInto ?? 'another case'}; a level above may reopen it`);
  }
  const human = ctx.actor.kind !== 'system';
  if (human && state.version >= CASE_LIMITS.events) {
    return invalid(`this case has reached ${CASE_LIMITS.events} entries; file a new case for what remains`);
  }
  return commit(state, RULES[command.type](state, command as never, ctx), ctx);
}

function commit(state: CaseState | undefined, outcome: Draft | Decision, ctx: DecideContext): Decision {
  if ('ok' in outcome) return outcome;
  const event = { ...outcome, seq: (state?.version ?? 0) + 1, at: ctx.now.toISOString(), actor: ctx.actor } as CaseEvent;
  return { ok: true, event };
}

function clocksAt(state: Pick<CaseState, 'center' | 'priority' | 'risk'>, unit: Unit, ctx: DecideContext): Clocks {
  const priority: Priority = state.risk?.level === 'red' ? 'urgent' : state.priority;
  return startClocks(ctx.now, { center: state.center, level: unit.level, priority }, ctx.policy.sla, ctx.policy.timing);
}

/** Leaving the case's unit for `target`, with the clocks of the target's level started now. */
function moveTo(state: CaseState, target: Unit, ctx: DecideContext): MoveData {
  return { fromUnitId: state.unitId, fromLevel: state.level, toUnitId: target.id, toLevel: target.level, clocks: clocksAt(state, target, ctx) };
}

function receive(command: CommandOf<'receive'>, ctx: DecideContext): Draft | Decision {
  const { input } = command;
  const { units } = ctx;
  // The township the filing channel serves (an API client's, a WeChat account's or an SMS number's); a person registering (登记) files within their own subtree.
  const scope = ctx.actor.kind === 'client' || ctx.actor.kind === 'resident' ? ctx.actor.rootUnitId : ctx.actor.kind === 'user' ? ctx.actor.unitId : undefined;
  let unit: Unit | undefined;
  let routing: 'unit' | 'address' | 'dispatch' | 'risk';
  if (input.location.unitId !== undefined) {
    unit = units.get(input.location.unitId);
    if (!unit || (scope !== undefined && !units.isWithin(unit.id, scope))) {
      return invalidInput('location.unitId', `unknown unit "${input.location.unitId}"`);
    }
    routing = 'unit';
  } else {
    unit = input.location.address ? units.matchAddress(input.location.address, scope) : undefined;
    routing = 'address';
  }
  if (!unit) {
    // No place given: the channel's township dispatches it. With several townships and none named, never guess.
    // A scope above the townships (a county's client or officer) narrows the choice but does not make one.
    const scoped = scope === undefined ? undefined : units.get(scope);
    const townships = units.townships().filter((t) => scoped === undefined || units.isWithin(t.id, scoped.id));
    const choose = scope === undefined || (scoped !== undefined && levelRank(scoped.level) > levelRank(SERVICE_LEVEL));
    const root = !choose ? scoped : townships.length === 1 ? townships[0] : undefined;
    if (!root) {
      return invalidInput(
        'location',
        townships.length === 0 ? 'no unit is configured to receive cases' : 'this channel serves no one township of several: give location.unitId or an address',
      );
    }
    unit = root;
    routing = 'dispatch';
  }
  const origin = unit;
  const said = `${input.title ?? ''} ${input.description}`;
  const emergency = signposts(said, ctx.policy.emergency);
  const assessed = assessRisk(said, ctx.policy.risk, input.risk);
  // An emergency is red whatever else was said: it starts where cases are dispatched, with an alert at once.
  const risk =
    emergency.length > 0
      ? { level: 'red' as const, terms: [...new Set([...(assessed?.terms ?? []), ...emergency.flatMap((p) => p.terms)])], source: assessed?.source ?? ('text' as const) }
      : assessed;
  if (isSerious(risk) && levelRank(unit.level) < levelRank(DISPATCH_LEVEL)) {
    unit = units.ancestorAt(unit.id, DISPATCH_LEVEL) ?? unit;
    routing = 'risk';
  }
  if ((input.media?.length ?? 0) > CASE_LIMITS.attachments) {
    return invalidInput('attachments', `a case has at most ${CASE_LIMITS.attachments} attachments`);
  }
  const title = input.title?.trim() || summarize(input.description);
  return {
    type: 'received',
    data: {
      id: command.id,
      trackingNo: command.trackingNo,
      trackingCode: command.trackingCode,
      source: input.source,
      externalId: input.externalId,
      dedupeKey: command.dedupeKey,
      filedBy: ctx.actor.id,
      center: input.center,
      title,
      description: input.description,
      priority: input.priority,
      risk,
      ...(emergency.length > 0 ? { emergency } : {}),
      reporter: input.reporter,
      location: input.location,
      parties: input.parties,
      ...(input.fields && Object.keys(input.fields).length > 0 ? { fields: input.fields } : {}),
      occurredAt: input.occurredAt,
      ...(input.service ? { service: input.service } : {}),
      unitId: unit.id,
      level: unit.level,
      originUnitId: origin.id,
      originLevel: origin.level,
      routing,
      clocks: clocksAt({ center: input.center, priority: input.priority, risk }, unit, ctx),
      ...(input.media && input.media.length > 0 ? { media: input.media } : {}),
    },
  };
}

const tooManyFiles = () => invalid(`a case has at most ${CASE_LIMITS.attachments} attachments`);

/** A title for a case filed without one: the first clause of the description. */
export function summarize(description: string): string {
  const first = description.trim().split(/[。！？!?\n]/)[0] ?? '';
  const chars = [...first];
  return chars.length > 30 ? `${chars.slice(0, 30).join('')}…` : first;
}

function requireOpen(state: CaseState, action: string): Decision | undefined {
  return OPEN.has(state.status) ? undefined : invalid(`cannot ${action} a case that is ${state.status}`);
}

type Rule<T extends CommandType> = (state: CaseState, command: CommandOf<T>, ctx: DecideContext) => Draft | Decision;

const RULES: { [T in Exclude<CommandType, 'receive'>]: Rule<T> } = {
  accept(state, _c, ctx) {
    const byVolunteer = ctx.actor.kind === 'user' && ctx.actor.role === 'volunteer';
    if (byVolunteer) {
      // A task left offered on a case the unit has since settled is no longer there to take.
      const closed = requireOpen(state, 'take a task of');
      if (closed) return closed;
      if (state.assignment?.state !== 'offered') return invalid('there is no task offered to you');
      return { type: 'accepted', data: { byVolunteer } };
    }
    if (state.status !== 'pending') return invalid(`cannot accept a case that is ${state.status}`);
    return { type: 'accepted', data: { byVolunteer } };
  },

  decline(state, c) {
    const closed = requireOpen(state, 'decline a task of');
    if (closed) return closed;
    if (state.assignment?.state !== 'offered') return invalid('there is no task offered to decline');
    return { type: 'declined', data: { reason: c.reason } };
  },

  recall(state, c) {
    const closed = requireOpen(state, 'recall a task of');
    if (closed) return closed;
    if (!state.assignment) return invalid('no volunteer has a task on this case');
    return { type: 'task_recalled', data: { volunteerId: state.assignment.volunteerId, reason: c.reason } };
  },

  note(state, c) {
    // A resolved case still takes notes until it is filed away; a closed one only reopens or is followed up.
    if (!OPEN.has(state.status) && state.status !== 'resolved') return invalid(`cannot add a note to a case that is ${state.status}`);
    return { type: 'noted', data: { visibility: c.visibility, text: c.text } };
  },

  contact(state, c) {
    return requireOpen(state, 'log contact on') ?? { type: 'contacted', data: { channel: c.channel, summary: c.summary } };
  },

  dispatch(state, c, ctx) {
    const closed = requireOpen(state, 'dispatch');
    if (closed) return closed;
    if (state.assignment) return invalid('the case is already with a volunteer; recall the task or wait for them to decline');
    if (c.toVolunteerId !== undefined) {
      // 群众点单、社区派单、党员接单: to a volunteer registered at the dispatching unit or below it.
      const v = c.volunteer;
      if (!v || v.id !== c.toVolunteerId || v.role !== 'volunteer' || v.disabled || !ctx.units.isWithin(v.unitId, state.unitId)) {
        return invalidInput('toVolunteerId', `"${c.toVolunteerId}" is not a volunteer of ${state.unitId} or a unit below it`);
      }
      return { type: 'dispatched_to_volunteer', data: { volunteerId: v.id, note: c.note } };
    }
    const target = c.toUnitId === undefined ? undefined : ctx.units.get(c.toUnitId);
    if (!target || !ctx.units.isWithin(target.id, state.unitId) || target.id === state.unitId) {
      return invalidInput('toUnitId', `"${c.toUnitId ?? ''}" is not a unit below ${state.unitId}`);
    }
    return {
      type: 'dispatched_to_unit',
      data: {
        ...moveTo(state, target, ctx),
        note: c.note,
        // Dispatching down a case that has never been escalated is routing, so it is where the matter arose.
        reroutesOrigin: state.escalations === 0,
      },
    };
  },

  return(state, c, ctx) {
    const closed = requireOpen(state, 'return');
    if (closed) return closed;
    if (state.dispatchedFrom === undefined) return invalid('only a dispatched case can be returned');
    const dispatcher = ctx.units.get(state.dispatchedFrom);
    if (!dispatcher) return invalid('the dispatching unit no longer exists');
    const last = state.returns + 1 >= ctx.policy.sla.maxReturns;
    const parent = ctx.units.parent(dispatcher.id);
    const target = last && parent ? parent : dispatcher;
    return {
      type: 'returned',
      data: {
        ...moveTo(state, target, ctx),
        reason: c.reason,
        toParent: target !== dispatcher,
        // Sent to the wrong unit (the dispatch made it "where the matter arose"): it arose where it goes back to.
        reroutesOrigin: state.escalations === 0 && state.originUnitId === state.unitId,
      },
    };
  },

  escalate(state, c, ctx) {
    const closed = requireOpen(state, 'escalate');
    if (closed) return closed;
    if (!ctx.units.parent(state.unitId)) return invalid('the case is at the top level; there is no level above to escalate to');
    if (state.escalationPending) return invalid('an escalation is already on its way');
    return { type: 'escalation_requested', data: { reason: 'manual', note: c.reason } };
  },

  extend_request(state, c, ctx) {
    const closed = requireOpen(state, 'extend');
    if (closed) return closed;
    const clocks = state.clocks;
    if (!clocks) return invalid('the case has no running deadline');
    if (ctx.now.toISOString() >= clocks.resolveDueAt) return invalid('an extension must be asked before the deadline');
    if (state.extensionRequest) return invalid('an extension request is already waiting for a decision');
    if (state.extensionsAtLevel >= ctx.policy.sla.maxExtensionsPerLevel) {
      return invalid('the extensions allowed at this level have been used');
    }
    const until = new Date(c.until);
    if (until.toISOString() <= clocks.resolveDueAt) return invalidInput('until', 'the new deadline must be after the current one');
    const latest = deadline(new Date(clocks.resolveDueAt), ctx.policy.sla.maxExtension, ctx.policy.timing);
    if (until > latest) return invalidInput('until', `the new deadline may be at most ${latest.toISOString()}`);
    return { type: 'extension_requested', data: { reason: c.reason, until: until.toISOString() } };
  },

  extend_decide(state, c) {
    const closed = requireOpen(state, 'decide an extension of');
    if (closed) return closed;
    if (!state.extensionRequest) return invalid('there is no extension request to decide');
    return {
      type: 'extension_decided',
      data: { approved: c.approved, comment: c.comment, until: c.approved ? state.extensionRequest.until : undefined },
    };
  },

  add_party(state, c) {
    const closed = requireOpen(state, 'add a party to');
    if (closed) return closed;
    if (state.parties.length >= CASE_LIMITS.parties) return invalid(`a case has at most ${CASE_LIMITS.parties} parties`);
    return { type: 'party_added', data: c.party };
  },

  schedule_session(state, c) {
    const closed = requireOpen(state, 'schedule a session for');
    if (closed) return closed;
    if (state.sessions.length >= CASE_LIMITS.sessions) return invalid(`a case has at most ${CASE_LIMITS.sessions} sessions`);
    return { type: 'session_scheduled', data: { id: c.sessionId, at: c.at, place: c.place, mediators: c.mediators } };
  },

  record_minutes(state, c) {
    const closed = requireOpen(state, 'record minutes for');
    if (closed) return closed;
    if (!state.sessions.some((s) => s.id === c.sessionId)) return invalidInput('sessionId', 'no such session');
    return { type: 'minutes_recorded', data: { sessionId: c.sessionId, content: c.content } };
  },

  record_agreement(state, c) {
    const closed = requireOpen(state, 'record an agreement for');
    if (closed) return closed;
    if (c.agreement.parties.length < 2) return invalidInput('agreement.parties', 'an agreement needs at least two parties');
    return { type: 'agreement_recorded', data: c.agreement };
  },

  record_performance(state, c, ctx) {
    if (state.status === 'withdrawn') return invalid('cannot record performance for a case that is withdrawn');
    const deadline = state.performanceCheck?.deadline ?? state.agreement?.performance.deadline;
    if (deadline === undefined) return invalid('no agreement is recorded on this case');
    const resolved = state.status === 'resolved' || state.status === 'closed';
    const unit = ctx.units.get(state.unitId);
    const reopens = c.performance === 'unperformed' && resolved;
    if (reopens && !unit) return invalid('the case unit no longer exists');
    return {
      type: 'performance_recorded',
      data: { performance: c.performance, note: c.note, deadline, ...(reopens && unit ? { reopenClocks: clocksAt(state, unit, ctx) } : {}) },
    };
  },

  remind_performance(state, _c, ctx) {
    const due = dueCommand(state, ctx.now, ctx.units);
    if (due?.type !== 'remind_performance' || !state.performanceCheck) return invalid('no performance check is due');
    return { type: 'performance_reminded', data: { deadline: state.performanceCheck.deadline } };
  },

  resolve(state, c, ctx) {
    if (state.status !== 'in_progress') {
      return invalid(state.status === 'pending' ? 'accept the case before resolving it' : `cannot resolve a case that is ${state.status}`);
    }
    const onTime = state.clocks === undefined || ctx.now.toISOString() <= state.clocks.resolveDueAt;
    const followUpDueAt = deadline(ctx.now, ctx.policy.sla.followUpWithin ?? DEFAULT_FOLLOW_UP_WITHIN, ctx.policy.timing).toISOString();
    return { type: 'resolved', data: { outcome: c.outcome, summary: c.summary, onTime, followUpDueAt } };
  },

  follow_up(state, c, ctx) {
    if (state.status !== 'resolved' && state.status !== 'closed') return invalid('follow up after the case is resolved');
    if (state.followUp && state.followUp.at >= (state.resolution?.at ?? '')) {
      return invalid('this resolution has already been followed up');
    }
    const unit = ctx.units.get(state.unitId);
    const reopens = c.satisfaction === 'dissatisfied' && unit !== undefined;
    return {
      type: 'followed_up',
      data: {
        satisfaction: c.satisfaction,
        comment: c.comment,
        reopenClocks: reopens ? clocksAt(state, unit, ctx) : undefined,
      },
    };
  },

  reopen(state, c, ctx) {
    if (state.status !== 'resolved' && state.status !== 'closed' && state.status !== 'merged') {
      return invalid(`cannot reopen a case that is ${state.status}`);
    }
    const unit = ctx.units.get(state.unitId);
    if (!unit) return invalid('the case unit no longer exists');
    return {
      type: 'reopened',
      data: { reason: c.reason, clocks: clocksAt(state, unit, ctx), ...(state.mergedInto !== undefined ? { unmergedFrom: state.mergedInto } : {}) },
    };
  },

  merge(state, c, ctx) {
    const closed = requireOpen(state, 'merge');
    if (closed) return closed;
    if (c.intoCaseId === state.id) return invalidInput('intoCaseId', 'a case cannot be merged into itself');
    if (!c.into) return invalidInput('intoCaseId', 'no such case');
    if (c.reserved && c.into.mergedFrom?.includes(state.id)) return { type: 'merged', data: { intoCaseId: c.intoCaseId } };
    if (c.into.status === 'merged' || c.into.status === 'withdrawn') {
      return invalidInput('intoCaseId', `the target case is ${c.into.status}`);
    }
    if ((c.into.mergedFrom?.length ?? 0) >= CASE_LIMITS.mergedFrom) {
      return invalidInput('intoCaseId', `at most ${CASE_LIMITS.mergedFrom} cases can be merged into one`);
    }
    const root = ctx.units.get(state.unitId)?.rootId;
    if (ctx.units.get(c.into.unitId)?.rootId !== root) return invalidInput('intoCaseId', 'no such case');
    return { type: 'merged', data: { intoCaseId: c.intoCaseId } };
  },

  absorb(state, c) {
    if (c.fromCaseId === state.id) return invalidInput('fromCaseId', 'a case cannot absorb itself');
    if (state.mergedFrom?.includes(c.fromCaseId)) return invalid(`${c.fromCaseId} is already merged into this case`);
    return { type: 'absorbed', data: { fromCaseId: c.fromCaseId, by: c.by } };
  },

  cancel_absorb(state, c) {
    if (!state.mergedFrom?.includes(c.fromCaseId)) return invalid(`${c.fromCaseId} is not merged into this case`);
    return { type: 'absorb_cancelled', data: { fromCaseId: c.fromCaseId, reason: c.reason } };
  },

  withdraw(state, c) {
    return requireOpen(state, 'withdraw') ?? { type: 'withdrawn', data: { reason: c.reason } };
  },

  close(state, c) {
    if (state.status !== 'resolved') return invalid(`only a resolved case can be closed; this one is ${state.status}`);
    return { type: 'closed', data: { reason: c.reason } };
  },

  reclassify(state, c) {
    if (c.center === state.center) return invalidInput('center', `the case is already in ${c.center}`);
    return requireOpen(state, 'reclassify') ?? { type: 'reclassified', data: { from: state.center, to: c.center } };
  },

  set_fields(state, c, ctx) {
    // A resolved case may still be corrected before it is filed away, as it may still take notes.
    if (!OPEN.has(state.status) && state.status !== 'resolved') return invalid(`cannot set the fields of a case that is ${state.status}`);
    // The values are checked against the declaration by the contract; here, that they are this centre's form and complete it.
    const form: readonly FieldDef[] = ((ctx.centers ?? CENTERS) as readonly CenterDef[]).find((x) => x.code === state.center)?.fields ?? [];
    const unknown = Object.keys(c.fields).find((code) => !form.some((f) => f.code === code));
    if (unknown !== undefined) return invalidInput(`fields.${unknown}`, `${state.center} has no field ${unknown}`);
    const after = (code: string) => (code in c.fields ? (c.fields[code] ?? undefined) : state.fields?.[code]);
    // Filling the form is asking it, as at 登记: its required fields must then hold a value (a case never had to have them).
    const missing = form.find((f) => f.required === true && after(f.code) === undefined);
    if (missing) return invalidInput(`fields.${missing.code}`, `${missing.code} is required`);
    const changes = form.flatMap((f): FieldChange[] => {
      const from = state.fields?.[f.code];
      const to = after(f.code);
      return from === to ? [] : [{ code: f.code, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }];
    });
    if (changes.length === 0) return invalidInput('fields', 'nothing changed');
    return { type: 'fields_set', data: { center: state.center, changes } };
  },

  locate(state, c, ctx) {
    const closed = requireOpen(state, 'locate');
    if (closed) return closed;
    if (c.location.unitId !== undefined && !ctx.units.get(c.location.unitId)) {
      return invalidInput('location.unitId', `unknown unit "${c.location.unitId}"`);
    }
    return { type: 'located', data: { location: c.location } };
  },

  flag_risk(state, c, ctx) {
    const closed = requireOpen(state, 'flag');
    if (closed) return closed;
    const risk = { level: c.level, terms: state.risk?.terms ?? [], source: 'mediator' as const };
    const jump = isSerious(risk) && !state.escalationPending && levelRank(state.level) < levelRank(DISPATCH_LEVEL);
    return { type: 'risk_flagged', data: { risk, note: c.note, jumpToDispatchLevel: jump && ctx.units.parent(state.unitId) !== undefined } };
  },

  order_supervision(state, c, ctx) {
    const closed = requireOpen(state, 'supervise');
    if (closed) return closed;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(c.until) || c.until < ctx.policy.timing.calendar.localDate(ctx.now)) {
      return invalidInput('until', 'must be a date (yyyy-mm-dd) from today on');
    }
    return { type: 'supervision_ordered', data: { note: c.note, until: c.until } };
  },

  flag_repeats(state, c) {
    if (state.status === 'merged' || state.status === 'withdrawn') return invalid(`the case is ${state.status}`);
    const ids = c.caseIds.filter((id) => id !== state.id);
    if (ids.length === 0) return invalidInput('caseIds', 'no other case to name');
    if (ids.join() === (state.possibleRepeatOf ?? []).join()) return invalid('these repeats are already flagged');
    return { type: 'repeats_flagged', data: { caseIds: ids } };
  },

  record_deliberation(state, c, ctx) {
    if (state.status === 'withdrawn' || state.status === 'merged') return invalid(`the case is ${state.status}`);
    // Once per deliberation: the relay may deliver the same publication again.
    if (state.deliberations?.includes(c.deliberationId)) return invalid(`议事 ${c.deliberationId} 的结果已记入本案`);
    const resolves = c.resolves && OPEN.has(state.status);
    const onTime = state.clocks === undefined || ctx.now.toISOString() <= state.clocks.resolveDueAt;
    const followUpDueAt = resolves ? deadline(ctx.now, ctx.policy.sla.followUpWithin ?? DEFAULT_FOLLOW_UP_WITHIN, ctx.policy.timing).toISOString() : undefined;
    return {
      type: 'deliberation_recorded',
      data: {
        deliberationId: c.deliberationId,
        title: c.title,
        result: c.result,
        resolves,
        by: c.by,
        ...(resolves ? { onTime, followUpDueAt } : {}),
      },
    };
  },

  remind(state, c, ctx) {
    const due = dueCommand(state, ctx.now, ctx.units);
    if (due?.type !== 'remind' || due.clock !== c.clock) return invalid(`no ${c.clock} reminder is due`);
    const dueAt = c.clock === 'accept' ? state.clocks?.acceptDueAt : state.clocks?.resolveDueAt;
    return { type: 'reminded', data: { clock: c.clock, dueAt: dueAt ?? '' } };
  },

  move_up(state, c, ctx) {
    const closed = requireOpen(state, 'escalate');
    if (closed) return closed;
    const parent = ctx.units.parent(state.unitId);
    if (!parent) return invalid('the case is at the top level');
    const due = dueCommand(state, ctx.now, ctx.units);
    if (due?.type !== 'move_up') return invalid('no escalation is due');
    // A serious risk goes straight to the level that dispatches, skipping the ones between.
    const target = (c.reason === 'risk' && ctx.units.ancestorAt(state.unitId, DISPATCH_LEVEL)) || parent;
    return {
      type: 'escalated',
      data: {
        ...moveTo(state, target, ctx),
        reason: c.reason,
        note: c.note,
      },
    };
  },

  request_media(state, c) {
    const closed = requireOpen(state, 'add files to');
    if (closed) return closed;
    if (c.media.length === 0) return invalidInput('media', 'no file to add');
    if (attachmentCount(state) + c.media.length > CASE_LIMITS.attachments) return tooManyFiles();
    return { type: 'media_requested', data: { media: c.media } };
  },

  attach(state, c) {
    const { attachment } = c;
    if (state.attachments?.some((a) => a.id === attachment.id)) return invalid(`attachment ${attachment.id} is already on this case`);
    if (attachment.size > ATTACHMENT_LIMITS.maxBytes) return invalidInput('size', `a file is at most ${ATTACHMENT_LIMITS.maxBytes} bytes`);
    if (attachment.ref !== undefined) {
      // A requested file settles whatever happened to the case meanwhile: it was asked for while the case took it.
      if (!state.pendingMedia?.some((p) => p.ref === attachment.ref)) return invalid(`no file ${attachment.ref} is waiting on this case`);
      return { type: 'attached', data: attachment };
    }
    // Files go with a case while it is worked, and until it is filed away (a signed agreement comes after 办结).
    if (!OPEN.has(state.status) && state.status !== 'resolved') return invalid(`cannot add a file to a case that is ${state.status}`);
    if (attachmentCount(state) >= CASE_LIMITS.attachments) return tooManyFiles();
    return { type: 'attached', data: attachment };
  },

  fail_media(state, c) {
    if (!state.pendingMedia?.some((p) => p.ref === c.ref)) return invalid(`no file ${c.ref} is waiting on this case`);
    return { type: 'media_failed', data: { ref: c.ref, reason: c.reason, ...(c.origin ? { origin: c.origin } : {}) } };
  },

  supervise(state, _c, ctx) {
    const due = dueCommand(state, ctx.now, ctx.units);
    if (due?.type !== 'supervise') return invalid('no supervision alert is due');
    const overdueSince = currentDueAt(state) ?? state.escalationPending?.requestedAt ?? ctx.now.toISOString();
    return {
      type: 'supervised',
      data: {
        overdueSince,
        alert: (state.supervision?.alerts ?? 0) + 1,
        nextAlertAt: deadline(ctx.now, ctx.policy.sla.supervisionPeriod, ctx.policy.timing).toISOString(),
      },
    };
  },
};

// ---- timers -----------------------------------------------------------------

/** The nearest live deadline: 签收 while pending (if sooner), else 办结. */
export function currentDueAt(state: CaseState): string | undefined {
  return currentDeadline(state)?.dueAt;
}

type TimerCommand = CommandOf<'remind'> | CommandOf<'move_up'> | CommandOf<'supervise'> | CommandOf<'remind_performance'>;
interface Timer {
  readonly at: string;
  readonly command: TimerCommand;
}

/**
 * The timers of a case, most urgent kind first. Applying any of them removes
 * or postpones it, so a sweep never finds the same due timer twice.
 */
export function timers(state: CaseState, units: UnitTree): Timer[] {
  // 履行回访 outlives 办结: an agreement's deadline usually falls after the case is resolved.
  const check = state.performanceCheck;
  const performance: Timer[] =
    check && !check.reminded && !check.result && state.status !== 'withdrawn' && state.status !== 'merged'
      ? [{ at: performanceCheckAt(check.deadline), command: { type: 'remind_performance' } }]
      : [];
  if (!OPEN.has(state.status)) return performance;
  // The ladder a timer climbs ends below a referral-only level (the county): only a person's referral goes there.
  const atTop = !units.timerCanClimb(state.unitId);
  const out: Timer[] = [];
  const pending = state.escalationPending;
  if (pending) {
    const stays = pending.reason === 'manual' ? units.parent(state.unitId) === undefined : atTop;
    out.push({
      at: stays ? maxIso(pending.requestedAt, state.supervision?.nextAlertAt) : pending.requestedAt,
      command: stays ? { type: 'supervise' } : { type: 'move_up', reason: pending.reason, note: pending.note },
    });
  }
  const overdueAt = currentDueAt(state);
  if (overdueAt !== undefined) {
    out.push({
      at: atTop ? maxIso(overdueAt, state.supervision?.nextAlertAt) : overdueAt,
      command: atTop ? { type: 'supervise' } : { type: 'move_up', reason: 'overdue' },
    });
  }
  const c = state.clocks;
  if (c && state.status === 'pending' && c.acceptRemindAt !== undefined && !c.acceptReminded) {
    out.push({ at: c.acceptRemindAt, command: { type: 'remind', clock: 'accept' } });
  }
  if (c && !c.resolveReminded) out.push({ at: c.resolveRemindAt, command: { type: 'remind', clock: 'resolve' } });
  return [...out, ...performance];
}

/**
 * When the unit is reminded to check an agreement's performance: 09:00 China
 * time the day after its 履行 deadline (yyyy-mm-dd), once the deadline has
 * wholly passed and in working hours.
 */
export function performanceCheckAt(deadline: string): string {
  const next = new Date(Date.parse(`${deadline}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return `${next}T01:00:00.000Z`;
}

function maxIso(a: string, b: string | undefined): string {
  return b !== undefined && b > a ? b : a;
}

/** When the sweeper should next look at the case; undefined when nothing is pending. */
export function nextTimerAt(state: CaseState, units: UnitTree): string | undefined {
  return timers(state, units).reduce<string | undefined>((min, t) => (min === undefined || t.at < min ? t.at : min), undefined);
}

/** The command that is due at `now`, by urgency. */
export function dueCommand(state: CaseState, now: Date, units: UnitTree): TimerCommand | undefined {
  const iso = now.toISOString();
  return timers(state, units).find((t) => t.at <= iso)?.command;
}
