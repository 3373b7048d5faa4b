/**
 * Reply templates (常用语) and the wording of the notifier's messages to
 * residents, kept per unit and inherited down the unit tree. Pure: the store
 * keeps the records, this module says what each may hold, which apply where,
 * and fills their placeholders.
 *
 * A template is either
 * - a 常用语 (`action` and/or `center`): offered in the action forms of cases
 *   at its unit and below — its `action`'s form only, or every form of cases
 *   of its `center`, or both; the mediator edits it before sending; or
 * - a message (`message`, optionally `center`): the wording of one kind of
 *   message the notifier sends residents, with the SMS providers' approved
 *   template ids beside it. The nearest unit's wording wins (a centre-bound one
 *   before a general one at the same unit), else the built-in default below.
 */
import type { CenterCode } from './registry.ts';
import type { UnitTree } from './units.ts';

/** The action forms a 常用语 can fill, and the field of the action's body it fills. */
export const PHRASE_ACTIONS = {
  note: 'text',
  contact: 'summary',
  dispatch: 'note',
  decline: 'reason',
  recall: 'reason',
  return: 'reason',
  escalate: 'reason',
  extend_request: 'reason',
  extend_decide: 'comment',
  resolve: 'summary',
  follow_up: 'comment',
  reopen: 'reason',
  withdraw: 'reason',
  close: 'reason',
  flag_risk: 'note',
  order_supervision: 'note',
} as const;
export type PhraseAction = keyof typeof PHRASE_ACTIONS;
export const PHRASE_ACTION_CODES = Object.keys(PHRASE_ACTIONS) as [PhraseAction, ...PhraseAction[]];

/** Every placeholder, by name, and what it is filled with. */
export const PLACEHOLDERS = {
  trackingNo: '案件编号',
  unit: '承办单位（全称）',
  unitName: '承办单位（简称）',
  level: '承办单位的层级（社区、村……）',
  deadline: '办结期限',
  trackingCode: '提取码',
  text: '答复内容',
  summary: '办理情况',
  title: '议题',
  result: '议事结果',
  reason: '原因',
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;

/** What a 常用语 may hold: filled on the case page when it is chosen. */
export const PHRASE_PLACEHOLDERS: readonly Placeholder[] = ['trackingNo', 'unit', 'deadline'];

const COMMON: readonly Placeholder[] = ['trackingNo', 'unit', 'unitName', 'level', 'deadline'];

interface MessageKindDef {
  readonly name: string;
  /** In this order they are the SMS template's parameters (Tencent's TemplateParamSet is a list). */
  readonly placeholders: readonly Placeholder[];
  /** Without these the message would not do its job (a 回执 without its 提取码). */
  readonly required: readonly Placeholder[];
  readonly text: string;
}

/** The messages the notifier sends residents, each with its built-in wording. */
export const RESIDENT_MESSAGES = {
  receipt: {
    name: '受理回执',
    placeholders: [...COMMON, 'trackingCode'],
    required: ['trackingNo', 'trackingCode'],
    text: '【矛调通】您的诉求已受理，编号 {trackingNo}，提取码 {trackingCode}。回复"查询 {trackingNo}"可查看进度。',
  },
  accepted: { name: '已签收', placeholders: COMMON, required: ['trackingNo'], text: '【矛调通】您的诉求 {trackingNo} 已签收，正在办理。' },
  escalated: { name: '转上级办理', placeholders: COMMON, required: ['trackingNo'], text: '【矛调通】您的诉求 {trackingNo} 已转至{level}（{unitName}）办理。' },
  reply: { name: '公开答复', placeholders: [...COMMON, 'text'], required: ['text'], text: '【矛调通】关于诉求 {trackingNo} 的答复：{text}' },
  resolved: {
    name: '办结',
    placeholders: [...COMMON, 'summary'],
    required: ['summary'],
    text: '【矛调通】您的诉求 {trackingNo} 已办结：{summary}。请回复"满意""基本满意"或"不满意"评价。',
  },
  deliberation: {
    name: '议事结果公示',
    placeholders: [...COMMON, 'title', 'result'],
    required: ['result'],
    text: '【矛调通】您的诉求 {trackingNo} 已提交议事协商（{title}），结果公示：{result}。',
  },
  deliberation_resolved: {
    name: '议事结果公示（办结）',
    placeholders: [...COMMON, 'title', 'result'],
    required: ['result'],
    text: '【矛调通】您的诉求 {trackingNo} 已提交议事协商（{title}），结果公示：{result}。请回复"满意""基本满意"或"不满意"评价。',
  },
  withdrawn: { name: '已撤回', placeholders: COMMON, required: ['trackingNo'], text: '【矛调通】您的诉求 {trackingNo} 已撤回。' },
  file_failed: {
    name: '文件未能接收',
    placeholders: [...COMMON, 'reason'],
    required: [],
    text: '【矛调通】抱歉，您为诉求 {trackingNo} 发来的文件未能接收（{reason}）。请重新发送，或用文字说明。',
  },
} as const satisfies Record<string, MessageKindDef>;
export type ResidentMessageKind = keyof typeof RESIDENT_MESSAGES;
export const RESIDENT_MESSAGE_KINDS = Object.keys(RESIDENT_MESSAGES) as [ResidentMessageKind, ...ResidentMessageKind[]];

export interface Template {
  readonly id: string;
  /** Where it is kept: it applies there and to every unit below. */
  readonly unitId: string;
  /** What the button in the action form says (常用语), or what staff call this wording. */
  readonly title: string;
  readonly text: string;
  readonly action?: PhraseAction;
  readonly center?: CenterCode;
  readonly message?: ResidentMessageKind;
  /** Aliyun SMS's approved template (TemplateCode, e.g. SMS_123456789) for this message. */
  readonly aliyunTemplateCode?: string;
  /** Tencent Cloud SMS's approved template (TemplateId, e.g. 1234567) for this message. */
  readonly tencentTemplateId?: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** The placeholders a text uses, each once, in the order they first appear. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? ''))];
}

