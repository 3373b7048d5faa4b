/**
 * A case is a fold of its events. `evolve` is the only place state changes;
 * it never fails and never decides anything (`decide` did that already).
 */
import type { Attachment, AttachmentOrigin, MediaRequest, PendingMedia } from './attachments.ts';
import { mediaRef } from './attachments.ts';
import type {
  CaseStatus,
  CenterCode,
  EscalationReason,
  FieldValue,
  FieldValues,
  LevelCode,
  Outcome,
  PartyRole,
  Performance,
  Priority,
  RiskLevel,
  Role,
  Satisfaction,
} from './registry.ts';
import type { TimeBasis } from './calendar.ts';
import type { Signpost } from './emergency.ts';

export type Actor =
  | { readonly kind: 'system'; readonly id: string }
  | { readonly kind: 'client'; readonly id: string; readonly source: string; readonly rootUnitId?: string }
  | {
      readonly kind: 'user';
      readonly id: string;
      readonly name: string;
      readonly role: Role;
      readonly unitId: string;
    }
  /** `rootUnitId`: the township the channel account (a WeChat account, an SMS number) serves. */
  | { readonly kind: 'resident'; readonly id: string; readonly channel: string; readonly rootUnitId?: string };

export interface Reporter {
  readonly name?: string;
  readonly phone?: string;
  readonly openId?: string;
}

/** One field of a form as 补充信息 changed it; `from` or `to` absent: it was, or is now, empty. */
export interface FieldChange {
  readonly code: string;
  readonly from?: FieldValue;
  readonly to?: FieldValue;
}

export interface Location {
  readonly unitId?: string;
  readonly address?: string;
  readonly lat?: number;
  readonly lng?: number;
}

export interface Party {
  readonly name: string;
  readonly role: PartyRole;
  readonly phone?: string;
  readonly idNumber?: string;
  readonly address?: string;
}

export interface Risk {
  readonly level: RiskLevel;
  readonly terms: readonly string[];
  /** Who raised it: matched in the text, flagged by the hotline, or set by a mediator. */
  readonly source: 'text' | 'hotline' | 'mediator';
}

/** The deadlines of the level a case is at. Restarted whenever it moves. */
export interface Clocks {
  readonly startedAt: string;
  /** 签收 deadline; gone once accepted. */
  readonly acceptDueAt?: string;
  readonly acceptRemindAt?: string;
  /** The time each limit is counted in (absent on clocks started before 0.4: the clock). */
  readonly acceptBasis?: TimeBasis;
  readonly resolveBasis?: TimeBasis;
  /** 办结 deadline. */
  readonly resolveDueAt: string;
  readonly resolveRemindAt: string;
  readonly acceptReminded: boolean;
  readonly resolveReminded: boolean;
}

export type EntryReason = 'intake' | 'dispatch' | 'return' | 'reopen' | EscalationReason;

/** One stay of the case at one unit: the basis of per-level statistics. */
export interface Stay {
  readonly level: LevelCode;
  readonly unitId: string;
  readonly enteredAt: string;
  readonly reason: EntryReason;
  readonly acceptedAt?: string;
  readonly leftAt?: string;
}

export interface Session {
  readonly id: string;
  readonly at: string;
  readonly place: string;
  readonly mediators: readonly string[];
  readonly minutes?: string;
}

/** 调解协议书: the fields the 人民调解法 (art. 29) asks for. */
export interface Agreement {
  readonly parties: readonly Party[];
  readonly facts: string;
  readonly terms: readonly string[];
  readonly performance: { readonly method: string; readonly deadline: string };
  readonly signedAt: string;
  readonly mediator: string;
}

/**
 * 履行回访 of the current agreement: the unit is reminded once its 履行
 * deadline has passed and records whether the parties performed it. Kept
 * apart from the agreement (whose text may live only in its event) so the
 * timer can always read it.
 */
export interface PerformanceCheck {
  /** The agreement's 履行 deadline (yyyy-mm-dd, China). */
  readonly deadline: string;
  readonly reminded: boolean;
  /** The last 履行情况 recorded for this agreement. */
  readonly result?: { readonly performance: Performance; readonly note: string; readonly at: string };
}

