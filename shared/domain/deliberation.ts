/**
 * 议事厅: a matter many residents share (议题) is put to a meeting (湾子会,
 * 屋场夜话, 7点议事厅, 议事亭, 一线协商); the meeting's minutes and agreed
 * decisions (共识), each with an owner and a due date, are followed up like a
 * case, and the result is published (公示) to the linked cases' residents and
 * on the unit's public page. Pure like decide.ts: `decideTopic(state, command,
 * ctx)` yields an event or a DomainError value; `evolveTopic` folds it.
 */
import type { Actor } from './case.ts';
import { Forbidden, InvalidTransition, NotFound, ValidationFailed, type DomainError } from './errors.ts';
import type { Notification } from './notifications.ts';
import type { UnitTree } from './units.ts';

export const MEETING_KINDS = [
  { code: 'wanzi', name: '湾子会' },
  { code: 'wuchang', name: '屋场夜话' },
  { code: 'seven', name: '7点议事厅' },
  { code: 'pavilion', name: '议事亭' },
  { code: 'frontline', name: '一线协商' },
] as const;
export type MeetingKind = (typeof MEETING_KINDS)[number]['code'];
export const MEETING_KIND_CODES = MEETING_KINDS.map((k) => k.code) as [MeetingKind, ...MeetingKind[]];

/** Who sits at the table: residents, 联户长, 两代表一委员 (deputies and CPPCC members), party members. */
export const PARTICIPANT_ROLES = [
  { code: 'resident', name: '居民' },
  { code: 'liaison', name: '联户长' },
  { code: 'deputy', name: '两代表一委员' },
  { code: 'party_member', name: '党员' },
  { code: 'cadre', name: '村（社区）干部' },
] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number]['code'];
export const PARTICIPANT_ROLE_CODES = PARTICIPANT_ROLES.map((r) => r.code) as [ParticipantRole, ...ParticipantRole[]];

export const TOPIC_SOURCES = [
  { code: 'mediator', name: '调解员提出' },
  { code: 'liaison', name: '联户长提出' },
  { code: 'cases', name: '由诉求汇集' },
] as const;
export type TopicSource = (typeof TOPIC_SOURCES)[number]['code'];

export const TOPIC_STATUSES = [
  { code: 'raised', name: '待议' },
  { code: 'scheduled', name: '已排会' },
  { code: 'held', name: '已议' },
  { code: 'published', name: '已公示' },
  { code: 'done', name: '已落实' },
  { code: 'cancelled', name: '已撤销' },
] as const;
export type TopicStatus = (typeof TOPIC_STATUSES)[number]['code'];

/** Bounds that keep a topic one DynamoDB item whatever is typed into it. */
export const TOPIC_LIMITS = {
  cases: 50,
  participants: 200,
  decisions: 20,
  minutes: 8000,
  text: 2000,
  events: 200,
} as const;

export interface Participant {
  readonly name: string;
  readonly role: ParticipantRole;
}

export interface Meeting {
  readonly kind: MeetingKind;
  readonly at: string;
  readonly place: string;
  readonly host: string;
}

export interface DecisionItem {
  readonly id: string;
  readonly text: string;
  /** Who answers for it (a person or a unit's name). */
  readonly owner: string;
  /** yyyy-mm-dd, China: the day by which it is to be done. */
  readonly dueDate: string;
  /** A practical thing for residents (实事), counted apart in the statistics. */
  readonly practical: boolean;
  readonly status: 'open' | 'done';
  readonly doneAt?: string;
  readonly doneNote?: string;
  /** Set when the sweeper found it past its day. */
  readonly remindedAt?: string;
}

export interface TopicState {
  readonly id: string;
  readonly version: number;
  readonly unitId: string;
  readonly title: string;
  readonly description: string;
  readonly source: TopicSource;
  readonly caseIds: readonly string[];
  readonly status: TopicStatus;
  readonly raisedBy: string;
  readonly createdAt: string;
  readonly meeting?: Meeting;
  readonly heldAt?: string;
  readonly participants: readonly Participant[];
  readonly minutes?: string;
  readonly decisions: readonly DecisionItem[];
  readonly publication?: { readonly at: string; readonly result: string; readonly resolvesCases: boolean; readonly by: string };
  readonly cancelled?: { readonly at: string; readonly reason: string };
  readonly doneAt?: string;
}

