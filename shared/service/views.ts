/**
 * What each audience sees of a case, through the one privacy policy of
 * shared/domain/privacy.ts: every view here asks it which personal fields to
 * show, masked, or leave out.
 */
import {
  CENTERS,
  DISPATCH_LEVEL,
  label,
  levelRank,
  SATISFACTIONS,
  STATUSES,
  chinaTime,
  currentDueAt,
  protectAddress,
  protectCase,
  protectHousehold,
  protectReporter,
  protectEvent,
  protectText,
  protectTopic,
  protectVolunteerPhone,
  rulesFor,
  VOLUNTEER_KINDS,
  type Registration,
  shownBy,
  type Audience,
  type CaseEvent,
  type CaseState,
  type Household,
  type LevelCode,
  type Reporter,
  type UnitTree,
  type View,
  type Attachment,
  type TopicEvent,
  type TopicState,
  visibleAttachments,
} from '../domain/index.ts';
import type { OutboxEntry } from '../store/outbox.ts';
import type { AuditEntry } from '../store/audit.ts';
import type { RequestView } from '../channels/open311.ts';

const nameOf = (list: readonly { code: string; name: string }[], code: string) =>
  list.find((x) => x.code === code)?.name ?? code;

/** Who reads, through which view, and whether they asked to see the `reveal` fields (`?reveal=personal`). */
export interface Viewer {
  readonly view: Extract<View, 'case' | 'list' | 'client' | 'receipt'>;
  readonly audience: Audience;
  readonly reveal?: boolean;
}

/** A level's name as the unit holding the case says it (村 in a village, 社区 in a city). */
function levelName(level: LevelCode, unitId: string, units: UnitTree): string {
  return label(units.get(unitId)?.branchKind, level);
}

/**
 * Where the matter arose, from its 村 (社区) down, each level named as its
 * branch names it (村：关庙山村 · 小组：一组 · 湾落：王家湾): the 调解协议书's 纠纷发生地.
 */
function placeOf(unitId: string, units: UnitTree): { unitId: string; level: LevelCode; levelName: string; name: string }[] {
  const out: { unitId: string; level: LevelCode; levelName: string; name: string }[] = [];
  for (let u = units.get(unitId); u && levelRank(u.level) <= levelRank(DISPATCH_LEVEL); u = units.parent(u.id)) {
    out.unshift({ unitId: u.id, level: u.level, levelName: label(u.branchKind, u.level), name: u.name });
  }
  return out;
}

export function caseView(state: CaseState, units: UnitTree, viewer: Viewer) {
  const r = rulesFor(viewer.view, viewer.audience);
  const c = protectCase(state, shownBy(r, viewer.reveal === true));
  return {
    id: c.id,
    version: c.version,
    trackingNo: c.trackingNo,
    ...('trackingCode' in c ? { trackingCode: c.trackingCode } : {}),
    status: c.status,
    statusName: nameOf(STATUSES, c.status),
    source: c.source,
    externalId: c.externalId,
    center: c.center,
    centerName: nameOf(CENTERS, c.center),
    title: c.title,
    description: c.description,
    priority: c.priority,
    risk: c.risk,
    emergency: c.emergency,
    level: c.level,
    levelName: levelName(c.level, c.unitId, units),
    unitId: c.unitId,
    unitName: units.get(c.unitId)?.fullName,
    originUnitId: c.originUnitId,
    originLevel: c.originLevel,
    place: placeOf(c.originUnitId, units),
    dueAt: currentDueAt(state),
    acceptDueAt: c.clocks?.acceptDueAt,
    resolveDueAt: c.clocks?.resolveDueAt,
    reporter: c.reporter,
    location: c.location,
    parties: c.parties,
    /** The centre's form as filed, personal fields as the policy says (a list and an export never hold them). */
    fields: c.fields ?? {},
    occurredAt: c.occurredAt,
    possibleRepeatOf: c.possibleRepeatOf,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    acceptedAt: c.acceptedAt,
    assignment: c.assignment,
    service: c.service,
    servedBy: c.servedBy,
    volunteerTasks: c.volunteerTasks,
    dispatchedFrom: c.dispatchedFrom,
    escalations: c.escalations,
    returns: c.returns,
    escalationPending: c.escalationPending,
    supervision: c.supervision,
    extensionRequest: c.extensionRequest,
    extensionsAtLevel: c.extensionsAtLevel,
    supervisionOrder: c.supervisionOrder,
    sessions: c.sessions,
    agreement: c.agreement,
    performanceCheck: c.performanceCheck,
    resolution: c.resolution,
    followUp: c.followUp,
    mergedInto: c.mergedInto,
    mergedFrom: c.mergedFrom,
    closedAt: c.closedAt,
    /** Files the view lists (their content only through /attachments, audited). */
    attachments: c.attachments ?? [],
    /** Files asked for that are still being fetched. */
    pendingAttachments: c.pendingMedia?.length ?? 0,
    /** Whether the fields this view shows only on request are shown in full (`?reveal=personal`). */
    revealed: viewer.reveal === true && Object.values(r).includes('reveal'),
  };
}

