/**
 * 紧急求助 signposting: a table of residents' messages and the numbers each
 * must be told first — and the ones that must not match (火车站 is not a fire).
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EMERGENCY_POLICY,
  decide,
  evolve,
  notificationsFor,
  signpostLine,
  signposts,
  type EmergencyPolicy,
} from '../../shared/domain/index.ts';
import { emergencySignsSchema } from '../../shared/service/policy.ts';
import { ctx, hotline, intake, policy, units } from '../support/domain.ts';

const TABLE: readonly (readonly [string, readonly string[]])[] = [
  // Violence → 110
  ['我老公喝醉了又在家暴我，孩子吓哭了', ['110']],
  ['楼下有人持刀威胁邻居', ['110']],
  ['小区门口两个人在打人', ['110']],
  ['他 殴 打 老人', ['110']],
  // Fire → 119
  ['3栋502着火了，楼道全是烟', ['119']],
  ['菜市场发生火灾', ['119']],
  ['厨房燃气泄漏，味道很大', ['119']],
  // Medical → 120
  ['邻居老人晕倒在楼道里', ['120']],
  ['有人昏迷不醒', ['120']],
  ['孩子摔伤了一直流血', ['120']],
  // Self-harm → the crisis hotline
  ['我实在想不开了，活着没意思', ['12356']],
  ['她说要自杀', ['12356']],
  // More than one, in the order 110, 119, 120, crisis
  ['他喝多了打人，对方流血了', ['110', '120']],
  ['他放火后家里着火了，还说要跳楼', ['119', '12356']],
  // Full-width and spaces read alike
  ['着　火了', ['119']],
  // Must NOT match: ordinary matters that merely share a character or a word
  ['火车站附近的路灯坏了', []],
  ['楼下火锅店油烟扰民', []],
  ['消防通道被堵，存在火灾隐患', []],
  ['小区组织火灾演练，噪音太大', []],
  ['请问怎么拨打人民调解热线', []],
  ['客服电话打人工一直占线', []],
  ['孩子晕车，想问校车能否调整路线', []],
  ['楼道灯坏了', []],
  ['暴雨后地下室进水', []],
];

describe('signposting', () => {
  it.each(TABLE)('%s → %j', (text, numbers) => {
    expect(signposts(text, DEFAULT_EMERGENCY_POLICY).map((p) => p.number)).toEqual(numbers);
  });

  it('names the service and the signs found, and the crisis number is the configured one', () => {
    const local: EmergencyPolicy = { ...DEFAULT_EMERGENCY_POLICY, crisisHotline: '027-85844666' };
    expect(signposts('他说不想活了', local)).toEqual([{ service: 'crisis', name: '心理援助热线', number: '027-85844666', terms: ['不想活'] }]);
    expect(signpostLine(signposts('家暴，还流血了', DEFAULT_EMERGENCY_POLICY))).toBe('如遇紧急情况，请立即拨打：110（报警）、120（急救）。');
  });

  it('an edited list is what matches: a sign added, an exception honoured', () => {
    const edited: EmergencyPolicy = { crisisHotline: '12356', signs: [{ term: '溺水', service: 'medical' }, { term: '火灾', service: 'fire', unless: ['火灾隐患'] }] };
    expect(signposts('河边有人溺水', edited).map((p) => p.number)).toEqual(['120']);
    expect(signposts('着火了', edited)).toEqual([]);
    expect(signposts('有火灾隐患，现在已经发生火灾了', edited).map((p) => p.number)).toEqual(['119']);
  });

  it('the configuration is validated: a bad service or number is refused with its path', () => {
    const bad = emergencySignsSchema.safeParse({ crisisHotline: '热线', signs: [{ term: '溺水', service: 'coastguard' }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['crisisHotline', 'signs.0.service']);
    expect(emergencySignsSchema.safeParse({ crisisHotline: '12356', signs: DEFAULT_EMERGENCY_POLICY.signs }).success).toBe(true);
  });
});

describe('a case that names an emergency', () => {
  const file = (description: string) => {
    const d = decide(undefined, { type: 'receive', id: 'CASE000009', trackingNo: 'CASE000009', trackingCode: '123456', input: intake({ description }) }, ctx(hotline, '2026-11-25T09:00:00+08:00'));
    if (!d.ok) throw d.error;
    return { event: d.event, state: evolve(undefined, d.event) };
  };

  it('is flagged red, goes to the community at once, and the unit and the township are alerted; the receipt starts with the number', () => {
    const { event, state } = file('邻居老人晕倒在楼道里，叫不醒');
    expect(state.risk).toMatchObject({ level: 'red', terms: ['晕倒'] });
    expect(state.emergency).toEqual([{ service: 'medical', name: '急救', number: '120', terms: ['晕倒'] }]);
    expect(state).toMatchObject({ unitId: 'hp-xf', level: 'community', originUnitId: 'hp-xf-yg-1' });
    const sent = notificationsFor(event, state, units);
    expect(sent.filter((n) => n.topic === 'emergency_alert').map((n) => n.recipient)).toEqual([
      { kind: 'unit', unitId: 'hp-xf' },
      { kind: 'unit', unitId: 'hp' },
    ]);
    expect(sent.find((n) => n.topic === 'receipt')?.text).toMatch(/^【矛调通】如遇紧急情况，请立即拨打：120（急救）。您的诉求已受理/);
  });

  it('an ordinary matter is neither flagged nor signposted', () => {
    const { event, state } = file('火车站附近的路灯坏了');
    expect(state.emergency).toBeUndefined();
    expect(state.risk).toBeUndefined();
    expect(notificationsFor(event, state, units).map((n) => n.topic)).toEqual(['new_case', 'receipt']);
  });

  it('uses the policy it is given', () => {
    const none = { ...policy, emergency: { ...DEFAULT_EMERGENCY_POLICY, signs: [] } };
    const d = decide(undefined, { type: 'receive', id: 'CASE000010', trackingNo: 'CASE000010', trackingCode: '123456', input: intake({ description: '邻居老人晕倒' }) }, { ...ctx(hotline, '2026-11-25T09:00:00+08:00'), policy: none });
    expect(d.ok && d.event.type === 'received' && d.event.data.emergency).toBeFalsy();
  });
});
