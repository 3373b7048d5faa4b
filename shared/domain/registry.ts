/**
 * The one registry of the field's fixed vocabulary: the five centres and the
 * ladder of levels. Schemas, the OpenAPI document, SLA defaults, the admin
 * page's labels and the statistics all read these arrays, so adding a centre or
 * a level is one edit here.
 */
import type { Duration } from './calendar.ts';

/**
 * One extra field of a centre's form (osTicket's per-topic forms): the intake
 * schema, the OpenAPI document, the 登记 and case pages, the 12345 client's
 * view and the CSV export are all made from these declarations.
 */
export type FieldDef =
  | (FieldBase & { readonly type: 'choice'; readonly choices: readonly [string, ...string[]] })
  /** `maxChars` (default 100; above 100 the page gives a text area). */
  | (FieldBase & { readonly type: 'text'; readonly maxChars?: number })
  /** A number from `min` (default 0) to `max`, in `unit` (元). */
  | (FieldBase & { readonly type: 'number'; readonly min?: number; readonly max: number; readonly unit?: string });

interface FieldBase {
  /** The key in a case's `fields` (ASCII, as an API client writes it). */
  readonly code: string;
  readonly label: string;
  /**
   * Required of the forms that ask for it: POST /v1/cases (API clients and 登记).
   * Channels that cannot ask (SMS, WeChat, Open311) file without it.
   */
  readonly required?: boolean;
  /** Personal data (家庭情况): shown as the privacy policy's `formPersonal` says, never exported. */
  readonly personal?: boolean;
  /** A line of help under the field on the page. */
  readonly hint?: string;
}

export interface CenterDef {
  readonly code: string;
  readonly name: string;
  readonly description: string;
  /** Words that suggest this centre when a resident's text is classified. */
  readonly keywords: readonly string[];
  /** The centre's own form: what it asks beyond the common intake. */
  readonly fields: readonly FieldDef[];
}

export const CENTERS = [
  {
    code: 'opinion',
    name: '民意表达',
    description: '对公共事务的意见和建议',
    keywords: ['建议', '意见', '希望', '提议', '规划', '应该'],
    fields: [{ code: 'subject', label: '涉及事项', type: 'choice', choices: ['规划建设', '环境卫生', '交通出行', '公共服务', '社区治理', '其他'] }],
  },
  {
    code: 'mediation',
    name: '民事调解',
    description: '邻里、家庭、物业、劳资等当事人之间的纠纷',
    keywords: ['纠纷', '矛盾', '吵架', '争执', '邻居', '赔偿', '欠薪', '工资', '离婚', '继承', '物业费', '漏水'],
    fields: [
      { code: 'disputeType', label: '纠纷类型', type: 'choice', choices: ['邻里', '婚姻家庭', '物业', '劳资', '土地', '其他'] },
      { code: 'amount', label: '争议金额', type: 'number', max: 100_000_000, unit: '元', hint: '不涉及金额可不填' },
    ],
  },
  {
    code: 'voice',
    name: '民声收集',
    description: '噪音、环境卫生、维修等投诉和反映',
    keywords: ['噪音', '垃圾', '卫生', '维修', '坏了', '投诉', '路灯', '占道', '停车', '油烟', '扰民'],
    fields: [
      { code: 'place', label: '问题位置', type: 'text', maxChars: 100, hint: '如 3栋东侧路灯、小区北门' },
      { code: 'duration', label: '持续时间', type: 'choice', choices: ['一天以内', '一周以内', '一个月以内', '一个月以上'] },
    ],
  },
  {
    code: 'guidance',
    name: '民惑疏导',
    description: '政策咨询、疑惑解答和心理疏导',
    keywords: ['咨询', '请问', '怎么办', '政策', '如何', '能不能', '是否', '心理'],
    fields: [{ code: 'topic', label: '咨询领域', type: 'choice', choices: ['社保医保', '户籍证照', '教育', '住房', '法律', '心理', '其他'] }],
  },
  {
    code: 'welfare',
    name: '民生保障',
    description: '补贴、养老、困难救助等民生需求',
    keywords: ['补贴', '低保', '养老', '救助', '困难', '残疾', '医保', '社保', '老人'],
    fields: [
      { code: 'helpType', label: '求助类别', type: 'choice', choices: ['低保', '养老', '医疗', '残疾', '住房', '就业', '临时救助', '其他'] },
      { code: 'household', label: '家庭情况', type: 'text', maxChars: 500, personal: true, hint: '家庭人口、收入、有无劳动能力等（个人信息，仅经办人员可查看）' },
    ],
  },
] as const satisfies readonly CenterDef[];