/** A case's timeline as `audience` sees it: events the view hides are left out, personal fields as the policy says. */
export function timelineView(events: readonly CaseEvent[], audience: Audience) {
  const shown = shownBy(rulesFor('timeline', audience), false);
  return events.flatMap((e) => {
    const visible = protectEvent(e, shown);
    return visible ? [eventView(visible)] : [];
  });
}

function eventView(event: CaseEvent) {
  const actor =
    event.actor.kind === 'user'
      ? { kind: 'user', id: event.actor.id, name: event.actor.name, role: event.actor.role, unitId: event.actor.unitId }
      : { kind: event.actor.kind, id: event.actor.id };
  return { seq: event.seq, type: event.type, at: event.at, actor, data: event.data };
}

/** A 报到 (or a roster row, which carries one) as the roster view shows it to `audience`: the phone as the policy says. */
export function registrationView(reg: Registration, units: UnitTree, audience: Audience) {
  const { phone, ...rest } = reg;
  const shown = protectVolunteerPhone(phone, shownBy(rulesFor('roster', audience), false));
  return {
    ...rest,
    ...(shown !== undefined ? { phone: shown } : {}),
    kindName: nameOf(VOLUNTEER_KINDS, reg.kind),
    communityName: units.get(reg.communityId)?.fullName,
    unitName: units.get(reg.unitId)?.fullName,
  };
}

/** A message in 通知记录: names, phones and openIds masked (a resident's or anyone's), codes never shown. */
export function outboxView(entry: OutboxEntry, audience: Audience) {
  const shown = shownBy(rulesFor('outbox', audience), false);
  const { to, text, recipientName, ...rest } = entry;
  return {
    ...rest,
    to: protectAddress(to, entry.channel, shown) ?? '',
    recipientName: protectReporter({ name: recipientName }, shown).name ?? '',
    text: protectText(text, shown),
  };
}

/** An entry of a case's 查阅记录; a searched phone was stored masked already and stays so. */
export function auditView(entry: AuditEntry, audience: Audience) {
  const shown = shownBy(rulesFor('audit', audience), false);
  const { phone, ...rest } = entry;
  return { ...rest, ...(phone !== undefined && shown.reporterPhone !== 'hidden' ? { phone } : {}) };
}

/** A household of a roster as `audience` sees it (`reveal`: the request asked for the phone, and is audited). */
export function householdView(household: Household, audience: Audience, reveal = false) {
  return protectHousehold(household, shownBy(rulesFor('household', audience), reveal));
}

/** A file as the resident's page lists it: what it is, not who on the staff added it. */
function residentFile(a: Attachment) {
  return { id: a.id, kind: a.kind, mediaType: a.mediaType, name: a.name, size: a.size, caption: a.caption, at: a.at };
}

/** A presigned URL to a stored file, and until when it works. */
export interface FileLink {
  readonly url: string;
  readonly expiresAt: string;
}
export type Signer = (caseId: string, attachment: Attachment) => Promise<FileLink>;

