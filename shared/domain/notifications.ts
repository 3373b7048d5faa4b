/**
 * Who is told what after each event. Pure: recipients are references (a
 * unit's contacts, the resident, a user) that the notifier resolves to
 * addresses; texts are the Chinese messages they receive.
 */
import type { CaseEvent, CaseState } from './case.ts';
import { SERVICE_LEVEL, isReferralOnly } from './registry.ts';
import { label } from './labels.ts';
import { isSerious } from './risk.ts';
import { signpostLine } from './emergency.ts';
import type { UnitTree } from './units.ts';
import { shortChinaTime, residentMessage, type Placeholder, type ResidentMessage, type ResidentMessageKind, type Template } from './templates.ts';

export type Recipient =
  | { readonly kind: 'unit'; readonly unitId: string }
  | { readonly kind: 'resident' }
  | { readonly kind: 'user'; readonly userId: string };

/** The kinds of message, by a stable name for the outbox and SMS templates, and what staff call them. */
export const NOTIFICATION_TOPICS = [
  { code: 'new_case', name: '新案件' },
  { code: 'receipt', name: '回执' },
  { code: 'risk_alert', name: '风险预警' },
  { code: 'emergency_alert', name: '紧急求助' },
  { code: 'status', name: '进度' },
  { code: 'task_offered', name: '派单' },
  { code: 'task_declined', name: '谢绝任务' },
  { code: 'task_recalled', name: '收回任务' },
  { code: 'returned', name: '退回' },
  { code: 'reminder', name: '催办' },
  { code: 'escalated', name: '上报' },
  { code: 'supervision', name: '督办' },
  { code: 'extension_request', name: '延期申请' },
  { code: 'extension_decided', name: '延期审批' },
  { code: 'reply', name: '答复' },
  { code: 'resolved', name: '办结' },
  { code: 'deliberation', name: '议事结果公示' },
  { code: 'decision_reminder', name: '共识催办' },
  { code: 'reopened', name: '重新办理' },
  { code: 'supervision_order', name: '督办通知' },
  { code: 'resident_message', name: '群众补充' },
  { code: 'file_failed', name: '文件未能接收' },
  { code: 'performance_check', name: '履行回访' },
] as const;
export type NotificationTopic = (typeof NOTIFICATION_TOPICS)[number]['code'];

export interface Notification {
  readonly recipient: Recipient;
  readonly topic: NotificationTopic;
  readonly text: string;
  /** A message to a resident: its kind, its template ids and parameters (for SMS providers that send approved templates). */
  readonly message?: ResidentMessage;
}

const localTime = shortChinaTime;

/**
 * `templates`: the stored wordings (templates.ts); a message to a resident
 * takes the one in force at the case's unit, else the built-in default.
 */
