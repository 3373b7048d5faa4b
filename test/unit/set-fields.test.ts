/**
 * 补充信息 (issue 17.1): a case's centre's form filled in or corrected after
 * intake — by the unit holding the case, against its centre's declaration,
 * recorded field by field, personal values masked in the timeline.
 */
import { describe, expect, it } from 'vitest';
import {
  CENTERS,
  decide,
  evolve,
  Forbidden,
  InvalidTransition,
  MASKED_FORM_TEXT,
  NotFound,
  protectEvent,
  shownBy,
  ValidationFailed,
  rulesFor,
  type Actor,
  type CaseState,
  type CenterDef,
  type DecideContext,
} from '../../shared/domain/index.ts';
import { chinese } from '../../shared/contract/chinese.ts';
import { ctx, hotline, intake, user } from '../support/domain.ts';

const T0 = '2026-11-25T09:00:00+08:00';
const building = user('hp-xf-yg-1');

function received(overrides: Parameters<typeof intake>[0] = {}, context: (a: Actor) => DecideContext = (a) => ctx(a, T0)): CaseState {
  const d = decide(undefined, { type: 'receive', id: 'CASE000001', trackingNo: 'CASE000001', trackingCode: '123456', input: intake(overrides) }, context(hotline));
  if (!d.ok) throw d.error;
  return evolve(undefined, d.event);
}

function set(state: CaseState, fields: Record<string, string | number | null>, actor: Actor = building, context: DecideContext = ctx(actor, T0)) {
  return decide(state, { type: 'set_fields', fields }, context);
}

function apply(state: CaseState, fields: Record<string, string | number | null>): CaseState {
  const d = set(state, fields);
  if (!d.ok) throw d.error;
  return evolve(state, d.event);
}

function refusal(state: CaseState, fields: Record<string, string | number | null>, actor?: Actor, context?: DecideContext) {
  const d = set(state, fields, actor, context);
  if (d.ok) throw new Error(`expected a refusal, got ${d.event.type}`);
  return d.error;
}

