/**
 * Chinese words of the page. The field's vocabulary (centres, levels,
 * statuses, outcomes, satisfactions, risk levels, escalation reasons, roles,
 * priorities, party roles, contact channels, sources) comes from the domain
 * registry; only what the registry does not name is here.
 */
import {
  CENTERS,
  CONTACT_CHANNELS,
  ESCALATION_REASONS,
  LEVELS,
  OUTCOMES,
  PARTY_ROLES,
  PERFORMANCES,
  PRIORITIES,
  RISK_LEVELS,
  ROLES,
  SATISFACTIONS,
  SOURCES,
  STATUSES,
} from '../../shared/domain/registry.ts';
import { label } from '../../shared/domain/labels.ts';
import type { UnitKind } from '../../shared/domain/units.ts';
import type { ActionType } from './api.ts';
import type { Issue } from '../../shared/domain/errors.ts';
import { ApiError } from './api.ts';
import { fieldLabelOfPath } from './forms.tsx';

export { CENTERS, CONTACT_CHANNELS, ESCALATION_REASONS, LEVELS, OUTCOMES, PARTY_ROLES, PERFORMANCES, PRIORITIES, RISK_LEVELS, ROLES, SATISFACTIONS, SOURCES, STATUSES };

export { label };
export type { UnitKind };

/** The registry's levels named as a branch of this kind says them (村 / 小组 / 湾落 in a village). */
export const levelsOf = (kind: UnitKind | undefined): { code: string; name: string }[] => LEVELS.map((l) => ({ code: l.code, name: label(kind, l.code) }));

export const nameOf = (list: readonly { readonly code: string; readonly name: string }[], code: string | undefined): string =>
  list.find((x) => x.code === code)?.name ?? code ?? '';

export const ACTION_NAMES: Readonly<Record<ActionType, string>> = {
  accept: '签收',
  note: '备注 / 答复',
  contact: '联系记录',
  dispatch: '派单',
  decline: '谢绝任务',
  recall: '收回任务',
  return: '退回',
  escalate: '上报上级',
  extend_request: '申请延期',
  extend_decide: '审批延期',
  add_party: '添加当事人',
  schedule_session: '安排调解',
  record_minutes: '调解笔录',
  record_agreement: '调解协议书',
  record_performance: '履行回访',
  resolve: '办结',
  follow_up: '回访',
  reopen: '重新办理',
  merge: '并单',
  withdraw: '撤回',
  close: '归档',
  reclassify: '改变分类',
  set_fields: '补充/更正信息',
  locate: '更正地点',
  flag_risk: '标记风险',
  order_supervision: '督办',
};

/** An action as the user's role calls it: a volunteer takes a task (接单), a unit signs for a case (签收). */
export function actionName(type: ActionType, role: string): string {
  if (role === 'volunteer' && type === 'accept') return '接单';
  return ACTION_NAMES[type];
}

/** A person's name without the role some display names carry in brackets (张桂兰（联户长） → 张桂兰). */
export const personName = (name: string) => name.replace(/[（(][^）)]*[）)]\s*$/, '').trim() || name;

const FIELD_NAMES: Readonly<Record<string, string>> = {
  reason: '原因',
  text: '内容',
  summary: '内容摘要',
  toUnitId: '派往单位',
  toVolunteerId: '志愿者',
  until: '延期至',
  at: '时间',
  place: '地点',
  mediators: '调解员',
  content: '笔录内容',
  intoCaseId: '并入的案件',
  'party.name': '姓名',
  'party.phone': '电话',
  'party.idNumber': '身份证号',
  'agreement.parties': '协议当事人',
  'agreement.facts': '纠纷事实',
  'agreement.terms': '协议条款',
  'agreement.performance.method': '履行方式',
  'agreement.performance.deadline': '履行期限',
  username: '用户名',
  displayName: '姓名',
  role: '角色',
  unitId: '所在单位',
  password: '密码',
  phone: '手机',
  disabled: '状态',
  'units.id': '单位编号',
  'units.name': '单位名称',
  'units.level': '层级',
  'units.parentId': '上级单位编号',
  'units.contacts.name': '联系人',
  'units.contacts.phone': '联系电话',
  id: '单位编号',
  name: '单位名称',
  level: '层级',
  parentId: '上级单位',
  title: '名称',
  action: '适用操作',
  center: '适用中心',
  message: '通知',
  aliyunTemplateCode: '阿里云短信模板编号',
  tencentTemplateId: '腾讯云短信模板 ID',
};

/**
 * One problem the server found, in its words (Chinese: zod's zh-CN locale and
 * the server's messages), named by the field as the form calls it — or, in an
 * uploaded sheet, by its line and column.
 */
function issueText(issue: Issue): string {
  if (issue.row !== undefined) return `第 ${issue.row} 行${issue.column ? `「${issue.column}」` : ''}：${issue.message}`;
  // Positions in lists (`units.3.id`, `[12].parentId`) do not change what the field is called.
  const field = FIELD_NAMES[issue.path] ?? FIELD_NAMES[issue.path.replace(/\.\d+(?=\.|$)|\[\d+\]\.?/g, '')] ?? fieldLabelOfPath(issue.path) ?? issue.path;
  return `${field}：${issue.message}`;
}

/** A problem the page finds in a form before sending it; its message is for the user. */
export class Problem extends Error {}

/** What went wrong, in plain Chinese, with the server's own words kept for whoever asks. */
export function describeError(error: unknown): { title: string; details: string[] } {
  if (error instanceof Problem) return { title: error.message, details: [] };
  if (!(error instanceof ApiError)) return { title: '页面出错，请刷新后重试', details: [String(error)] };
  const server = error.message ? [`服务器说明：${error.message}`] : [];
  switch (error.status) {
    case 0:
      return { title: '网络连接失败，请检查网络后重试', details: [] };
    case 400:
      return {
        title: '填写的内容有误，请修改后再提交',
        details: error.issues.length ? error.issues.map(issueText) : server,
      };
    case 401:
      return { title: '登录已失效，请重新登录', details: [] };
    case 403:
      return { title: '您没有权限执行此操作', details: server };
    case 404:
      return { title: '找不到该案件，或它不在您的管辖范围内', details: server };
    case 409:
      return { title: '该案件刚被他人修改（同事或系统自动升级），已为您重新加载最新内容，请核对后再操作', details: [] };
    case 413:
      return { title: '提交的内容太长', details: server };
    case 422:
      return { title: '案件当前的状态不允许此操作', details: server };
    case 429:
      return { title: '操作过于频繁，请稍后再试', details: server };
    default:
      return { title: error.status >= 500 ? '服务器暂时出错，请稍后重试' : `请求失败（${error.status}）`, details: server };
  }
}
