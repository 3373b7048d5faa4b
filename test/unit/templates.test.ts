/** 常用语 and residents' message wordings: which apply where, their placeholders, and the notifier's texts from them. */
import { describe, expect, it } from 'vitest';
import { ACTION_TYPES } from '../../shared/contract/actions.ts';
import {
  decide,
  evolve,
  fill,
  messageTemplate,
  notificationsFor,
  PHRASE_ACTION_CODES,
  phrasesFor,
  placeholdersIn,
  RESIDENT_MESSAGE_KINDS,
  RESIDENT_MESSAGES,
  templateProblems,
  type CaseState,
  type Template,
  type TemplateInput,
} from '../../shared/domain/index.ts';
import { ctx, hotline, intake, units, user } from '../support/domain.ts';

const T0 = '2026-11-25T09:00:00+08:00';
const at = '2026-11-25T01:00:00.000Z';
const t = (id: string, fields: Partial<Template> & Pick<Template, 'unitId' | 'text'>): Template => ({ id, title: id, updatedAt: at, updatedBy: 'admin', ...fields });

const TEMPLATES: Template[] = [
  t('county-return', { unitId: 'zj', action: 'return', text: '不属{unit}管辖' }),
  t('hp-resolve', { unitId: 'hp', action: 'resolve', text: '已处理' }),
  t('hp-resolve-mediation', { unitId: 'hp', action: 'resolve', center: 'mediation', text: '调解成功' }),
  t('hp-mediation', { unitId: 'hp', center: 'mediation', text: '释法说理' }),
  t('xf-resolve', { unitId: 'hp-xf', action: 'resolve', text: '社区已处理' }),
  // Another community's: never offered in 幸福社区.
  t('hx-resolve', { unitId: 'hp-hx', action: 'resolve', text: '和谐社区已处理' }),
  // A message wording is never a 常用语.
  t('hp-accepted', { unitId: 'hp', message: 'accepted', text: '{trackingNo} 已签收' }),
];

describe('常用语', () => {
  it('offers those kept at the unit or above, bound to the action, the centre or both — both first, nearer units first', () => {
    const ids = (unitId: string, action: string, center: 'voice' | 'mediation') => phrasesFor(TEMPLATES, units, unitId, action, center).map((x) => x.id);
    expect(ids('hp-xf-yg-1', 'resolve', 'mediation')).toEqual(['hp-resolve-mediation', 'xf-resolve', 'hp-resolve', 'hp-mediation']);
    expect(ids('hp-xf-yg-1', 'resolve', 'voice')).toEqual(['xf-resolve', 'hp-resolve']);
    expect(ids('hp-hx-jy-1', 'resolve', 'voice')).toEqual(['hx-resolve', 'hp-resolve']);
    expect(ids('hp-xf', 'return', 'voice')).toEqual(['county-return']);
    expect(ids('hp-xf', 'note', 'mediation')).toEqual(['hp-mediation']);
    // 问安镇 is beside 和平街道: only the county's reach it.
    expect(ids('wa-gms', 'resolve', 'mediation')).toEqual([]);
    expect(ids('wa-gms', 'return', 'mediation')).toEqual(['county-return']);
  });

  it('binds only actions whose forms have a text to fill', () => {
    for (const code of PHRASE_ACTION_CODES) expect(ACTION_TYPES).toContain(code);
  });

  it('fills known placeholders, keeps braces that are not placeholders', () => {
    expect(fill('编号 {trackingNo}，{unit}，{deadline}前，{其他}', { trackingNo: 'C1', unit: '幸福社区', deadline: '12月3日17:30' })).toBe('编号 C1，幸福社区，12月3日17:30前，{其他}');
    expect(placeholdersIn('{a}{b}{a}{}')).toEqual(['a', 'b', '']);
  });
});

describe('checking a template', () => {
  const phrase = (fields: Partial<TemplateInput>): TemplateInput => ({ unitId: 'hp', title: '名称', text: '内容', action: 'note', ...fields });

  it('names unknown placeholders, a message’s missing ones, and a binding that cannot be', () => {
    expect(templateProblems(phrase({}))).toEqual([]);
    expect(templateProblems(phrase({ text: '{trackingNo}{unit}{deadline}' }))).toEqual([]);
    expect(templateProblems(phrase({ text: '您好 {name}，{trackingCode} {unit}' }))).toEqual([
      { path: 'text', message: '未知的占位符：{name}、{trackingCode}（可用：{trackingNo}、{unit}、{deadline}）' },
    ]);
    expect(templateProblems(phrase({ action: undefined }))).toEqual([{ path: 'action', message: '常用语须绑定办理操作、中心或两者' }]);
    expect(templateProblems(phrase({ aliyunTemplateCode: 'SMS_1' }))).toEqual([{ path: 'aliyunTemplateCode', message: '短信模板编号只用于群众通知' }]);
    const receipt = { unitId: 'hp', title: '回执', message: 'receipt' as const, text: '已受理 {trackingNo}' };
    expect(templateProblems(receipt)).toEqual([{ path: 'text', message: '缺少占位符：{trackingCode}' }]);
    expect(templateProblems({ ...receipt, text: '已受理 {trackingNo} {trackingCode}', action: 'note' })).toEqual([{ path: 'action', message: '群众通知的措辞不绑定办理操作' }]);
  });

  it('accepts every built-in wording as a template of its kind', () => {
    for (const kind of RESIDENT_MESSAGE_KINDS) {
      expect(templateProblems({ unitId: 'hp', title: kind, message: kind, text: RESIDENT_MESSAGES[kind].text }), kind).toEqual([]);
    }
  });
});

