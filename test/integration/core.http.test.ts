/**
 * The case core's promises through HTTP, with the real relay and workers:
 * text read back whole from every view, retries made safe by Idempotency-Key,
 * effects delivered after the request has answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dumpTable, settledDump } from '../support/dynamo.ts';
import { call, login, startTestStack, waitFor } from '../support/stack.ts';

let stack: LocalStack;
let liaison: string;
const as = (token: string, key?: string) => ({ authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) });

beforeAll(async () => {
  stack = await startTestStack({ workers: true, sweepIntervalMs: 300, relayIntervalMs: 100 });
  liaison = await login(stack, 'building-mediator');
});
afterAll(() => stack.stop());

async function file(externalId: string, description: string) {
  const filed = await call(stack, 'POST', '/v1/cases', {
    body: { source: 'hotline', externalId, center: 'voice', description, reporter: { name: '周女士', phone: '13800138000' }, location: { unitId: 'hp-xf-yg-1' } },
  });
  expect(filed.status, filed.text).toBe(201);
  return filed.body as { id: string; version: number };
}

describe('whole text through every view', () => {
  const description = '阳光小区1栋302室楼上深夜噪音扰民，多次沟通无果，'.repeat(20).slice(0, 480);
  const parties = [{ name: '周红', role: 'applicant' }, { name: '吴强', role: 'respondent' }];
  const later = [
    { type: 'note', text: '已电话联系' },
    { type: 'accept' },
    ...parties.map((party) => ({ type: 'add_party', party })),
    { type: 'record_agreement', agreement: { parties, facts: '夜间噪音', terms: ['晚十点后不再拖动家具'], performance: { method: '自觉履行', deadline: '2026-12-31' } } },
    { type: 'note', text: '协议已送达双方' },
  ];
  /** The actions above, each answered with the whole description. */
  async function work(id: string) {
    for (const [i, action] of later.entries()) {
      const reply = await call(stack, 'POST', `/v1/cases/${id}/actions`, { headers: as(liaison), body: { ...action, expectedVersion: i + 1 } });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.description).toBe(description);
    }
  }

  it('a 480-character description survives a note, an acceptance, parties and an agreement, for mediators (and the agreement form) and for the hotline', async () => {
    expect([...description]).toHaveLength(480);
    const { id } = await file('12345-CORE-0001', description);
    await work(id);
    // The case page, and the agreement form it pre-fills (web/src/pages/actions.tsx: 纠纷主要事实 = the view's description).
    const mediator = await call(stack, 'GET', `/v1/cases/${id}`, { headers: as(liaison) });
    expect(mediator.body).toMatchObject({ version: later.length + 1, description, agreement: { facts: '夜间噪音' } });
    const client = await call(stack, 'GET', `/v1/cases/${id}`);
    expect(client.body.description).toBe(description);
    // Lists carry what fits in a row.
    const list = await call(stack, 'GET', '/v1/cases?scope=mine', { headers: as(liaison) });
    const row = (list.body.items as { id: string; description: string }[]).find((c) => c.id === id);
    expect(row?.description.endsWith('…')).toBe(true);
  });

  it('the same through Open311: GET requests/{id} and GET requests?service_request_id=, in JSON and XML', async () => {
    const filed = await call(stack, 'POST', '/open311/v2/requests.json', {
      raw: new URLSearchParams({ api_key: 'local-open311-key', service_code: 'voice', description, address_string: '阳光小区1栋', first_name: '红', last_name: '周', phone: '13800138077' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      key: null,
    });
    expect(filed.status, filed.text).toBe(201);
    const id = filed.body[0].service_request_id as string;
    await work(id);
    for (const path of [`/open311/v2/requests/${id}`, `/open311/v2/requests?service_request_id=${id}&x=`]) {
      const json = await call(stack, 'GET', path.replace(/(requests(\/[^?]*)?)/, '$1.json'), { key: null });
      expect(json.status, json.text).toBe(200);
      expect(json.body[0].description, path).toBe(description);
      const xml = await call(stack, 'GET', path.replace(/(requests(\/[^?]*)?)/, '$1.xml'), { key: null });
      expect(xml.text, path).toContain(`<description>${description}</description>`);
    }
  });
});