/** What a template with this binding may hold, and must. */
export function placeholdersFor(binding: { readonly message?: ResidentMessageKind }): { allowed: readonly Placeholder[]; required: readonly Placeholder[] } {
  if (binding.message === undefined) return { allowed: PHRASE_PLACEHOLDERS, required: [] };
  const kind: MessageKindDef = RESIDENT_MESSAGES[binding.message];
  return { allowed: kind.placeholders, required: kind.required };
}

/** Put the values in; a placeholder without a value becomes empty. */
export function fill(text: string, values: Partial<Record<Placeholder, string>>): string {
  return text.replace(/\{([^{}]*)\}/g, (whole, name: string) => (Object.hasOwn(PLACEHOLDERS, name) ? (values[name as Placeholder] ?? '') : whole));
}

/** A time as residents and mediators read it, in China time: 12月3日17:30. */
export function shortChinaTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** The unit and its ancestors, nearest first. */
function chain(units: UnitTree, unitId: string): string[] {
  const out: string[] = [];
  for (let u = units.get(unitId); u; u = units.parent(u.id)) out.push(u.id);
  return out;
}

/**
 * The 常用语 offered in `action`'s form for a case of `center` at `unitId`:
 * those kept there or above, bound to that action, that centre or both —
 * both first, then the action's, then the centre's; nearer units first.
 */
export function phrasesFor(templates: readonly Template[], units: UnitTree, unitId: string, action: string, center: CenterCode): Template[] {
  const line = chain(units, unitId);
  const rank = (t: Template) => (t.action !== undefined && t.center !== undefined ? 0 : t.action !== undefined ? 1 : 2);
  return templates
    .filter((t) => t.message === undefined && line.includes(t.unitId))
    .filter((t) => (t.action === undefined || t.action === action) && (t.center === undefined || t.center === center))
    .filter((t) => t.action !== undefined || t.center !== undefined)
    .sort((a, b) => rank(a) - rank(b) || line.indexOf(a.unitId) - line.indexOf(b.unitId) || a.title.localeCompare(b.title, 'zh'));
}

