/**
 * 补充信息 through the real local HTTP stack (issue 17.1): a case filed
 * without a form gets its fields later; a bad, unknown or out-of-jurisdiction
 * request is refused with nothing written.
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

const base = { source: 'hotline', description: '楼上漏水到我家，协商不成。', reporter: { name: '周女士', phone: '13800138000' }, location: { unitId: 'hp-xf-yg-1' } };

async function file(center: string, fields?: Record<string, unknown>) {
  const created = await call(stack, 'POST', '/v1/cases', { body: { ...base, center, ...(fields ? { fields } : {}) } });
  expect(created.status, created.text).toBe(201);
  return created.body as { id: string; version: number };
}

const setFields = (id: string, version: number, fields: unknown, headers = mediator) =>
  call(stack, 'POST', `/v1/cases/${id}/actions`, { headers, body: { type: 'set_fields', expectedVersion: version, fields } });

describe('set_fields', () => {
  it('fills in a case filed without a form, and the timeline says 补充信息 with what changed', async () => {
    const c = await file('mediation');
    const reply = await setFields(c.id, c.version, { disputeType: '物业', amount: 1200 });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.fields).toEqual({ disputeType: '物业', amount: 1200 });
    expect(reply.body.lastEvent.type).toBe('fields_set');
    const corrected = await setFields(c.id, reply.body.version, { amount: 1500 });
    expect(corrected.body.fields).toEqual({ disputeType: '物业', amount: 1500 });
    const events = await call(stack, 'GET', `/v1/cases/${c.id}/events`, { headers: mediator });
    const last = events.body.items.at(-1);
    expect(last).toMatchObject({ type: 'fields_set', data: { center: 'mediation', changes: [{ code: 'amount', from: 1200, to: 1500 }] } });
  });

  it('masks a personal field\'s values in a mediator\'s timeline', async () => {
    const c = await file('welfare', { helpType: '低保' });
    const reply = await setFields(c.id, c.version, { household: '独居老人，月收入不足八百元' });
    expect(reply.status, reply.text).toBe(200);
    const events = await call(stack, 'GET', `/v1/cases/${c.id}/events`, { headers: mediator });
    expect(events.body.items.at(-1).data.changes).toEqual([{ code: 'household', to: MASKED_FORM_TEXT }]);
    expect(events.text).not.toContain('八百元');
  });
});

describe('a bad, unknown or out-of-jurisdiction set_fields writes nothing', () => {
  const cases: { name: string; fields: unknown; status: number; path?: string; as?: string }[] = [
    { name: 'a choice not offered', fields: { disputeType: '吵架' }, status: 400, path: 'fields.disputeType' },
    { name: 'an amount as text', fields: { amount: '三千' }, status: 400, path: 'fields.amount' },
    { name: 'another centre\'s field', fields: { household: '独居' }, status: 400, path: 'fields.household' },
    { name: 'a field no centre declares', fields: { colour: '红' }, status: 400, path: 'fields.colour' },
    { name: 'nothing changed', fields: {}, status: 400, path: 'fields' },
    { name: 'a mediator of another township (outside the jurisdiction)', fields: { disputeType: '物业' }, status: 404, as: 'village-mediator' },
    { name: 'the compound above (not the unit holding it)', fields: { disputeType: '物业' }, status: 403, as: 'compound-mediator' },
    { name: 'a leader (read-only)', fields: { disputeType: '物业' }, status: 403, as: 'leader' },
  ];

  it.each(cases)('$name → $status', async ({ fields, status, path, as }) => {
    const c = await file('mediation');
    const headers = as === undefined ? mediator : { authorization: `Bearer ${await login(stack, as)}` };
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const reply = await setFields(c.id, c.version, fields, headers);
    expect(reply.status, reply.text).toBe(status);
    if (path) {
      expect(reply.body.error.code).toBe('validation_failed');
      expect(reply.body.error.issues.map((i: { path: string }) => i.path)).toEqual([path]);
    }
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });
});