export interface FollowUp {
  readonly satisfaction: Satisfaction;
  readonly comment?: string;
  readonly at: string;
}

export interface CaseState {
  readonly id: string;
  readonly version: number;
  readonly trackingNo: string;
  readonly trackingCode: string;
  readonly source: string;
  readonly externalId?: string;
  /** What makes a replayed intake the same case: source+externalId or the client's Idempotency-Key. */
  readonly dedupeKey?: string;
  /** API key name or channel that filed the case: an API client reads only its own. */
  readonly filedBy: string;
  readonly center: CenterCode;
  readonly title: string;
  readonly description: string;
  readonly priority: Priority;
  readonly risk?: Risk;
  /** The emergency numbers the resident's words called for, as told to them at intake (紧急求助). */
  readonly emergency?: readonly Signpost[];
  readonly reporter: Reporter;
  readonly location: Location;
  readonly parties: readonly Party[];
  /** The centre's own form (registry `fields`), as filed; absent when none was filled. */
  readonly fields?: FieldValues;
  readonly occurredAt?: string;
  /** Flagged after intake as a possible 重复件 of these cases; a mediator decides whether to merge. */
  readonly possibleRepeatOf?: readonly string[];
  readonly status: CaseStatus;
  readonly level: LevelCode;
  readonly unitId: string;
  readonly originUnitId: string;
  readonly originLevel: LevelCode;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly clocks?: Clocks;
  readonly assignment?: {
    readonly volunteerId: string;
    readonly state: 'offered' | 'accepted';
    readonly byUnitId: string;
  };
  /** 群众点单: the service asked for from the community's menu (absent: an ordinary matter). */
  readonly service?: { readonly code: string; readonly name: string };
  /** Tasks offered to volunteers on this case (社区派单) and taken (党员接单): the 接单率's parts. */
  readonly volunteerTasks?: { readonly offered: number; readonly taken: number };
  /** The volunteer whose task it was when the case was last resolved (党员接单, done). */
  readonly servedBy?: string;
  /** The unit that dispatched the case here, to which a 退回 goes back. */
  readonly dispatchedFrom?: string;
  readonly returns: number;
  readonly escalations: number;
  readonly escalationPending?: {
    readonly reason: EscalationReason;
    readonly note?: string;
    readonly requestedAt: string;
  };
  readonly supervision?: {
    readonly since: string;
    readonly alerts: number;
    readonly nextAlertAt: string;
  };
  readonly extensionRequest?: { readonly reason: string; readonly until: string; readonly requestedAt: string };
  readonly extensionsAtLevel: number;
  readonly stays: readonly Stay[];
  readonly sessions: readonly Session[];
  readonly agreement?: Agreement;
  readonly performanceCheck?: PerformanceCheck;
  readonly acceptedAt?: string;
  readonly resolution?: {
    readonly outcome: Outcome;
    readonly summary: string;
    readonly at: string;
    readonly level: LevelCode;
    readonly unitId: string;
    readonly onTime: boolean;
    /** Who resolved it: they may not record its 回访 themselves. */
    readonly by?: string;
    /** When its 回访 is due (the level above, or the 矛调中心, calls the resident). */
    readonly followUpDueAt?: string;
  };
  /** 督办 ordered by a person (a township officer or a leader), until the case is resolved. */
  readonly supervisionOrder?: {
    readonly note: string;
    /** The date (yyyy-mm-dd, China) by which the unit must report or resolve. */
    readonly until: string;
    readonly at: string;
    readonly by: string;
    readonly byName: string;
    readonly byUnitId: string;
  };
  /** The 回访 of the current resolution; cleared when the case is reopened. */
  readonly followUp?: FollowUp;
  /** Every 回访 ever recorded, oldest first (满意率 counts each one). */
  readonly followUps: readonly Pick<FollowUp, 'satisfaction' | 'at'>[];
  readonly mergedInto?: string;
  /** Cases merged into this one (并单), oldest first. */
  readonly mergedFrom?: readonly string[];
  /** Deliberations (议事厅) whose published result is recorded on the case. */
  readonly deliberations?: readonly string[];
  readonly closedAt?: string;
  /** Files stored on the case, oldest first (at most ATTACHMENT_LIMITS.perCase with those pending). */
  readonly attachments?: readonly Attachment[];
  /** Files asked for (a resident's photo, a hotline's URL) that the media worker has not stored or given up on yet. */
  readonly pendingMedia?: readonly PendingMedia[];
}