type E<T extends string, D> = { readonly type: T; readonly seq: number; readonly at: string; readonly actor: Actor; readonly data: D };

export type TopicEvent =
  | E<'raised', { readonly id: string; readonly unitId: string; readonly title: string; readonly description: string; readonly source: TopicSource; readonly caseIds: readonly string[] }>
  | E<'cases_linked', { readonly caseIds: readonly string[] }>
  | E<'scheduled', Meeting>
  | E<'held', { readonly participants: readonly Participant[]; readonly minutes: string }>
  | E<'agreed', { readonly decisions: readonly Omit<DecisionItem, 'status'>[] }>
  | E<'published', { readonly result: string; readonly resolvesCases: boolean }>
  | E<'decision_done', { readonly decisionId: string; readonly note: string }>
  | E<'decision_reminded', { readonly decisionId: string }>
  | E<'cancelled', { readonly reason: string }>;
export type TopicEventType = TopicEvent['type'];

/** A linked case as the actor raising or linking sees it (undefined: it does not exist for them). */
export interface LinkedCase {
  readonly id: string;
  readonly unitId: string;
  readonly status: string;
}

export type TopicCommand =
  | {
      readonly type: 'raise';
      readonly id: string;
      readonly unitId: string;
      readonly title: string;
      readonly description: string;
      readonly caseIds: readonly string[];
      /** The cases named, as the actor sees them (same order; undefined where unseen). */
      readonly cases: readonly (LinkedCase | undefined)[];
    }
  | { readonly type: 'link_cases'; readonly caseIds: readonly string[]; readonly cases: readonly (LinkedCase | undefined)[] }
  | { readonly type: 'schedule'; readonly meeting: Meeting }
  | { readonly type: 'hold'; readonly participants: readonly Participant[]; readonly minutes: string }
  | { readonly type: 'agree'; readonly decisions: readonly Omit<DecisionItem, 'status' | 'id'>[]; readonly ids: readonly string[] }
  | { readonly type: 'publish'; readonly result: string; readonly resolvesCases: boolean }
  | { readonly type: 'complete_decision'; readonly decisionId: string; readonly note: string }
  | { readonly type: 'remind'; readonly decisionId: string }
  | { readonly type: 'cancel'; readonly reason: string };
export type TopicCommandType = TopicCommand['type'];

export interface TopicContext {
  readonly now: Date;
  readonly actor: Actor;
  readonly units: UnitTree;
  /** Today in China (yyyy-mm-dd): a due date is from today on. */
  readonly today: string;
}

export type TopicDecision = { readonly ok: true; readonly event: TopicEvent } | { readonly ok: false; readonly error: DomainError };

/** Roles that convene and record meetings; a 联户长 raises topics at their building, leaders only read. */
const CONVENERS = new Set(['liaison', 'mediator', 'officer', 'admin']);

type Draft = { [K in TopicEventType]: { type: K; data: Extract<TopicEvent, { type: K }>['data'] } }[TopicEventType];
type CommandOf<T extends TopicCommandType> = Extract<TopicCommand, { type: T }>;

const invalid = (message: string): TopicDecision => ({ ok: false, error: new InvalidTransition(message) });
const invalidInput = (path: string, message: string): TopicDecision => ({ ok: false, error: new ValidationFailed(message, [{ path, message }]) });

/** A topic exists for a user within their unit's subtree (elsewhere: NotFound, so existence is not leaked). */
export function canReadTopic(actor: Actor, topic: Pick<TopicState, 'unitId'>, units: UnitTree): boolean {
  if (actor.kind === 'system') return true;
  if (actor.kind !== 'user' || actor.role === 'volunteer') return false;
  return units.isWithin(topic.unitId, actor.unitId);
}

function authorizeTopic(actor: Actor, state: TopicState | undefined, command: TopicCommand, units: UnitTree): DomainError | undefined {
  if (actor.kind === 'system') return command.type === 'remind' ? undefined : new Forbidden(`the system does not ${command.type}`);
  if (command.type === 'remind') return new Forbidden('only the sweeper reminds');
  if (actor.kind !== 'user') return new Forbidden('only staff run deliberations');
  const unitId = command.type === 'raise' ? command.unitId : state?.unitId;
  if (unitId === undefined) return new NotFound('no such topic');
  if (!units.isWithin(unitId, actor.unitId)) {
    if (command.type !== 'raise') return new NotFound('no such topic');
    const message = `"${unitId}" 不是你的单位或下级单位`;
    return new ValidationFailed(message, [{ path: 'unitId', message }]);
  }
  if (!CONVENERS.has(actor.role)) return new Forbidden('你的角色不能发起或主持议事');
  return undefined;
}