/**
 * The files `audience` may have the content of (the privacy policy's
 * `attachment` view), each with a short-lived URL; `only` narrows to one
 * file. The caller records one audit entry naming them.
 */
export async function attachmentsView(state: CaseState, audience: Audience, sign: Signer, only?: string) {
  const shown = shownBy(rulesFor('attachment', audience), false);
  const files = visibleAttachments(state.attachments, shown).filter((a) => only === undefined || a.id === only);
  const resident = audience === 'public';
  return Promise.all(files.map(async (a) => ({ ...(resident ? residentFile(a) : a), ...(await sign(state.id, a)) })));
}

/** One line of the resident's own timeline, in plain Chinese. */
function publicLine(event: CaseEvent, units: UnitTree): string | undefined {
  // The whole path (和平街道 幸福社区 阳光小区 1栋): "1栋" alone does not say which compound.
  const unitName = (id: string) => units.get(id)?.fullName ?? '';
  switch (event.type) {
    case 'received':
      return `诉求已受理，由${unitName(event.data.unitId)}办理`;
    case 'accepted':
      return '工作人员已签收，正在办理';
    case 'dispatched_to_unit':
      return `已派至${unitName(event.data.toUnitId)}办理`;
    case 'returned':
    case 'escalated':
      return `已转至${unitName(event.data.toUnitId)}办理`;
    case 'noted':
      if (event.actor.kind === 'resident') return `您补充：${event.data.text}`;
      return event.data.visibility === 'public' ? `答复：${event.data.text}` : undefined;
    case 'extension_decided':
      return event.data.approved && event.data.until ? `办理期限已延长至 ${chinaTime(event.data.until)}` : undefined;
    case 'resolved':
      return `已办结：${event.data.summary}`;
    case 'deliberation_recorded':
      return `议事协商（${event.data.title}）结果公示：${event.data.result}${event.data.resolves ? '。诉求已办结' : ''}`;
    case 'followed_up': {
      const said = nameOf(SATISFACTIONS, event.data.satisfaction);
      return event.data.reopenClocks ? `评价：${said}。诉求已重新办理，并转上一级` : `评价：${said}。感谢您的评价`;
    }
    case 'reopened':
      return '诉求已重新办理';
    case 'performance_recorded':
      return event.data.reopenClocks ? '调解协议未履行，诉求已重新办理' : undefined;
    case 'merged':
      return `已与相同诉求 ${event.data.intoCaseId} 合并办理`;
    case 'withdrawn':
      return '诉求已撤回';
    case 'closed':
      return '诉求已归档';
    case 'attached':
      return event.data.visibility === 'shared' ? `新增附件：${event.data.name}` : undefined;
    default:
      return undefined;
  }
}

/** Whether the resident may still rate the current 办结 (once per resolution). */
export function awaitsResidentRating(state: CaseState): boolean {
  const r = state.resolution;
  return (state.status === 'resolved' || state.status === 'closed') && r !== undefined && !(state.followUp && state.followUp.at >= r.at);
}

/**
 * The resident's own view (/v1/track): their reporter details masked, no one
 * else's at all. `dueAt` is the 办结 deadline (what a resident means by 办理期限);
 * the result is shown only while the case stands resolved — a reopened case
 * has none yet.
 */