interface EventBase {
  readonly seq: number;
  readonly at: string;
  readonly actor: Actor;
}

/** What intake fixes about a case, as the state names it. */
type IntakeFields =
  | 'id'
  | 'trackingNo'
  | 'trackingCode'
  | 'source'
  | 'externalId'
  | 'dedupeKey'
  | 'filedBy'
  | 'center'
  | 'title'
  | 'description'
  | 'priority'
  | 'risk'
  | 'emergency'
  | 'reporter'
  | 'location'
  | 'parties'
  | 'fields'
  | 'occurredAt'
  | 'service'
  | 'unitId'
  | 'level'
  | 'originUnitId'
  | 'originLevel';

export interface ReceivedData extends Pick<CaseState, IntakeFields> {
  /** How the starting unit was found. */
  readonly routing: 'unit' | 'address' | 'dispatch' | 'risk';
  readonly clocks: Clocks;
  /** Files that came with the matter, for the media worker to fetch (a hotline's URLs, a resident's photo). */
  readonly media?: readonly MediaRequest[];
}

/** An `attached` event's data: the file; who and when are the event's. */
export type AttachedData = Omit<Attachment, 'at' | 'by'>;

export interface MoveData {
  readonly fromUnitId: string;
  readonly fromLevel: LevelCode;
  readonly toUnitId: string;
  readonly toLevel: LevelCode;
  readonly clocks: Clocks;
}

type E<T extends string, D> = EventBase & { readonly type: T; readonly data: D };