const OPEN = new Set<TopicStatus>(['raised', 'scheduled', 'held']);

export function decideTopic(state: TopicState | undefined, command: TopicCommand, ctx: TopicContext): TopicDecision {
  const denied = authorizeTopic(ctx.actor, state, command, ctx.units);
  if (denied) return { ok: false, error: denied };
  if (command.type === 'raise') {
    if (state) return invalid('the topic already exists');
    return commit(undefined, raise(command, ctx), ctx);
  }
  if (!state) return { ok: false, error: new NotFound('no such topic') };
  if (ctx.actor.kind !== 'system' && state.version >= TOPIC_LIMITS.events) return invalid(`a topic has at most ${TOPIC_LIMITS.events} entries`);
  return commit(state, RULES[command.type](state, command as never, ctx), ctx);
}

function commit(state: TopicState | undefined, outcome: Draft | TopicDecision, ctx: TopicContext): TopicDecision {
  if ('ok' in outcome) return outcome;
  return { ok: true, event: { ...outcome, seq: (state?.version ?? 0) + 1, at: ctx.now.toISOString(), actor: ctx.actor } as TopicEvent };
}

/** Cases named for a topic: distinct, each readable by the actor and still open, under the topic's unit. */
function checkCases(ids: readonly string[], cases: readonly (LinkedCase | undefined)[], unitId: string, already: readonly string[], ctx: TopicContext): TopicDecision | undefined {
  if (new Set(ids).size !== ids.length) return invalidInput('caseIds', '同一诉求不能重复关联');
  if (already.length + ids.length > TOPIC_LIMITS.cases) return invalidInput('caseIds', `一个议题最多关联 ${TOPIC_LIMITS.cases} 件诉求`);
  for (const [i, id] of ids.entries()) {
    const c = cases[i];
    if (!c || c.id !== id) return invalidInput(`caseIds.${i}`, `没有诉求 ${id}`);
    if (already.includes(id)) return invalidInput(`caseIds.${i}`, `诉求 ${id} 已关联本议题`);
    if (c.status !== 'pending' && c.status !== 'in_progress') return invalidInput(`caseIds.${i}`, `诉求 ${id} 已不在办理中`);
    // The meeting settles for its unit: the case must lie under it (its residents are the unit's).
    if (!ctx.units.isWithin(c.unitId, unitId)) return invalidInput(`caseIds.${i}`, `诉求 ${id} 不在本议题的单位之下`);
  }
  return undefined;
}

function raise(c: CommandOf<'raise'>, ctx: TopicContext): Draft | TopicDecision {
  if (!ctx.units.get(c.unitId)) return invalidInput('unitId', `没有单位 "${c.unitId}"`);
  const bad = checkCases(c.caseIds, c.cases, c.unitId, [], ctx);
  if (bad) return bad;
  const role = ctx.actor.kind === 'user' ? ctx.actor.role : '';
  const source: TopicSource = c.caseIds.length > 0 ? 'cases' : role === 'liaison' ? 'liaison' : 'mediator';
  return { type: 'raised', data: { id: c.id, unitId: c.unitId, title: c.title, description: c.description, source, caseIds: c.caseIds } };
}

type Rule<T extends TopicCommandType> = (state: TopicState, c: CommandOf<T>, ctx: TopicContext) => Draft | TopicDecision;