describe("the notifier's messages to residents", () => {
  function received(): CaseState {
    const d = decide(undefined, { type: 'receive', id: 'CASE000001', trackingNo: 'CASE000001', trackingCode: '123456', input: intake() }, ctx(hotline, T0));
    if (!d.ok) throw d.error;
    return evolve(undefined, d.event);
  }
  function accepted(state: CaseState) {
    const d = decide(state, { type: 'accept' }, ctx(user('hp-xf-yg-1', 'liaison'), T0));
    if (!d.ok) throw d.error;
    return { event: d.event, state: evolve(state, d.event) };
  }

  it('use the built-in wording until a unit on the way up keeps its own; the nearest wins, a centre’s before a general one', () => {
    const { event, state } = accepted(received());
    const text = (templates: Template[]) => notificationsFor(event, state, units, templates).find((n) => n.recipient.kind === 'resident')?.text;
    expect(text([])).toBe('【矛调通】您的诉求 CASE000001 已签收，正在办理。');

    const township = t('hp', { unitId: 'hp', message: 'accepted', text: '街道：{trackingNo} 由{unit}签收，{deadline}前办结', aliyunTemplateCode: 'SMS_100', tencentTemplateId: '200' });
    expect(text([township])).toBe(`街道：CASE000001 由和平街道 幸福社区 阳光小区 1栋签收，${shortTime(state.clocks?.resolveDueAt)}前办结`);
    const community = t('xf', { unitId: 'hp-xf', message: 'accepted', text: '社区：{trackingNo}' });
    const otherCentre = t('xf-mediation', { unitId: 'hp-xf', message: 'accepted', center: 'mediation', text: '调解：{trackingNo}' });
    const sameCentre = t('hp-voice', { unitId: 'hp', message: 'accepted', center: 'voice', text: '民声：{trackingNo}' });
    expect(text([township, community, otherCentre])).toBe('社区：CASE000001');
    expect(text([township, sameCentre])).toBe('民声：CASE000001');
    expect(messageTemplate([township, community, sameCentre], units, 'hp-xf-yg-1', 'accepted', 'voice')?.id).toBe('xf');
    // Another township's wording never reaches this case.
    expect(text([t('wa', { unitId: 'wa', message: 'accepted', text: '问安镇：{trackingNo}' })])).toBe('【矛调通】您的诉求 CASE000001 已签收，正在办理。');
    // Unit contacts' messages are not residents' and keep their wording.
    expect(notificationsFor(event, state, units, [township]).filter((n) => n.recipient.kind !== 'resident')).toEqual(notificationsFor(event, state, units, []).filter((n) => n.recipient.kind !== 'resident'));
  });

  it('carry the kind, the SMS template ids and the parameters in the kind’s order', () => {
    const state = received();
    const event = { type: 'received', seq: 1, at: T0, actor: hotline } as unknown as Parameters<typeof notificationsFor>[0];
    const receipt = t('r', { unitId: 'hp', message: 'receipt', text: '回执 {trackingNo} {trackingCode}', aliyunTemplateCode: 'SMS_154950909', tencentTemplateId: '1234567' });
    const note = notificationsFor(event, state, units, [receipt]).find((n) => n.topic === 'receipt');
    expect(note?.text).toBe('回执 CASE000001 123456');
    expect(note?.message).toMatchObject({ kind: 'receipt', aliyunTemplateCode: 'SMS_154950909', tencentTemplateId: '1234567' });
    expect(note?.message?.params.map((p) => p.name)).toEqual(RESIDENT_MESSAGES.receipt.placeholders);
    expect(Object.fromEntries(note?.message?.params.map((p) => [p.name, p.value]) ?? [])).toMatchObject({ trackingNo: 'CASE000001', trackingCode: '123456', unitName: '1栋', level: '楼栋' });
  });
});

function shortTime(iso: string | undefined): string {
  const d = new Date(new Date(iso ?? '').getTime() + 8 * 3600_000);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}