/** The wording of `kind` for a case of `center` at `unitId`: the nearest unit's, a centre's before a general one; undefined: the default. */
export function messageTemplate(templates: readonly Template[], units: UnitTree, unitId: string, kind: ResidentMessageKind, center: CenterCode): Template | undefined {
  const line = chain(units, unitId);
  return templates
    .filter((t) => t.message === kind && line.includes(t.unitId) && (t.center === undefined || t.center === center))
    .sort((a, b) => line.indexOf(a.unitId) - line.indexOf(b.unitId) || (a.center === undefined ? 1 : 0) - (b.center === undefined ? 1 : 0))[0];
}

/**
 * A message to a resident as the notifier sends it: the text, and for SMS
 * providers that send only approved templates, the kind, the ids and the
 * parameters (the kind's placeholders, by name and in the kind's order).
 */
export interface ResidentMessage {
  readonly kind: ResidentMessageKind;
  readonly text: string;
  readonly params: readonly { readonly name: Placeholder; readonly value: string }[];
  readonly aliyunTemplateCode?: string;
  readonly tencentTemplateId?: string;
}

export function residentMessage(
  templates: readonly Template[],
  units: UnitTree,
  at: { readonly unitId: string; readonly center: CenterCode },
  kind: ResidentMessageKind,
  values: Partial<Record<Placeholder, string>>,
): ResidentMessage {
  const chosen = messageTemplate(templates, units, at.unitId, kind, at.center);
  return {
    kind,
    text: fill(chosen?.text ?? RESIDENT_MESSAGES[kind].text, values),
    params: RESIDENT_MESSAGES[kind].placeholders.map((name) => ({ name, value: values[name] ?? '' })),
    ...(chosen?.aliyunTemplateCode ? { aliyunTemplateCode: chosen.aliyunTemplateCode } : {}),
    ...(chosen?.tencentTemplateId ? { tencentTemplateId: chosen.tencentTemplateId } : {}),
  };
}

/** A template as an admin writes it (the store adds id and who changed it when). */
export type TemplateInput = Omit<Template, 'id' | 'updatedAt' | 'updatedBy'>;

const wrap = (names: readonly string[]) => names.map((n) => `{${n}}`).join('、');

/**
 * What is wrong with a template besides its fields' own shapes: its binding
 * (a 常用语 is bound to an action, a centre or both; a message to its kind, and
 * only a message carries SMS template ids) and its placeholders (every one
 * known for its binding; a message's required ones present). Each issue names
 * its field.
 */
export function templateProblems(input: TemplateInput): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (input.message !== undefined && input.action !== undefined) issues.push({ path: 'action', message: '群众通知的措辞不绑定办理操作' });
  if (input.message === undefined) {
    if (input.action === undefined && input.center === undefined) issues.push({ path: 'action', message: '常用语须绑定办理操作、中心或两者' });
    for (const field of ['aliyunTemplateCode', 'tencentTemplateId'] as const) {
      if (input[field] !== undefined) issues.push({ path: field, message: '短信模板编号只用于群众通知' });
    }
  }
  const { allowed, required } = placeholdersFor(input);
  const used = placeholdersIn(input.text);
  const unknown = used.filter((name) => !(allowed as readonly string[]).includes(name));
  if (unknown.length > 0) issues.push({ path: 'text', message: `未知的占位符：${wrap(unknown)}（可用：${wrap(allowed)}）` });
  const missing = required.filter((name) => !used.includes(name));
  if (missing.length > 0) issues.push({ path: 'text', message: `缺少占位符：${wrap(missing)}` });
  return issues;
}

/** Another template of the same message, unit and centre: only one wording can be in force there. */
export function clashingTemplate(templates: readonly Template[], input: TemplateInput, id?: string): Template | undefined {
  if (input.message === undefined) return undefined;
  return templates.find((t) => t.id !== id && t.message === input.message && t.unitId === input.unitId && t.center === input.center);
}
