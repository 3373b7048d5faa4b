/**
 * The centres' forms through the real local HTTP stack (issue 17.1): a hotline
 * and a registrar file a centre's fields, every reader sees them as the
 * privacy policy says (家庭情况 is personal), and a bad or unknown field is a
 * 400 naming it with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { MASKED_FORM_TEXT } from '../../shared/domain/index.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
let mediator: Record<string, string>;
beforeAll(async () => {
  stack = await startTestStack();
  mediator = { authorization: `Bearer ${await login(stack, 'building-mediator')}` };
});
afterAll(() => stack.stop());

const HOUSEHOLD = '独居老人，儿子在外地务工，月收入不足八百元';
const base = { source: 'hotline', description: '楼上漏水到我家，协商不成。', reporter: { name: '周女士', phone: '13800138000' }, location: { unitId: 'hp-xf-yg-1' } };

describe('a centre\'s form on a case', () => {
  it('files 民事调解\'s fields from a hotline and reads them back, on the case, its first event and the OpenAPI document', async () => {
    const created = await call(stack, 'POST', '/v1/cases', { body: { ...base, center: 'mediation', fields: { disputeType: '邻里', amount: 3200 } } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.fields).toEqual({ disputeType: '邻里', amount: 3200 });
    const read = await call(stack, 'GET', `/v1/cases/${created.body.id}`);
    expect(read.body.fields).toEqual({ disputeType: '邻里', amount: 3200 });
    const events = await call(stack, 'GET', `/v1/cases/${created.body.id}/events`);
    expect(events.body.items[0].data.fields).toEqual({ disputeType: '邻里', amount: 3200 });
    const asMediator = await call(stack, 'GET', `/v1/cases/${created.body.id}`, { headers: mediator });
    expect(asMediator.body.fields).toEqual({ disputeType: '邻里', amount: 3200 });

    const doc = await call(stack, 'GET', '/openapi.json', { key: null });
    const branch = doc.body.components.schemas.Intake.allOf.find((b: { if: { properties: { center: { const: string } } } }) => b.if.properties.center.const === 'mediation');
    expect(branch.then.properties.fields.properties.disputeType).toMatchObject({ title: '纠纷类型', enum: ['邻里', '婚姻家庭', '物业', '劳资', '土地', '其他'] });
  });

  it('shows 家庭情况 to the filing client in full, to the mediator masked until revealed, and never in a list', async () => {
    const created = await call(stack, 'POST', '/v1/cases', { body: { ...base, center: 'welfare', description: '老人申请低保。', fields: { helpType: '低保', household: HOUSEHOLD } } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    expect((await call(stack, 'GET', `/v1/cases/${id}`)).body.fields).toEqual({ helpType: '低保', household: HOUSEHOLD });

    const masked = await call(stack, 'GET', `/v1/cases/${id}`, { headers: mediator });
    expect(masked.body.fields).toEqual({ helpType: '低保', household: MASKED_FORM_TEXT });
    const revealed = await call(stack, 'GET', `/v1/cases/${id}?reveal=personal`, { headers: mediator });
    expect(revealed.body.fields).toEqual({ helpType: '低保', household: HOUSEHOLD });
    // The reveal is recorded, naming the field it showed (the 查阅记录 is read by the township's admin).
    const admin = { authorization: `Bearer ${await login(stack, 'admin')}` };
    const audit = await call(stack, 'GET', `/v1/cases/${id}/audit`, { headers: admin });
    expect(JSON.stringify(audit.body)).toContain('formPersonal');

    const timeline = await call(stack, 'GET', `/v1/cases/${id}/events`, { headers: mediator });
    expect(timeline.body.items[0].data.fields).toEqual({ helpType: '低保', household: MASKED_FORM_TEXT });
    const list = await call(stack, 'GET', '/v1/cases?scope=subtree', { headers: mediator });
    const item = list.body.items.find((c: { id: string }) => c.id === id);
    expect(item.fields).toEqual({ helpType: '低保' });
    expect(list.text).not.toContain(HOUSEHOLD);
  });

  it('takes the fields a registrar fills in at 登记', async () => {
    const registered = await call(stack, 'POST', '/v1/cases', {
      headers: mediator,
      body: { ...base, source: 'walk_in', center: 'voice', description: '路灯坏了。', fields: { place: '1栋东侧', duration: '一周以内' } },
    });
    expect(registered.status, registered.text).toBe(201);
    expect(registered.body.fields).toEqual({ place: '1栋东侧', duration: '一周以内' });
  });
});

describe('a bad or unknown field is a 400 naming it, and nothing is written', () => {
  const cases: { name: string; center: string; fields: unknown; path: string; registrar?: boolean }[] = [
    { name: 'a choice not offered', center: 'mediation', fields: { disputeType: '吵架' }, path: 'fields.disputeType' },
    { name: 'a negative amount', center: 'mediation', fields: { amount: -5 }, path: 'fields.amount' },
    { name: 'an amount as text', center: 'mediation', fields: { amount: '三千' }, path: 'fields.amount' },
    { name: 'a field the centre does not declare', center: 'mediation', fields: { colour: '红' }, path: 'fields.colour' },
    { name: 'another centre\'s field', center: 'voice', fields: { household: HOUSEHOLD }, path: 'fields.household' },
    { name: 'text over its length', center: 'voice', fields: { place: '长'.repeat(101) }, path: 'fields.place' },
    { name: 'fields not an object', center: 'guidance', fields: ['法律'], path: 'fields' },
    { name: 'at 登记, a choice not offered', center: 'welfare', fields: { helpType: '发钱' }, path: 'fields.helpType', registrar: true },
  ];

  it.each(cases)('$name → 400 at $path', async ({ center, fields, path, registrar }) => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const body = { ...base, center, fields, ...(registrar ? { source: 'walk_in' } : {}) };
    const reply = await call(stack, 'POST', '/v1/cases', registrar ? { headers: mediator, body } : { body });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.error.code).toBe('validation_failed');
    expect(reply.body.error.issues.map((i: { path: string }) => i.path)).toEqual([path]);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });
});