export type CaseEvent =
  | E<'received', ReceivedData>
  | E<'accepted', { readonly byVolunteer: boolean }>
  | E<'declined', { readonly reason: string }>
  | E<'noted', { readonly visibility: 'internal' | 'public'; readonly text: string }>
  | E<'contacted', { readonly channel: string; readonly summary: string }>
  | E<'dispatched_to_unit', MoveData & { readonly note?: string; readonly reroutesOrigin: boolean }>
  | E<'dispatched_to_volunteer', { readonly volunteerId: string; readonly note?: string }>
  /** The dispatcher took back a task it had given a volunteer (收回): the case is the unit's alone again. */
  | E<'task_recalled', { readonly volunteerId: string; readonly reason: string }>
  /**
   * `reroutesOrigin`: the dispatch this undoes had made the returning unit
   * "where the matter arose", so the matter was mis-routed: it arose where it
   * now goes back to (absent on events before 0.4: no change).
   */
  | E<'returned', MoveData & { readonly reason: string; readonly toParent: boolean; readonly reroutesOrigin?: boolean }>
  | E<'escalation_requested', { readonly reason: EscalationReason; readonly note?: string }>
  | E<'escalated', MoveData & { readonly reason: EscalationReason; readonly note?: string }>
  | E<'reminded', { readonly clock: 'accept' | 'resolve'; readonly dueAt: string }>
  | E<'supervised', { readonly overdueSince: string; readonly alert: number; readonly nextAlertAt: string }>
  | E<'extension_requested', { readonly reason: string; readonly until: string }>
  | E<'extension_decided', { readonly approved: boolean; readonly comment?: string; readonly until?: string }>
  | E<'party_added', Party>
  | E<'session_scheduled', Omit<Session, 'minutes'>>
  | E<'minutes_recorded', { readonly sessionId: string; readonly content: string }>
  | E<'agreement_recorded', Agreement>
  /** The agreement's 履行 deadline passed unchecked: the unit is reminded to check performance. */
  | E<'performance_reminded', { readonly deadline: string }>
  /** 履行情况 recorded; `reopenClocks` when 未履行 reopens a resolved case where it is. */
  | E<
      'performance_recorded',
      { readonly performance: Performance; readonly note: string; readonly deadline: string; readonly reopenClocks?: Clocks }
    >
  | E<'resolved', { readonly outcome: Outcome; readonly summary: string; readonly onTime: boolean; readonly followUpDueAt?: string }>
  | E<'supervision_ordered', { readonly note: string; readonly until: string }>
  /**
   * 议事厅: a deliberation this case was linked to published its result.
   * `resolves`: the result settles the case (it was open), which then stands
   * resolved as by `resolve`, by the person who published (`by`).
   */
  | E<
      'deliberation_recorded',
      {
        readonly deliberationId: string;
        readonly title: string;
        readonly result: string;
        readonly resolves: boolean;
        readonly by: string;
        readonly onTime?: boolean;
        readonly followUpDueAt?: string;
      }
    >
  | E<
      'followed_up',
      {
        readonly satisfaction: Satisfaction;
        readonly comment?: string;
        /** Present when 不满意 reopens the case: its clocks restart where it is until it moves up. */
        readonly reopenClocks?: Clocks;
      }
    >
  /** `unmergedFrom`: reopening a merged case takes it back out of that case. */
  | E<'reopened', { readonly reason: string; readonly clocks: Clocks; readonly unmergedFrom?: string }>
  | E<'merged', { readonly intoCaseId: string }>
  /** The other side of a merge: `fromCaseId` is (being) merged into this case. */
  | E<'absorbed', { readonly fromCaseId: string; readonly by?: string }>
  /** A merge into this case that could not complete, or was undone by reopening the merged case. */
  | E<'absorb_cancelled', { readonly fromCaseId: string; readonly reason: string }>
  | E<'withdrawn', { readonly reason: string }>
  | E<'closed', { readonly reason?: string }>
  | E<'reclassified', { readonly from: CenterCode; readonly to: CenterCode }>
  /** 补充信息: the centre's form filled in or corrected after intake; each field that changed, from what to what (absent: empty). */
  | E<'fields_set', { readonly center: CenterCode; readonly changes: readonly FieldChange[] }>
  | E<'repeats_flagged', { readonly caseIds: readonly string[] }>
  | E<'risk_flagged', { readonly risk: Risk; readonly note?: string; readonly jumpToDispatchLevel: boolean }>
  | E<'located', { readonly location: Location }>
  /** Files a resident sent to an existing case; the media worker fetches them. */
  | E<'media_requested', { readonly media: readonly MediaRequest[] }>
  | E<'attached', AttachedData>
  /** A requested file that could not be stored (not allowed, too big, or the provider kept failing). */
  | E<'media_failed', { readonly ref: string; readonly reason: string; readonly origin?: AttachmentOrigin }>;

export type CaseEventType = CaseEvent['type'];
export type EventOf<T extends CaseEventType> = Extract<CaseEvent, { type: T }>;

/** Leave the current stay and open a new one at the destination. */
function move(
  state: CaseState,
  at: string,
  data: MoveData,
  reason: EntryReason,
): Pick<CaseState, 'level' | 'unitId' | 'clocks' | 'stays' | 'status' | 'extensionsAtLevel' | 'extensionRequest' | 'assignment' | 'supervision'> {
  const stays = state.stays.map((s, i) => (i === state.stays.length - 1 && !s.leftAt ? { ...s, leftAt: at } : s));
  return {
    level: data.toLevel,
    unitId: data.toUnitId,
    clocks: data.clocks,
    stays: [...stays, { level: data.toLevel, unitId: data.toUnitId, enteredAt: at, reason }],
    status: 'pending',
    extensionsAtLevel: 0,
    extensionRequest: undefined,
    assignment: undefined,
    supervision: undefined,
  };
}

function stopAcceptClock(clocks: Clocks): Clocks {
  const { acceptDueAt: _due, acceptRemindAt: _remind, acceptBasis: _basis, ...rest } = clocks;
  return rest;
}

function markAccepted(stays: readonly Stay[], at: string): readonly Stay[] {
  return stays.map((s, i) => (i === stays.length - 1 && !s.acceptedAt ? { ...s, acceptedAt: at } : s));
}

function closeStay(stays: readonly Stay[], at: string): readonly Stay[] {
  return stays.map((s, i) => (i === stays.length - 1 && !s.leftAt ? { ...s, leftAt: at } : s));
}