const RULES: { [T in Exclude<TopicCommandType, 'raise'>]: Rule<T> } = {
  link_cases(state, c, ctx) {
    if (!OPEN.has(state.status)) return invalid(`议题${statusName(state.status)}，不能再关联诉求`);
    if (c.caseIds.length === 0) return invalidInput('caseIds', '至少关联一件诉求');
    return checkCases(c.caseIds, c.cases, state.unitId, state.caseIds, ctx) ?? { type: 'cases_linked', data: { caseIds: c.caseIds } };
  },

  schedule(state, c) {
    if (state.status !== 'raised' && state.status !== 'scheduled') return invalid(`议题${statusName(state.status)}，不能再排会`);
    // Kept as UTC, so that times compare as text whatever offset they came with.
    const at = new Date(c.meeting.at);
    if (Number.isNaN(at.getTime())) return invalidInput('meeting.at', '会议时间格式不正确');
    return { type: 'scheduled', data: { ...c.meeting, at: at.toISOString() } };
  },

  hold(state, c, ctx) {
    if (state.status !== 'scheduled') return invalid(state.status === 'raised' ? '请先排定会议' : `议题${statusName(state.status)}，不能再记录会议`);
    if (state.meeting && state.meeting.at > ctx.now.toISOString()) return invalid('会议时间未到，不能记录会议');
    if (c.participants.length === 0) return invalidInput('participants', '至少有一名参会人');
    return { type: 'held', data: { participants: c.participants, minutes: c.minutes } };
  },

  agree(state, c, ctx) {
    if (state.status !== 'held') return invalid(state.status === 'published' || state.status === 'done' ? '议题已公示，共识不能再改' : '请先记录会议');
    if (c.decisions.length === 0) return invalidInput('decisions', '至少一项共识');
    if (state.decisions.length + c.decisions.length > TOPIC_LIMITS.decisions) return invalidInput('decisions', `一个议题最多 ${TOPIC_LIMITS.decisions} 项共识`);
    for (const [i, d] of c.decisions.entries()) {
      if (d.dueDate < ctx.today) return invalidInput(`decisions.${i}.dueDate`, '完成期限不能早于今天');
    }
    return { type: 'agreed', data: { decisions: c.decisions.map((d, i) => ({ ...d, id: c.ids[i] ?? `d${state.decisions.length + i + 1}` })) } };
  },

  publish(state, c) {
    if (state.status !== 'held') return invalid(state.status === 'published' || state.status === 'done' ? '议题已公示' : '请先记录会议');
    if (state.decisions.length === 0) return invalid('公示前请先录入共识');
    if (c.resolvesCases && state.caseIds.length === 0) return invalidInput('resolvesCases', '本议题没有关联的诉求');
    return { type: 'published', data: { result: c.result, resolvesCases: c.resolvesCases } };
  },

  complete_decision(state, c) {
    if (state.status !== 'published') return invalid(state.status === 'done' ? '共识均已落实' : '公示后再落实共识');
    const d = state.decisions.find((x) => x.id === c.decisionId);
    if (!d) return invalidInput('decisionId', '没有这项共识');
    if (d.status === 'done') return invalid('这项共识已落实');
    return { type: 'decision_done', data: { decisionId: c.decisionId, note: c.note } };
  },

  remind(state, c, ctx) {
    const due = overdueDecisions(state, ctx.today);
    if (!due.some((d) => d.id === c.decisionId)) return invalid('no reminder is due');
    return { type: 'decision_reminded', data: { decisionId: c.decisionId } };
  },

  cancel(state, c) {
    if (!OPEN.has(state.status)) return invalid(`议题${statusName(state.status)}，不能撤销`);
    return { type: 'cancelled', data: { reason: c.reason } };
  },
};

export function statusName(status: TopicStatus): string {
  return TOPIC_STATUSES.find((s) => s.code === status)?.name ?? status;
}

export function evolveTopic(state: TopicState | undefined, event: TopicEvent): TopicState {
  if (event.type === 'raised') {
    return {
      ...event.data,
      version: event.seq,
      status: 'raised',
      raisedBy: event.actor.id,
      createdAt: event.at,
      participants: [],
      decisions: [],
    };
  }
  if (!state) throw new Error(`topic event ${event.type} before it was raised`);
  const base = { ...state, version: event.seq };
  switch (event.type) {
    case 'cases_linked':
      return { ...base, caseIds: [...state.caseIds, ...event.data.caseIds] };
    case 'scheduled':
      return { ...base, status: 'scheduled', meeting: event.data };
    case 'held':
      return { ...base, status: 'held', heldAt: event.at, participants: event.data.participants, minutes: event.data.minutes };
    case 'agreed':
      return { ...base, decisions: [...state.decisions, ...event.data.decisions.map((d) => ({ ...d, status: 'open' as const }))] };
    case 'published':
      return { ...base, status: 'published', publication: { at: event.at, result: event.data.result, resolvesCases: event.data.resolvesCases, by: event.actor.id } };
    case 'decision_done': {
      const decisions = state.decisions.map((d) => (d.id === event.data.decisionId ? { ...d, status: 'done' as const, doneAt: event.at, doneNote: event.data.note } : d));
      const all = decisions.every((d) => d.status === 'done');
      return { ...base, decisions, ...(all ? { status: 'done' as const, doneAt: event.at } : {}) };
    }
    case 'decision_reminded':
      return { ...base, decisions: state.decisions.map((d) => (d.id === event.data.decisionId ? { ...d, remindedAt: event.at } : d)) };
    case 'cancelled':
      return { ...base, status: 'cancelled', cancelled: { at: event.at, reason: event.data.reason } };
  }
}