export function notificationsFor(event: CaseEvent, state: CaseState, units: UnitTree, templates: readonly Template[] = []): Notification[] {
  const no = state.trackingNo;
  const unitName = (id: string) => units.get(id)?.fullName ?? id;
  const unit = (unitId: string, topic: NotificationTopic, text: string): Notification => ({ recipient: { kind: 'unit', unitId }, topic, text });
  const here = units.get(state.unitId);
  const common: Partial<Record<Placeholder, string>> = {
    trackingNo: no,
    unit: here?.fullName ?? state.unitId,
    unitName: here?.name ?? state.unitId,
    level: label(here?.branchKind, state.level),
    deadline: localTime(state.clocks?.resolveDueAt),
  };
  const resident = (topic: NotificationTopic, kind: ResidentMessageKind, values: Partial<Record<Placeholder, string>> = {}): Notification => {
    const message = residentMessage(templates, units, state, kind, { ...common, ...values });
    return { recipient: { kind: 'resident' }, topic, text: message.text, message };
  };
  const hasResidentAddress = state.reporter.phone !== undefined || state.reporter.openId !== undefined;
  const toResident = (n: Notification): Notification[] => (hasResidentAddress ? [n] : []);
  /** The emergency numbers first in a resident's message, after its signature (【…】) whatever the unit's wording. */
  const signposted = (n: Notification, line: string): Notification => {
    if (!line) return n;
    const put = (text: string) => text.replace(/^(【[^】]*】)?/, (signature) => signature + line);
    return { ...n, text: put(n.text), ...(n.message && { message: { ...n.message, text: put(n.message.text) } }) };
  };

  switch (event.type) {
    case 'received': {
      const emergency = state.emergency ?? [];
      // The number to call comes first: a case system must never stand between a resident and 110/119/120.
      const first = emergency.length > 0 ? signpostLine(emergency) : '';
      const out = [
        unit(state.unitId, 'new_case', `【矛调通】新诉求 ${no} 待签收：${state.title}。请于${localTime(state.clocks?.acceptDueAt)}前签收。`),
        ...toResident(signposted(resident('receipt', 'receipt', { trackingCode: state.trackingCode }), first)),
      ];
      if (emergency.length > 0) {
        const root = (units.ancestorAt(state.unitId, SERVICE_LEVEL) ?? units.get(state.unitId))?.id;
        const said = emergency.flatMap((p) => p.terms).join('、');
        const alert = `【矛调通】紧急求助：诉求 ${no} 提到"${said}"，已提示群众拨打${emergency.map((p) => p.number).join('、')}。请立即联系群众核实并处置。`;
        out.push(unit(state.unitId, 'emergency_alert', alert));
        if (root && root !== state.unitId) out.push(unit(root, 'emergency_alert', alert));
      } else if (isSerious(state.risk)) {
        // The township's 矛调中心 watches every serious risk in it (with a county above, the root is the county).
        const root = (units.ancestorAt(state.unitId, SERVICE_LEVEL) ?? units.get(state.unitId))?.id;
        const alert = `【矛调通】风险预警（${state.risk?.level === 'red' ? '红色' : '橙色'}）：诉求 ${no} 涉及"${state.risk?.terms.join('、')}"，已直接交${unitName(state.unitId)}处置，请立即关注。`;
        out.push(unit(state.unitId, 'risk_alert', alert));
        if (root && root !== state.unitId) out.push(unit(root, 'risk_alert', alert));
      }
      return out;
    }
    case 'accepted':
      return toResident(resident('status', 'accepted'));
    case 'dispatched_to_unit':
      return [unit(event.data.toUnitId, 'new_case', `【矛调通】诉求 ${no} 已派至本单位，请于${localTime(event.data.clocks.acceptDueAt)}前签收：${state.title}`)];
    case 'dispatched_to_volunteer':
      return [{ recipient: { kind: 'user', userId: event.data.volunteerId }, topic: 'task_offered', text: `【矛调通】社区派单：${state.title}（${no}），请在工作台接单或谢绝。` }];
    case 'declined':
      return [unit(state.unitId, 'task_declined', `【矛调通】志愿者谢绝了诉求 ${no}：${event.data.reason}。请重新派单。`)];
    case 'task_recalled':
      return [{ recipient: { kind: 'user', userId: event.data.volunteerId }, topic: 'task_recalled', text: `【矛调通】诉求 ${no} 的任务已由派单单位收回：${event.data.reason}。无需再办理。` }];
    case 'returned':
      return [unit(event.data.toUnitId, 'returned', `【矛调通】诉求 ${no} 被${unitName(event.data.fromUnitId)}退回：${event.data.reason}`)];
    case 'reminded':
      return [
        unit(
          state.unitId,
          'reminder',
          `【矛调通】催办：诉求 ${no} 将于${localTime(event.data.dueAt)}到期${event.data.clock === 'accept' ? '签收' : '办结'}，请抓紧办理。`,
        ),
      ];
    case 'escalated':
      return [
        unit(
          event.data.toUnitId,
          'escalated',
          `【矛调通】诉求 ${no} 由${unitName(event.data.fromUnitId)}上报至本单位（${reasonText(event.data.reason)}），请于${localTime(event.data.clocks.acceptDueAt)}前签收。`,
        ),
        ...toResident(resident('status', 'escalated')),
      ];
    case 'supervised': {
      const out = [unit(state.unitId, 'supervision', `【矛调通】督办（第${event.data.alert}次）：诉求 ${no} 已超期未办结，请立即处理并报告进展。`)];
      // A county above the township hears of it too: timers stop below it, so this alert is how it learns.
      for (let above = units.parent(state.unitId); above; above = units.parent(above.id)) {
        if (isReferralOnly(above.level)) {
          out.push(unit(above.id, 'supervision', `【矛调通】督办（第${event.data.alert}次）：${unitName(state.unitId)}的诉求 ${no} 已超期未办结，请跟踪督促。`));
        }
      }
      return out;
    }
    case 'extension_requested': {
      const parent = units.parent(state.unitId);
      return parent ? [unit(parent.id, 'extension_request', `【矛调通】${unitName(state.unitId)}申请延期办理诉求 ${no}：${event.data.reason}`)] : [];
    }
    case 'extension_decided':
      return [unit(state.unitId, 'extension_decided', `【矛调通】诉求 ${no} 的延期申请${event.data.approved ? `已批准，新期限 ${localTime(event.data.until)}` : '未获批准'}。`)];
    case 'noted':
      // What a resident adds (on the tracking page) goes to the unit working the case, not back to them.
      if (event.actor.kind === 'resident') return [unit(state.unitId, 'resident_message', `【矛调通】群众补充了诉求 ${no} 的情况：${event.data.text}`)];
      return event.data.visibility === 'public' ? toResident(resident('reply', 'reply', { text: event.data.text })) : [];
    case 'supervision_ordered':
      return [unit(state.unitId, 'supervision_order', `【矛调通】督办：诉求 ${no} 请于${event.data.until}前办理并报告。${event.data.note}`)];
    case 'resolved':
      return toResident(resident('resolved', 'resolved', { summary: event.data.summary }));
    case 'deliberation_recorded':
      return toResident(resident('deliberation', event.data.resolves ? 'deliberation_resolved' : 'deliberation', { title: event.data.title, result: event.data.result }));
    case 'performance_reminded':
      return [
        unit(
          state.unitId,
          'performance_check',
          `【矛调通】履行回访：诉求 ${no} 的调解协议约定于${event.data.deadline}前履行，已到期。请联系当事人核实履行情况并登记。`,
        ),
      ];
    case 'performance_recorded':
      return event.data.reopenClocks ? [unit(state.unitId, 'reopened', `【矛调通】诉求 ${no} 的调解协议未履行，已重新办理，请督促履行或依法处理。`)] : [];
    case 'followed_up':
      return event.data.reopenClocks
        ? [unit(state.unitId, 'reopened', `【矛调通】诉求 ${no} 回访不满意，已重新办理并将上报。`)]
        : [];
    case 'withdrawn':
      return toResident(resident('status', 'withdrawn'));
    case 'media_failed':
      // A resident who sent a photo is told it did not arrive (the webhook had answered before the file was fetched).
      return event.data.origin === 'wechat' || event.data.origin === 'sms'
        ? toResident(resident('file_failed', 'file_failed', { reason: event.data.reason }))
        : [];
    default:
      return [];
  }
}

function reasonText(reason: string): string {
  return (
    { overdue: '超时未办', manual: '申请上报', dissatisfied: '群众不满意', risk: '风险升级', return_limit: '多次退回' } as Record<string, string>
  )[reason] ?? reason;
}