export function publicView(state: CaseState, events: readonly CaseEvent[], units: UnitTree) {
  const shown = shownBy(rulesFor('tracking', 'public'), false);
  const resolved = state.status === 'resolved' || state.status === 'closed';
  const rated = resolved && state.resolution && state.followUp && state.followUp.at >= state.resolution.at ? state.followUp : undefined;
  return {
    trackingNo: state.trackingNo,
    status: state.status,
    statusName: nameOf(STATUSES, state.status),
    center: state.center,
    centerName: nameOf(CENTERS, state.center),
    title: state.title,
    // The numbers the resident was told to call at intake (紧急求助), shown again on the tracking page.
    emergency: state.emergency?.map(({ service, name, number }) => ({ service, name, number })),
    levelName: levelName(state.level, state.unitId, units),
    unitName: units.get(state.unitId)?.fullName,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    dueAt: state.status === 'pending' || state.status === 'in_progress' ? state.clocks?.resolveDueAt : undefined,
    reporter: protectReporter(state.reporter, shown),
    resolution: resolved && state.resolution ? { outcome: state.resolution.outcome, summary: state.resolution.summary, at: state.resolution.at } : undefined,
    followUp: rated && { satisfaction: rated.satisfaction, satisfactionName: nameOf(SATISFACTIONS, rated.satisfaction), at: rated.at },
    canRate: awaitsResidentRating(state),
    attachments: visibleAttachments(state.attachments, shown).map(residentFile),
    mergedInto: state.mergedInto,
    timeline: events.flatMap((e) => {
      const text = publicLine(e, units);
      return text === undefined ? [] : [{ at: e.at, text }];
    }),
  };
}

function open311Notes(state: CaseState, units: UnitTree): string {
  if (state.resolution && (state.status === 'resolved' || state.status === 'closed')) return state.resolution.summary;
  if (state.status === 'merged') return `已与 ${state.mergedInto ?? ''} 合并办理`;
  const where = units.get(state.unitId)?.name;
  return `${nameOf(STATUSES, state.status)}（${levelName(state.level, state.unitId, units)}${where ? `·${where}` : ''}）`;
}

/**
 * A service request as Open311 readers (the public) see it: what and where,
 * never who. The policy gives the public nothing personal here; the reporter
 * is passed through it anyway, so a field added to the view cannot slip out.
 */
export function open311View(state: CaseState, units: UnitTree): RequestView & { readonly reporter: Reporter } {
  const shown = shownBy(rulesFor('open311', 'public'), false);
  return {
    id: state.id,
    status: state.status,
    statusNotes: open311Notes(state, units),
    center: state.center,
    description: state.description,
    requestedAt: state.createdAt,
    updatedAt: state.updatedAt,
    expectedAt: state.clocks?.resolveDueAt,
    address: state.location.address,
    lat: state.location.lat,
    lng: state.location.lng,
    reporter: protectReporter(state.reporter, shown),
  };
}

/** A topic (议事) as staff read it: participants' names by the policy, the unit named. */
export function topicView(topic: TopicState, units: UnitTree, audience: Audience) {
  const s = shownBy(rulesFor('deliberation', audience), false);
  return { ...protectTopic(topic, s), unitName: units.get(topic.unitId)?.fullName ?? topic.unitId };
}

/** A topic's log as staff read it: the meeting's participants as the topic view shows them. */
export function topicTimelineView(events: readonly TopicEvent[], audience: Audience) {
  const s = shownBy(rulesFor('deliberation', audience), false);
  return events.map((e) => (e.type === 'held' ? { ...e, data: protectTopic(e.data, s) } : e));
}

/**
 * A published result (公示) as anyone reads it on the unit's page: what was
 * put to the meeting, where and when it met, how many took part and in what
 * capacity, what was agreed and by whom it is to be done. No minutes, no
 * linked cases, no names of those who took part.
 */
export function publicTopicView(topic: TopicState, units: UnitTree) {
  const s = shownBy(rulesFor('publicDeliberation', 'public'), false);
  const { participants } = protectTopic(topic, s);
  const byRole: Record<string, number> = {};
  for (const p of participants) byRole[p.role] = (byRole[p.role] ?? 0) + 1;
  return {
    id: topic.id,
    unitId: topic.unitId,
    unitName: units.get(topic.unitId)?.fullName ?? topic.unitId,
    title: topic.title,
    status: topic.status,
    meeting: topic.meeting,
    participants: participants.filter((p) => p.name !== undefined),
    participantCount: participants.length,
    participantsByRole: byRole,
    result: topic.publication?.result,
    publishedAt: topic.publication?.at,
    casesSettled: topic.publication?.resolvesCases ? topic.caseIds.length : 0,
    decisions: topic.decisions.map(({ id, text, owner, dueDate, practical, status, doneAt }) => ({ id, text, owner, dueDate, practical, status, doneAt })),
  };
}