describe('set_fields', () => {
  it('fills in the form of a case filed without one (an SMS), recording each field from nothing', () => {
    const s = received({ source: 'sms', center: 'mediation' });
    expect(s.fields).toBeUndefined();
    const d = set(s, { disputeType: '物业', amount: 1200 });
    expect(d.ok && d.event).toMatchObject({ type: 'fields_set', data: { center: 'mediation', changes: [{ code: 'disputeType', to: '物业' }, { code: 'amount', to: 1200 }] } });
    const after = evolve(s, (d as { ok: true; event: Parameters<typeof evolve>[1] }).event);
    expect(after.fields).toEqual({ disputeType: '物业', amount: 1200 });
    expect(after.version).toBe(s.version + 1);
  });

  it('corrects one field, keeps those not named, and empties one sent as null', () => {
    const s = received({ center: 'mediation', fields: { disputeType: '邻里', amount: 3200 } });
    const corrected = apply(s, { disputeType: '物业' });
    expect(corrected.fields).toEqual({ disputeType: '物业', amount: 3200 });
    const d = set(corrected, { amount: null });
    expect(d.ok && d.event.data).toEqual({ center: 'mediation', changes: [{ code: 'amount', from: 3200 }] });
    expect(apply(corrected, { amount: null }).fields).toEqual({ disputeType: '物业' });
    expect(apply(apply(corrected, { amount: null }), { disputeType: null }).fields).toBeUndefined();
  });

  it('refuses a field the case\'s centre does not declare (another centre\'s too), naming it', () => {
    const s = received({ center: 'voice' });
    for (const code of ['colour', 'household']) {
      const error = refusal(s, { place: '北门', [code]: 'x' });
      expect(error).toBeInstanceOf(ValidationFailed);
      expect((error as ValidationFailed).issues.map((i) => i.path)).toEqual([`fields.${code}`]);
      expect(chinese(error.message)).toBe('民声收集的登记表没有这一项');
    }
  });

  it('refuses a change that changes nothing', () => {
    const s = received({ center: 'voice', fields: { place: '北门' } });
    const error = refusal(s, { place: '北门' });
    expect((error as ValidationFailed).issues.map((i) => i.path)).toEqual(['fields']);
    expect(chinese(error.message)).toBe('没有要修改的内容');
  });

  it('is the unit holding the case\'s to take: not the level above, not a leader, nobody outside', () => {
    const s = received({ center: 'voice' });
    expect(set(s, { place: '北门' }, user('hp-xf-yg-1', 'liaison')).ok).toBe(true);
    expect(refusal(s, { place: '北门' }, user('hp-xf-yg'))).toBeInstanceOf(Forbidden);
    expect(refusal(s, { place: '北门' }, user('hp-xf-yg-1', 'leader'))).toBeInstanceOf(Forbidden);
    expect(refusal(s, { place: '北门' }, user('hp-xf-yg-2'))).toBeInstanceOf(NotFound);
    expect(refusal(s, { place: '北门' }, hotline)).toBeInstanceOf(Forbidden);
  });

  it('takes a resolved case (before it is filed away), not a closed or withdrawn one', () => {
    const s = received({ center: 'voice' });
    const withdrawn = evolve(s, (decide(s, { type: 'withdraw', reason: '群众撤回' }, ctx(building, T0)) as { ok: true; event: Parameters<typeof evolve>[1] }).event);
    const error = refusal(withdrawn, { place: '北门' });
    expect(error).toBeInstanceOf(InvalidTransition);
    expect(chinese(error.message)).toBe('案件已撤回，不能补充信息');
    const resolved = { ...s, status: 'resolved' } as CaseState;
    expect(set(resolved, { place: '北门' }).ok).toBe(true);
  });

  describe('with a centre whose form has a required field', () => {
    const LEGAL: CenterDef = {
      code: 'legal',
      name: '法律援助',
      description: '法律援助申请',
      keywords: [],
      fields: [
        { code: 'caseNo', label: '法院案号', type: 'text', required: true },
        { code: 'stage', label: '诉讼阶段', type: 'choice', choices: ['立案前', '一审'] },
      ],
    };
    const withLegal = (a: Actor): DecideContext => ({ ...ctx(a, T0), centers: [...CENTERS, LEGAL] });
    // A case that came into 法律援助 without the required 案号 (by SMS, or reclassified into it).
    const s = { ...received({ source: 'sms' }, withLegal), center: 'legal' } as unknown as CaseState;

    it('asks the required field once the form is filled in, as 登记 does', () => {
      const error = refusal(s, { stage: '一审' }, building, withLegal(building));
      expect((error as ValidationFailed).issues.map((i) => i.path)).toEqual(['fields.caseNo']);
      expect(chinese(error.message)).toBe('必填');
      expect(set(s, { stage: '一审', caseNo: '(2026)鄂0583民初1号' }, building, withLegal(building)).ok).toBe(true);
    });

    it('does not let a required field be emptied', () => {
      const filled = { ...s, fields: { caseNo: '1' } } as CaseState;
      const error = refusal(filled, { caseNo: null }, building, withLegal(building));
      expect((error as ValidationFailed).issues.map((i) => i.path)).toEqual(['fields.caseNo']);
    });
  });
});

describe('a 补充信息 entry as each reader sees it', () => {
  const s = received({ center: 'welfare', fields: { helpType: '低保', household: '独居' } });
  const d = set(s, { helpType: '养老', household: '与儿子同住，月收入两千元' });
  if (!d.ok) throw d.error;
  const changes = (audience: Parameters<typeof rulesFor>[1], view: Parameters<typeof rulesFor>[0]) =>
    (protectEvent(d.event, shownBy(rulesFor(view, audience), false)) as Extract<typeof d.event, { type: 'fields_set' }>).data.changes;

  it('shows a mediator a personal field changed, its values masked; other fields as they are', () => {
    expect(changes('mediator', 'timeline')).toEqual([
      { code: 'helpType', from: '低保', to: '养老' },
      { code: 'household', from: MASKED_FORM_TEXT, to: MASKED_FORM_TEXT },
    ]);
    expect(JSON.stringify(changes('mediator', 'timeline'))).not.toContain('两千');
  });

  it('shows the filing 12345 client the values in full', () => {
    expect(changes('client', 'timeline')).toContainEqual({ code: 'household', from: '独居', to: '与儿子同住，月收入两千元' });
  });
});
