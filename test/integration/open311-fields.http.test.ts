/**
 * Open311 and the centres' forms (issue 17.1): each service definition
 * publishes its centre's fields as attributes, and `attribute[code]` on a POST
 * fills them in — checked as the intake checks them, an error naming the attribute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { parseXml } from '../../shared/channels/xml.ts';
import { CENTERS, type FieldDef } from '../../shared/domain/index.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.stop());

const post = (fields: Record<string, string>) =>
  call(stack, 'POST', '/open311/v2/requests.json', {
    raw: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    key: null,
  });
const valid = { api_key: 'local-open311-key', service_code: 'mediation', description: '楼上漏水到我家，协商不成', address_string: '阳光小区1栋' };

describe('service definitions', () => {
  it.each(CENTERS.map((c) => ({ code: c.code, fields: c.fields as readonly FieldDef[] })))('$code publishes its fields as attributes', async ({ code, fields }) => {
    const def = await call(stack, 'GET', `/open311/v2/services/${code}.json`, { key: null });
    expect(def.status).toBe(200);
    const attributes = def.body.attributes as { code: string; datatype: string; required: boolean; values: { key: string }[] }[];
    expect(attributes.map((a) => a.code)).toEqual(['priority', ...fields.map((f) => f.code)]);
    for (const f of fields) {
      const a = attributes.find((x) => x.code === f.code)!;
      expect(a.datatype).toBe(f.type === 'choice' ? 'singlevaluelist' : f.type === 'number' ? 'number' : 'string');
      expect(a.required).toBe(false);
      expect(a.values.map((v) => v.key)).toEqual(f.type === 'choice' ? f.choices : []);
    }
  });

  it('says so in the service list (metadata) and in XML', async () => {
    const list = await call(stack, 'GET', '/open311/v2/services.json', { key: null });
    expect(list.body.every((s: { metadata: boolean }) => s.metadata === true)).toBe(true);
    const xml = await call(stack, 'GET', '/open311/v2/services/mediation.xml', { key: null });
    expect(JSON.stringify(parseXml(xml.text))).toContain('disputeType');
  });
});

describe('POST requests with attribute[code]', () => {
  it('fills in the centre\'s form (a number as a number)', async () => {
    const created = await post({ ...valid, 'attribute[disputeType]': '物业', 'attribute[amount]': '1200', 'attribute[priority]': 'urgent' });
    expect(created.status, created.text).toBe(201);
    const id = created.body[0].service_request_id as string;
    const mediator = { authorization: `Bearer ${await login(stack, 'building-mediator')}` };
    const read = await call(stack, 'GET', `/v1/cases/${id}`, { headers: mediator });
    expect(read.body).toMatchObject({ fields: { disputeType: '物业', amount: 1200 }, priority: 'urgent' });
  });

  it.each([
    { name: 'a choice not offered', attribute: 'disputeType', value: '吵架' },
    { name: 'an amount not a number', attribute: 'amount', value: '三千' },
    { name: 'another centre\'s field', attribute: 'household', value: '独居' },
  ])('$name → 400 naming attribute[$attribute], nothing written', async ({ attribute, value }) => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const reply = await post({ ...valid, [`attribute[${attribute}]`]: value });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body).toHaveLength(1);
    expect(reply.body[0].code).toBe(400);
    expect(reply.body[0].description).toContain(`attribute[${attribute}]`);
    expect(reply.body[0].description).not.toContain('fields.');
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });
});