export function foldTopic(events: readonly TopicEvent[]): TopicState | undefined {
  return events.reduce<TopicState | undefined>(evolveTopic, undefined);
}

/** Decisions past their day and not yet reminded: what the sweeper acts on. */
export function overdueDecisions(state: TopicState, today: string): DecisionItem[] {
  if (state.status !== 'published') return [];
  return state.decisions.filter((d) => d.status === 'open' && d.dueDate < today && d.remindedAt === undefined);
}

/** The next day (yyyy-mm-dd) on which a decision of this topic becomes overdue, for the due index; undefined when none can. */
export function nextTopicDue(state: TopicState): string | undefined {
  const open = overdueCandidates(state);
  return open.length === 0 ? undefined : open.map((d) => d.dueDate).sort()[0];
}

function overdueCandidates(state: TopicState): DecisionItem[] {
  return state.status === 'published' ? state.decisions.filter((d) => d.status === 'open' && d.remindedAt === undefined) : [];
}

/**
 * Who is told of a topic's event: a decision past its day goes to the
 * topic's unit (its contacts, as a case's 催办 does) — its owner is free
 * text, so the unit that convened the meeting answers for the follow-up.
 */
export function topicNotificationsFor(event: TopicEvent, state: TopicState): Notification[] {
  if (event.type !== 'decision_reminded') return [];
  const d = state.decisions.find((x) => x.id === event.data.decisionId);
  if (!d || d.status === 'done') return [];
  return [
    {
      recipient: { kind: 'unit', unitId: state.unitId },
      topic: 'decision_reminder',
      text: `【矛调通】共识催办：议题"${state.title}"的共识"${d.text}"（责任人：${d.owner}）应于${d.dueDate}前落实，现已逾期，请跟进并在议事厅登记落实情况。`,
    },
  ];
}

/** Statistics of topics (per unit and period: the caller picks the topics). */
export interface DeliberationStats {
  /** Meetings held (会议召开). */
  readonly meetings: number;
  /** People who took part, summed over meetings. */
  readonly participants: number;
  /** Matters settled: published topics (议定事项). */
  readonly settled: number;
  /** Linked cases the published results resolved. */
  readonly casesResolved: number;
  /** 实事: practical decisions done. */
  readonly practicalDone: number;
  readonly decisionsOpen: number;
  readonly decisionsOverdue: number;
}

/** Figures over topics, each counted in the period [from, to] (ISO instants) by when it happened. */
export function deliberationStats(topics: readonly TopicState[], from: string, to: string, today: string): DeliberationStats {
  const within = (at: string | undefined) => at !== undefined && at >= from && at <= to;
  let meetings = 0;
  let participants = 0;
  let settled = 0;
  let casesResolved = 0;
  let practicalDone = 0;
  let decisionsOpen = 0;
  let decisionsOverdue = 0;
  for (const t of topics) {
    if (within(t.heldAt)) {
      meetings += 1;
      participants += t.participants.length;
    }
    if (within(t.publication?.at)) {
      settled += 1;
      if (t.publication?.resolvesCases) casesResolved += t.caseIds.length;
    }
    for (const d of t.decisions) {
      if (d.status === 'done' && d.practical && within(d.doneAt)) practicalDone += 1;
      if (d.status === 'open' && t.status === 'published') {
        decisionsOpen += 1;
        if (d.dueDate < today) decisionsOverdue += 1;
      }
    }
  }
  return { meetings, participants, settled, casesResolved, practicalDone, decisionsOpen, decisionsOverdue };
}