export type CenterCode = (typeof CENTERS)[number]['code'];
export const CENTER_CODES = CENTERS.map((c) => c.code) as [CenterCode, ...CenterCode[]];

export const PRIORITIES = [
  { code: 'normal', name: '一般' },
  { code: 'urgent', name: '紧急' },
] as const;
export type Priority = (typeof PRIORITIES)[number]['code'];
export const PRIORITY_CODES = PRIORITIES.map((p) => p.code) as [Priority, ...Priority[]];

/** A party's standing in a mediation, as the 调解协议书 names it. */
export const PARTY_ROLES = [
  { code: 'applicant', name: '申请人' },
  { code: 'respondent', name: '被申请人' },
  { code: 'third_party', name: '第三人' },
  { code: 'agent', name: '代理人' },
] as const;
export type PartyRole = (typeof PARTY_ROLES)[number]['code'];
export const PARTY_ROLE_CODES = PARTY_ROLES.map((r) => r.code) as [PartyRole, ...PartyRole[]];

/** How a mediator reached the people concerned (a `contact` record). */
export const CONTACT_CHANNELS = [
  { code: 'phone', name: '电话' },
  { code: 'visit', name: '走访' },
  { code: 'wechat', name: '微信' },
  { code: 'sms', name: '短信' },
  { code: 'other', name: '其他' },
] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number]['code'];
export const CONTACT_CHANNEL_CODES = CONTACT_CHANNELS.map((c) => c.code) as [ContactChannel, ...ContactChannel[]];

/** Where cases come in; an API client's own source is shown as it is. */
export const SOURCES = [
  { code: 'hotline', name: '12345 热线' },
  { code: 'sms', name: '短信' },
  { code: 'wechat', name: '微信公众号' },
  { code: 'open311', name: '城市服务平台' },
  // Registered on the admin page by the mediator who met the resident (登记).
  { code: 'walk_in', name: '来访' },
  { code: 'phone', name: '来电' },
  { code: 'visit', name: '走访' },
] as const;

/** The sources a mediator registers a matter under (来访 at the 矛调中心, 来电, 走访 met on a visit). */
export const REGISTER_SOURCES = ['walk_in', 'phone', 'visit'] as const;
export type RegisterSource = (typeof REGISTER_SOURCES)[number];

export interface LevelSla {
  /** 签收 limit. */
  readonly accept: Duration;
  /** 办结 limit. */
  readonly resolve: Duration;
}

export interface LevelDef {
  readonly code: string;
  readonly name: string;
  /** The name in a rural branch (村 / 小组 / 湾落), where it differs; see labels.ts. */
  readonly ruralName?: string;
  /** Who works a case at this level, for labels and help text. */
  readonly workers: string;
  readonly sla: Readonly<Record<Priority, LevelSla>>;
  /**
   * Units may skip this level: a unit's parent may sit above it. A level
   * inserted into a running system starts optional, so the stored tree stays
   * valid until `npm run migrate -- insert-level <code>` fills it in.
   */
  readonly optional?: boolean;
  /**
   * Above the ladder a case climbs by itself: timers stop below this level
   * (an overdue case there is put under 督办 instead), and a case reaches it
   * only when the unit below refers it up by a manual `escalate` with a reason.
   */
  readonly referralOnly?: boolean;
}

/**
 * Bottom to top; a unit's parent is one step up this list (or more, over
 * optional levels only). Adding a level is one entry here, then a migration
 * (README, "Adding a level").
 */