/** Apply one event. The first event must be `received`. */
export function evolve(state: CaseState | undefined, event: CaseEvent): CaseState {
  if (event.type === 'received') {
    const { routing: _routing, media, ...fields } = event.data;
    const pendingMedia = requested(event.seq, event.at, media);
    return {
      ...fields,
      ...(pendingMedia.length > 0 ? { pendingMedia } : {}),
      version: event.seq,
      status: 'pending',
      createdAt: event.at,
      updatedAt: event.at,
      returns: 0,
      escalations: 0,
      extensionsAtLevel: 0,
      stays: [{ level: fields.level, unitId: fields.unitId, enteredAt: event.at, reason: 'intake' }],
      sessions: [],
      followUps: [],
    };
  }
  if (!state) throw new TypeError(`event ${event.type} before the case was received`);
  const base = { ...state, version: event.seq, updatedAt: event.at };
  switch (event.type) {
    case 'accepted':
      return {
        ...base,
        status: 'in_progress',
        acceptedAt: state.acceptedAt ?? event.at,
        stays: markAccepted(state.stays, event.at),
        clocks: state.clocks && stopAcceptClock(state.clocks),
        assignment:
          event.data.byVolunteer && state.assignment ? { ...state.assignment, state: 'accepted' } : state.assignment,
        ...(event.data.byVolunteer ? { volunteerTasks: tasks(state, 0, 1) } : {}),
      };
    case 'declined':
    case 'task_recalled':
      return { ...base, assignment: undefined };
    case 'noted':
    case 'contacted':
      return base;
    case 'minutes_recorded':
      return {
        ...base,
        sessions: state.sessions.map((s) => (s.id === event.data.sessionId ? { ...s, minutes: event.data.content } : s)),
      };
    case 'dispatched_to_unit':
      return {
        ...base,
        ...move(state, event.at, event.data, 'dispatch'),
        dispatchedFrom: event.data.fromUnitId,
        ...(event.data.reroutesOrigin ? { originUnitId: event.data.toUnitId, originLevel: event.data.toLevel } : {}),
      };
    case 'dispatched_to_volunteer':
      return {
        ...base,
        assignment: { volunteerId: event.data.volunteerId, state: 'offered', byUnitId: state.unitId },
        volunteerTasks: tasks(state, 1, 0),
      };
    case 'returned':
      return {
        ...base,
        ...move(state, event.at, event.data, event.data.toParent ? 'return_limit' : 'return'),
        returns: state.returns + 1,
        dispatchedFrom: undefined,
        escalations: event.data.toParent ? state.escalations + 1 : state.escalations,
        ...(event.data.reroutesOrigin ? { originUnitId: event.data.toUnitId, originLevel: event.data.toLevel } : {}),
      };
    case 'escalation_requested':
      return {
        ...base,
        escalationPending: { reason: event.data.reason, note: event.data.note, requestedAt: event.at },
      };
    case 'escalated':
      return {
        ...base,
        ...move(state, event.at, event.data, event.data.reason),
        escalations: state.escalations + 1,
        escalationPending: undefined,
        dispatchedFrom: undefined,
      };
    case 'reminded':
      return state.clocks
        ? {
            ...base,
            clocks:
              event.data.clock === 'accept'
                ? { ...state.clocks, acceptReminded: true }
                : { ...state.clocks, resolveReminded: true },
          }
        : base;
    case 'supervised':
      return {
        ...base,
        escalationPending: undefined,
        supervision: {
          since: state.supervision?.since ?? event.at,
          alerts: event.data.alert,
          nextAlertAt: event.data.nextAlertAt,
        },
      };
    case 'extension_requested':
      return {
        ...base,
        extensionRequest: { reason: event.data.reason, until: event.data.until, requestedAt: event.at },
      };
    case 'extension_decided': {
      const clocks = state.clocks;
      const until = event.data.until;
      return {
        ...base,
        extensionRequest: undefined,
        extensionsAtLevel: event.data.approved ? state.extensionsAtLevel + 1 : state.extensionsAtLevel,
        clocks:
          event.data.approved && clocks && until
            ? { ...clocks, resolveDueAt: until, resolveRemindAt: until, resolveReminded: true }
            : clocks,
      };
    }
    case 'party_added':
      return { ...base, parties: [...state.parties, event.data] };
    case 'session_scheduled':
      return { ...base, sessions: [...state.sessions, event.data] };
    case 'agreement_recorded':
      return { ...base, agreement: event.data, performanceCheck: { deadline: event.data.performance.deadline, reminded: false } };
    case 'performance_reminded':
      return state.performanceCheck ? { ...base, performanceCheck: { ...state.performanceCheck, reminded: true } } : base;
    case 'performance_recorded': {
      const performanceCheck: PerformanceCheck = {
        deadline: event.data.deadline,
        reminded: state.performanceCheck?.reminded ?? false,
        result: { performance: event.data.performance, note: event.data.note, at: event.at },
      };
      if (!event.data.reopenClocks) return { ...base, performanceCheck };
      // 未履行 after 办结: the unit that holds the case works it again (no escalation: it is theirs to enforce).
      return {
        ...base,
        performanceCheck,
        status: 'pending',
        clocks: event.data.reopenClocks,
        closedAt: undefined,
        followUp: undefined,
        stays: [...state.stays, { level: state.level, unitId: state.unitId, enteredAt: event.at, reason: 'reopen' }],
      };
    }
    case 'resolved':
      return {
        ...base,
        status: 'resolved',
        clocks: undefined,
        escalationPending: undefined,
        supervision: undefined,
        extensionRequest: undefined,
        stays: closeStay(state.stays, event.at),
        resolution: {
          outcome: event.data.outcome,
          summary: event.data.summary,
          at: event.at,
          level: state.level,
          unitId: state.unitId,
          onTime: event.data.onTime,
          by: event.actor.id,
          ...(event.data.followUpDueAt !== undefined ? { followUpDueAt: event.data.followUpDueAt } : {}),
        },
        supervisionOrder: undefined,
        servedBy: state.assignment?.state === 'accepted' ? state.assignment.volunteerId : undefined,
      };
    case 'deliberation_recorded': {
      const recorded = { ...base, deliberations: [...(state.deliberations ?? []), event.data.deliberationId] };
      if (!event.data.resolves) return recorded;
      return {
        ...recorded,
        status: 'resolved',
        clocks: undefined,
        escalationPending: undefined,
        supervision: undefined,
        extensionRequest: undefined,
        stays: closeStay(state.stays, event.at),
        resolution: {
          outcome: 'resolved',
          summary: deliberationSummary(event.data.title, event.data.result),
          at: event.at,
          level: state.level,
          unitId: state.unitId,
          onTime: event.data.onTime ?? true,
          by: event.data.by,
          ...(event.data.followUpDueAt !== undefined ? { followUpDueAt: event.data.followUpDueAt } : {}),
        },
        supervisionOrder: undefined,
      };
    }
    case 'supervision_ordered':
      return {
        ...base,
        supervisionOrder: {
          note: event.data.note,
          until: event.data.until,
          at: event.at,
          by: event.actor.id,
          byName: event.actor.kind === 'user' ? event.actor.name : event.actor.id,
          byUnitId: event.actor.kind === 'user' ? event.actor.unitId : '',
        },
      };
    case 'followed_up':
      return {
        ...base,
        followUps: [...state.followUps, { satisfaction: event.data.satisfaction, at: event.at }],
        ...(event.data.reopenClocks
          ? {
              // Open again: there is no current satisfaction until the next resolution is followed up.
              followUp: undefined,
              status: 'pending' as const,
              clocks: event.data.reopenClocks,
              // The case is worked again; the escalation worker moves it up.
              escalationPending: { reason: 'dissatisfied' as const, requestedAt: event.at },
              stays: [
                ...state.stays,
                { level: state.level, unitId: state.unitId, enteredAt: event.at, reason: 'reopen' as const },
              ],
              closedAt: undefined,
            }
          : { followUp: { satisfaction: event.data.satisfaction, comment: event.data.comment, at: event.at } }),
      };
    case 'reopened':
      return {
        ...base,
        status: 'pending',
        clocks: event.data.clocks,
        closedAt: undefined,
        followUp: undefined,
        mergedInto: undefined,
        stays: [...state.stays, { level: state.level, unitId: state.unitId, enteredAt: event.at, reason: 'reopen' }],
      };
    case 'merged':
      return {
        ...base,
        status: 'merged',
        mergedInto: event.data.intoCaseId,
        clocks: undefined,
        supervisionOrder: undefined,
        escalationPending: undefined,
        supervision: undefined,
        extensionRequest: undefined,
        stays: closeStay(state.stays, event.at),
        closedAt: event.at,
      };
    case 'absorbed':
      return state.mergedFrom?.includes(event.data.fromCaseId)
        ? base
        : { ...base, mergedFrom: [...(state.mergedFrom ?? []), event.data.fromCaseId] };
    case 'absorb_cancelled': {
      const rest = (state.mergedFrom ?? []).filter((id) => id !== event.data.fromCaseId);
      return { ...base, mergedFrom: rest.length > 0 ? rest : undefined };
    }
    case 'withdrawn':
      return {
        ...base,
        status: 'withdrawn',
        clocks: undefined,
        supervisionOrder: undefined,
        escalationPending: undefined,
        supervision: undefined,
        extensionRequest: undefined,
        stays: closeStay(state.stays, event.at),
        closedAt: event.at,
      };
    case 'closed':
      return { ...base, status: 'closed', closedAt: event.at };
    case 'reclassified':
      return { ...base, center: event.data.to };
    case 'fields_set': {
      const fields: Record<string, FieldValue> = { ...state.fields };
      for (const c of event.data.changes) {
        if (c.to === undefined) delete fields[c.code];
        else fields[c.code] = c.to;
      }
      return { ...base, fields: Object.keys(fields).length > 0 ? fields : undefined };
    }
    case 'repeats_flagged':
      return { ...base, possibleRepeatOf: event.data.caseIds };
    case 'risk_flagged':
      return {
        ...base,
        risk: event.data.risk,
        escalationPending: event.data.jumpToDispatchLevel
          ? { reason: 'risk', note: event.data.note, requestedAt: event.at }
          : state.escalationPending,
      };
    case 'located':
      return { ...base, location: { ...state.location, ...event.data.location } };
    case 'media_requested':
      return { ...base, pendingMedia: [...(state.pendingMedia ?? []), ...requested(event.seq, event.at, event.data.media)] };
    case 'attached': {
      const attachment: Attachment = { ...event.data, at: event.at, by: actorLabel(event.actor) };
      return { ...base, attachments: [...(state.attachments ?? []), attachment], ...settled(state, event.data.ref) };
    }
    case 'media_failed':
      return { ...base, ...settled(state, event.data.ref) };
  }
}