describe('Idempotency-Key on actions', () => {
  it('a retry answers the first result; the key with another body is 422; a bad key is 400 and writes nothing', async () => {
    const { id } = await file('12345-CORE-0002', '路灯不亮');
    const body = { type: 'accept', expectedVersion: 1 };
    const first = await call(stack, 'POST', `/v1/cases/${id}/actions`, { headers: as(liaison, 'web-7d1f-1'), body });
    expect(first.status, first.text).toBe(200);
    const retry = await call(stack, 'POST', `/v1/cases/${id}/actions`, { headers: as(liaison, 'web-7d1f-1'), body });
    expect(retry.status, retry.text).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toMatchObject({ version: first.body.version, lastEvent: first.body.lastEvent });

    const reused = await call(stack, 'POST', `/v1/cases/${id}/actions`, {
      headers: as(liaison, 'web-7d1f-1'),
      body: { type: 'note', text: '另一件事', expectedVersion: 2 },
    });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');

    // The relay and the notifier finish with this case first (markers cleared, messages recorded).
    await waitFor('the case\'s effects relayed', async () => {
      const items = await dumpTable(stack.dynamodb, stack.tableName);
      return items.some((i) => i.pk === `CASE#${id}` && i.fxPk !== undefined) ? undefined : true;
    });
    const before = await settledDump(stack.dynamodb, stack.tableName);
    for (const key of ['', 'x'.repeat(129), 'cl\u00e9', 'a b']) {
      const bad = await call(stack, 'POST', `/v1/cases/${id}/actions`, { headers: { ...as(liaison), 'idempotency-key': key }, body: { type: 'note', text: '记录', expectedVersion: 2 } });
      expect(bad.status, JSON.stringify(key)).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'validation_failed', issues: [{ path: 'Idempotency-Key' }] });
    }
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });
});

describe('effects after the answer', () => {
  it('the notification of a new case is sent by the relay, and its marker cleared', async () => {
    const { id } = await file('12345-CORE-0003', '垃圾桶满了没人清');
    const outboxed = await waitFor('the new-case message in the outbox', async () => {
      const items = (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => String(i.pk).startsWith('OUTBOX#') && i.caseId === id);
      return items.length > 0 ? items : undefined;
    });
    expect(outboxed.map((i) => i.topic)).toContain('new_case');
    const marked = await waitFor('the marker cleared', async () => {
      const event = (await dumpTable(stack.dynamodb, stack.tableName)).find((i) => i.pk === `CASE#${id}` && i.sk === 'EVT#0000000001');
      return event && event.fx === undefined ? event : undefined;
    });
    expect(marked.fxPk).toBeUndefined();
  });
});

describe('tracking with a code of any characters', () => {
  it('answers 404 for a code that is not the case\'s, whatever its characters (astral, controls, longer or shorter)', async () => {
    const filed = await call(stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', externalId: '12345-CORE-0004', center: 'voice', description: '井盖丢了', location: { unitId: 'hp-xf-yg-1' } },
    });
    const no = filed.body.trackingNo as string;
    // Four wrong tries: the fifth would lock the number for a while.
    for (const code of ['𠀀𠀀𠀀𠀀𠀀𠀀', '\u000f\n', '1', '12345678901234567890']) {
      const reply = await call(stack, 'GET', `/v1/track/${no}?code=${encodeURIComponent(code)}`, { key: null, headers: { 'x-forwarded-for': `198.51.100.${code.length}` } });
      expect(reply.status, JSON.stringify(code)).toBe(404);
    }
    const right = await call(stack, 'GET', `/v1/track/${no}?code=${filed.body.trackingCode as string}`, { key: null });
    expect(right.status).toBe(200);
  });
});