export const LEVELS = [
  {
    code: 'building',
    name: '楼栋',
    ruralName: '湾落',
    workers: '联户长、楼栋党小组',
    sla: {
      normal: { accept: { amount: 2, unit: 'workingHours' }, resolve: { amount: 3, unit: 'workingDays' } },
      urgent: { accept: { amount: 30, unit: 'minutes' }, resolve: { amount: 24, unit: 'hours' } },
    },
  },
  {
    code: 'compound',
    name: '小区',
    ruralName: '小组',
    workers: '小区党支部、网格员',
    sla: {
      normal: { accept: { amount: 4, unit: 'workingHours' }, resolve: { amount: 5, unit: 'workingDays' } },
      urgent: { accept: { amount: 1, unit: 'hours' }, resolve: { amount: 48, unit: 'hours' } },
    },
  },
  {
    code: 'community',
    name: '社区',
    ruralName: '村',
    workers: '社区调解员、调委会',
    sla: {
      normal: { accept: { amount: 1, unit: 'workingDays' }, resolve: { amount: 10, unit: 'workingDays' } },
      urgent: { accept: { amount: 2, unit: 'hours' }, resolve: { amount: 72, unit: 'hours' } },
    },
  },
  {
    code: 'township',
    name: '镇/街道',
    ruralName: '镇',
    workers: '镇（街道）矛调中心',
    sla: {
      normal: { accept: { amount: 1, unit: 'workingDays' }, resolve: { amount: 15, unit: 'workingDays' } },
      urgent: { accept: { amount: 2, unit: 'hours' }, resolve: { amount: 5, unit: 'workingDays' } },
    },
  },
  {
    // A county-level city over its townships (issue 15.2): optional, so a deployment of one township keeps it as its root.
    code: 'county',
    name: '县/市',
    workers: '县（市）矛调中心',
    optional: true,
    referralOnly: true,
    sla: {
      normal: { accept: { amount: 1, unit: 'workingDays' }, resolve: { amount: 20, unit: 'workingDays' } },
      urgent: { accept: { amount: 2, unit: 'hours' }, resolve: { amount: 5, unit: 'workingDays' } },
    },
  },
] as const satisfies readonly LevelDef[];

export type LevelCode = (typeof LEVELS)[number]['code'];
export const LEVEL_CODES = LEVELS.map((l) => l.code) as [LevelCode, ...LevelCode[]];

export function levelRank(level: LevelCode): number {
  return LEVEL_CODES.indexOf(level);
}

/** Whether units may skip a level (see LevelDef.optional). */
export function isOptionalLevel(level: LevelCode): boolean {
  return (LEVELS as readonly LevelDef[]).find((l) => l.code === level)?.optional === true;
}

/** Whether a level is reached only by a manual referral (see LevelDef.referralOnly). */
export function isReferralOnly(level: LevelCode): boolean {
  return (LEVELS as readonly LevelDef[]).find((l) => l.code === level)?.referralOnly === true;
}

/**
 * The units a channel account serves and a matter without a place goes to
 * (镇/街道): the top of the ladder below any referral-only level.
 */
export const SERVICE_LEVEL: LevelCode = [...(LEVELS as readonly LevelDef[])].reverse().find((l) => l.referralOnly !== true)?.code as LevelCode;

/** The level a case starts at when its unit cannot be determined (dispatch happens there). */
export const DISPATCH_LEVEL: LevelCode = 'community';

export function centerDef(center: CenterCode): CenterDef {
  return CENTERS.find((c) => c.code === center) as CenterDef;
}

/** The value of one form field: a choice or text as a string, a number as a number. */
export type FieldValue = string | number;
export type FieldValues = Readonly<Record<string, FieldValue>>;