function tasks(state: CaseState, offered: number, taken: number): CaseState['volunteerTasks'] {
  const was = state.volunteerTasks ?? { offered: 0, taken: 0 };
  return { offered: was.offered + offered, taken: was.taken + taken };
}

function requested(seq: number, at: string, media: readonly MediaRequest[] | undefined): PendingMedia[] {
  return (media ?? []).map((_, i) => ({ ref: mediaRef(seq, i), requestedAt: at }));
}

/** A pending file settled (stored or given up): it leaves the list, which goes when empty. */
function settled(state: CaseState, ref: string | undefined): Pick<CaseState, 'pendingMedia'> {
  if (ref === undefined) return { pendingMedia: state.pendingMedia };
  const rest = (state.pendingMedia ?? []).filter((p) => p.ref !== ref);
  return { pendingMedia: rest.length > 0 ? rest : undefined };
}

/** Who added a file, as the case page names them. */
export function actorLabel(actor: Actor): string {
  return actor.kind === 'user' ? actor.name : actor.kind === 'client' ? actor.id : actor.kind === 'resident' ? `resident:${actor.channel}` : actor.id;
}

export function fold(events: readonly CaseEvent[], from?: CaseState): CaseState | undefined {
  return events.reduce<CaseState | undefined>(evolve, from);
}

/** How a case resolved by a deliberation states its resolution. */
export function deliberationSummary(title: string, result: string): string {
  return `经议事协商（${title}）议定：${result}`;
}
