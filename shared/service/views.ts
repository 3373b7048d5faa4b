/**
 * What each audience sees of a case. Mediators see reporters masked in lists;
 * the public tracking view shows no other party's data at all.
 */
import {
  CENTERS,
  LEVELS,
  STATUSES,
  currentDueAt,
  maskName,
  maskPhone,
  type CaseEvent,
  type CaseState,
  type UnitTree,
} from '../domain/index.ts';

const nameOf = (list: readonly { code: string; name: string }[], code: string) =>
  list.find((x) => x.code === code)?.name ?? code;

export type Audience = 'client' | 'mediator' | 'mediator-list';

export function caseView(state: CaseState, units: UnitTree, audience: Audience) {
  const masked = audience === 'mediator-list';
  return {
    id: state.id,
    version: state.version,
    trackingNo: state.trackingNo,
    ...(audience === 'client' ? { trackingCode: state.trackingCode } : {}),
    status: state.status,
    statusName: nameOf(STATUSES, state.status),
    source: state.source,
    externalId: state.externalId,
    center: state.center,
    centerName: nameOf(CENTERS, state.center),
    title: state.title,
    description: state.description,
    priority: state.priority,
    risk: state.risk,
    level: state.level,
    levelName: nameOf(LEVELS, state.level),
    unitId: state.unitId,
    unitName: units.get(state.unitId)?.fullName,
    originUnitId: state.originUnitId,
    originLevel: state.originLevel,
    dueAt: currentDueAt(state),
    acceptDueAt: state.clocks?.acceptDueAt,
    resolveDueAt: state.clocks?.resolveDueAt,
    reporter: masked
      ? { name: maskName(state.reporter.name), phone: maskPhone(state.reporter.phone) }
      : state.reporter,
    location: state.location,
    parties: masked ? state.parties.map((p) => ({ name: maskName(p.name), role: p.role })) : state.parties,
    occurredAt: state.occurredAt,
    possibleRepeatOf: state.possibleRepeatOf,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    acceptedAt: state.acceptedAt,
    assignment: state.assignment,
    dispatchedFrom: state.dispatchedFrom,
    escalations: state.escalations,
    returns: state.returns,
    escalationPending: state.escalationPending,
    supervision: state.supervision,
    extensionRequest: state.extensionRequest,
    sessions: state.sessions,
    agreement: state.agreement,
    resolution: state.resolution,
    followUp: state.followUp,
    mergedInto: state.mergedInto,
    mergedFrom: state.mergedFrom,
    closedAt: state.closedAt,
  };
}

/** Internal notes are for mediators only. */
export function visibleEvents(events: readonly CaseEvent[], audience: Audience): CaseEvent[] {
  if (audience !== 'client') return [...events];
  return events.filter((e) => !(e.type === 'noted' && e.data.visibility === 'internal') && e.type !== 'contacted');
}

export function eventView(event: CaseEvent) {
  const actor =
    event.actor.kind === 'user'
      ? { kind: 'user', id: event.actor.id, name: event.actor.name, role: event.actor.role, unitId: event.actor.unitId }
      : { kind: event.actor.kind, id: event.actor.id };
  return { seq: event.seq, type: event.type, at: event.at, actor, data: event.data };
}

/** One line of the resident's own timeline, in plain Chinese. */
function publicLine(event: CaseEvent, units: UnitTree): string | undefined {
  const unitName = (id: string) => units.get(id)?.name ?? '';
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
      return event.data.visibility === 'public' ? `答复：${event.data.text}` : undefined;
    case 'extension_decided':
      return event.data.approved ? `办理期限已延长至 ${event.data.until ?? ''}` : undefined;
    case 'resolved':
      return `已办结：${event.data.summary}`;
    case 'followed_up':
      return event.data.reopenClocks ? '您的评价为不满意，诉求已重新办理' : '回访已完成，感谢您的评价';
    case 'reopened':
      return '诉求已重新办理';
    case 'merged':
      return `已与相同诉求 ${event.data.intoCaseId} 合并办理`;
    case 'withdrawn':
      return '诉求已撤回';
    case 'closed':
      return '诉求已归档';
    default:
      return undefined;
  }
}

export function publicView(state: CaseState, events: readonly CaseEvent[], units: UnitTree) {
  return {
    trackingNo: state.trackingNo,
    status: state.status,
    statusName: nameOf(STATUSES, state.status),
    center: state.center,
    centerName: nameOf(CENTERS, state.center),
    title: state.title,
    levelName: nameOf(LEVELS, state.level),
    unitName: units.get(state.unitId)?.name,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    dueAt: currentDueAt(state),
    reporter: { name: maskName(state.reporter.name), phone: maskPhone(state.reporter.phone) },
    resolution: state.resolution && { outcome: state.resolution.outcome, summary: state.resolution.summary, at: state.resolution.at },
    mergedInto: state.mergedInto,
    timeline: events.flatMap((e) => {
      const text = publicLine(e, units);
      return text === undefined ? [] : [{ at: e.at, text }];
    }),
  };
}