/** The centres' forms as README prints them (test/unit/forms.test.ts checks it is the one printed). */
export function formsTable(centers: readonly CenterDef[] = CENTERS): string {
  const kind = (f: FieldDef) =>
    [f.type === 'choice' ? f.choices.join(' / ') : f.type === 'number' ? (f.unit ?? 'number') : 'text', f.required ? 'required' : '', f.personal ? 'personal' : '']
      .filter(Boolean)
      .join(', ');
  const rows = centers.map((c) => `| ${c.name} \`${c.code}\` | ${c.fields.map((f) => `\`${f.code}\`: ${f.label} (${kind(f)})`).join(' · ')} |`);
  return ['| centre | fields (`code`: label) |', '|---|---|', ...rows].join('\n');
}

/** A form field's declaration: the case's centre's first, then any other centre's (a case reclassified keeps what it was filed with). */
export function fieldDef(center: string, code: string, centers: readonly CenterDef[] = CENTERS): FieldDef | undefined {
  const own = centers.find((c) => c.code === center)?.fields.find((f) => f.code === code);
  return own ?? centers.flatMap((c) => c.fields).find((f) => f.code === code);
}

export const STATUSES = [
  { code: 'pending', name: '待签收' },
  { code: 'in_progress', name: '办理中' },
  { code: 'resolved', name: '已办结' },
  { code: 'closed', name: '已归档' },
  { code: 'withdrawn', name: '已撤回' },
  { code: 'merged', name: '已并单' },
] as const;
export type CaseStatus = (typeof STATUSES)[number]['code'];
export const STATUS_CODES = STATUSES.map((s) => s.code) as [CaseStatus, ...CaseStatus[]];
export const OPEN_STATUSES: readonly CaseStatus[] = ['pending', 'in_progress'];

export const OUTCOMES = [
  { code: 'resolved', name: '已化解' },
  { code: 'partial', name: '部分化解' },
  { code: 'unresolvable', name: '无法化解' },
] as const;
export type Outcome = (typeof OUTCOMES)[number]['code'];
export const OUTCOME_CODES = OUTCOMES.map((o) => o.code) as [Outcome, ...Outcome[]];

export const SATISFACTIONS = [
  { code: 'satisfied', name: '满意' },
  { code: 'basically_satisfied', name: '基本满意' },
  { code: 'dissatisfied', name: '不满意' },
] as const;
export type Satisfaction = (typeof SATISFACTIONS)[number]['code'];
export const SATISFACTION_CODES = SATISFACTIONS.map((s) => s.code) as [Satisfaction, ...Satisfaction[]];

/** 履行情况 of a 调解协议 at its 履行 deadline; 未履行 reopens the case for the unit to act. */
export const PERFORMANCES = [
  { code: 'performed', name: '已履行' },
  { code: 'partial', name: '部分履行' },
  { code: 'unperformed', name: '未履行' },
] as const;
export type Performance = (typeof PERFORMANCES)[number]['code'];
export const PERFORMANCE_CODES = PERFORMANCES.map((p) => p.code) as [Performance, ...Performance[]];

export const RISK_LEVELS = [
  { code: 'red', name: '红色' },
  { code: 'orange', name: '橙色' },
  { code: 'yellow', name: '黄色' },
] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number]['code'];
export const RISK_CODES = RISK_LEVELS.map((r) => r.code) as [RiskLevel, ...RiskLevel[]];

export const ESCALATION_REASONS = [
  { code: 'overdue', name: '超时未办' },
  { code: 'manual', name: '无法化解，申请上报' },
  { code: 'dissatisfied', name: '群众不满意' },
  { code: 'risk', name: '风险升级' },
  { code: 'return_limit', name: '多次退回，由上级裁定' },
] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number]['code'];
export const ESCALATION_REASON_CODES = ESCALATION_REASONS.map((r) => r.code) as [
  EscalationReason,
  ...EscalationReason[],
];

export const ROLES = [
  { code: 'liaison', name: '联户长' },
  { code: 'mediator', name: '调解员' },
  { code: 'volunteer', name: '党员/志愿者' },
  { code: 'officer', name: '矛调中心工作人员' },
  { code: 'leader', name: '领导（只读）' },
  { code: 'admin', name: '管理员' },
] as const;
export type Role = (typeof ROLES)[number]['code'];
/** Who may register a matter on a resident's behalf (登记). */
export const REGISTRAR_ROLES: readonly Role[] = ['liaison', 'mediator', 'officer', 'admin'];
/** Who may put a case or a unit under 督办. */
export const SUPERVISOR_ROLES: readonly Role[] = ['officer', 'leader'];
export const ROLE_CODES = ROLES.map((r) => r.code) as [Role, ...Role[]];

/** Mediators' passwords: length over composition (NIST SP 800-63B); the form, the contract and Cognito's pool policy all use it. */
export const PASSWORD_MIN_LENGTH = 12;
