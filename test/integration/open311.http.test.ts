/** Open311 GeoReport v2 through the real local stack, in JSON and XML. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { parseXml } from '../../shared/channels/xml.ts';
import { CENTERS } from '../../shared/domain/index.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.stop());

const KEY = 'local-open311-key';

function post(format: 'json' | 'xml', fields: Record<string, string>, headers: Record<string, string> = {}) {
  return call(stack, 'POST', `/open311/v2/requests.${format}`, {
    raw: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    key: null,
  });
}

const valid = { api_key: KEY, service_code: 'voice', description: '阳光小区1栋楼道灯坏了，晚上很黑', address_string: '阳光小区1栋', first_name: '小红', last_name: '周', phone: '13800138077' };

describe('services', () => {
  it('lists the five centres with their attribute definitions, in JSON and XML', async () => {
    const json = await call(stack, 'GET', '/open311/v2/services.json', { key: null });
    expect(json.status).toBe(200);
    expect(json.body.map((s: { service_code: string }) => s.service_code)).toEqual(CENTERS.map((c) => c.code));
    const xml = await call(stack, 'GET', '/open311/v2/services.xml', { key: null });
    expect(xml.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect((parseXml(xml.text).services as { service: unknown[] }).service).toHaveLength(5);
    const def = await call(stack, 'GET', '/open311/v2/services/mediation.json', { key: null });
    expect(def.body.service_code).toBe('mediation');
    // Urgency first; the centre's form follows (open311-fields.http.test.ts).
    expect(def.body.attributes[0]).toMatchObject({ code: 'priority', datatype: 'singlevaluelist' });
    const defXml = await call(stack, 'GET', '/open311/v2/services/welfare.xml', { key: null });
    expect(parseXml(defXml.text)).toMatchObject({ service_definition: { service_code: 'welfare' } });
    const unknown = await call(stack, 'GET', '/open311/v2/services/parking.json', { key: null });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual([{ code: 404, description: 'no service "parking"' }]);
  });

  it('serves discovery', async () => {
    const doc = await call(stack, 'GET', '/open311/v2/discovery.json', { key: null });
    expect(doc.body.endpoints[0]).toMatchObject({ specification: 'http://wiki.open311.org/GeoReport_v2', formats: ['application/json', 'text/xml'] });
    const xml = await call(stack, 'GET', '/open311/v2/discovery.xml', { key: null });
    expect(parseXml(xml.text)).toMatchObject({ discovery: { endpoints: { endpoint: { type: 'production' } } } });
  });
});

describe('requests', () => {
  it('round-trips a POST and a GET in JSON', async () => {
    const created = await post('json', valid);
    expect(created.status).toBe(201);
    const [{ service_request_id: id, service_notice: notice }] = created.body;
    expect(notice).toMatch(/^诉求已受理，编号 [2-9A-HJ-NP-Z]{10}，提取码 \d{6}/);

    const one = await call(stack, 'GET', `/open311/v2/requests/${id}.json`, { key: null });
    expect(one.status).toBe(200);
    expect(one.body).toEqual([
      expect.objectContaining({
        service_request_id: id,
        status: 'open',
        service_code: 'voice',
        service_name: '民声收集',
        description: valid.description,
        address: '阳光小区1栋',
        status_notes: '待签收（楼栋·1栋）',
        lat: null,
        long: null,
      }),
    ]);
    // expected_datetime is the SLA's 办结 deadline.
    const token = await login(stack, 'township-mediator');
    const asMediator = await call(stack, 'GET', `/v1/cases/${id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(one.body[0].expected_datetime).toBe(asMediator.body.resolveDueAt);
    expect(one.text).not.toContain('13800138077');

    const list = await call(stack, 'GET', `/open311/v2/requests.json?service_request_id=${id},NOSUCHCASE`, { key: null });
    expect(list.body.map((r: { service_request_id: string }) => r.service_request_id)).toEqual([id]);
    // An id that could be a key but names no case is simply not found.
    const odd = await call(stack, 'GET', `/open311/v2/requests.json?service_request_id=${id},${encodeURIComponent('../STATE')}`, { key: null });
    expect(odd.status, odd.text).toBe(200);
    expect(odd.body.map((r: { service_request_id: string }) => r.service_request_id)).toEqual([id]);
    // Anything that cannot be a key is refused at the edge: 700 汉字 are 2,100 bytes, past DynamoDB's 2,048-byte
    // key limit (dynalite counts 700 UTF-16 units and let it through; DynamoDB Local answered 500).
    for (const bad of ['中'.repeat(700), 'a'.repeat(2100)]) {
      const listed = await call(stack, 'GET', `/open311/v2/requests.json?service_request_id=${id},${encodeURIComponent(bad)}`, { key: null });
      expect(listed.status, listed.text).toBe(400);
      expect(listed.body).toEqual([{ code: 400, description: expect.stringContaining('service_request_id') }]);
    }
    const token311 = await call(stack, 'GET', `/open311/v2/tokens/${id}.json`, { key: null });
    expect(token311.body).toEqual([{ service_request_id: id, token: id }]);
  });

  it('round-trips a POST and a GET in XML', async () => {
    const created = await post('xml', { ...valid, service_code: 'welfare', description: '和谐家园2栋独居老人需要助餐服务', address_string: '和谐家园2栋', lat: '30.5', long: '114.3' });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const id = (parseXml(created.text) as { service_requests: { request: { service_request_id: string } } }).service_requests.request.service_request_id;
    const one = await call(stack, 'GET', `/open311/v2/requests/${id}.xml`, { key: null });
    const request = (parseXml(one.text) as { service_requests: { request: Record<string, string> } }).service_requests.request;
    expect(request).toMatchObject({ service_request_id: id, status: 'open', service_code: 'welfare', lat: '30.5', long: '114.3', address: '和谐家园2栋' });
    expect(request.expected_datetime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('lists by date range, service and status (byMonth index), only requests filed through Open311', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    const a = (await post('json', { ...valid, service_code: 'guidance', description: '请问居住证怎么办理' })).body[0].service_request_id;
    const b = (await post('json', { ...valid, service_code: 'opinion', description: '建议小区增设充电桩' })).body[0].service_request_id;
    // A hotline case in the same range is not an Open311 request.
    const hotline = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'guidance', description: '热线来的咨询', location: { unitId: 'hp-xf-yg-1' } } });
    const after = new Date(Date.now() + 1000).toISOString();
    const range = `start_date=${encodeURIComponent(before)}&end_date=${encodeURIComponent(after)}`;
    const all = await call(stack, 'GET', `/open311/v2/requests.json?${range}`, { key: null });
    const ids = all.body.map((r: { service_request_id: string }) => r.service_request_id);
    expect(ids).toEqual(expect.arrayContaining([a, b]));
    expect(ids).not.toContain(hotline.body.id);
    // A bare date is a China day, the whole of it.
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const byDay = await call(stack, 'GET', `/open311/v2/requests.json?start_date=${today}&end_date=${today}`, { key: null });
    expect(byDay.body.map((r: { service_request_id: string }) => r.service_request_id)).toEqual(expect.arrayContaining([a, b]));
    const guidance = await call(stack, 'GET', `/open311/v2/requests.json?${range}&service_code=guidance`, { key: null });
    expect(guidance.body.map((r: { service_request_id: string }) => r.service_request_id)).toEqual([a]);
    const closed = await call(stack, 'GET', `/open311/v2/requests.json?${range}&status=closed`, { key: null });
    expect(closed.body).toEqual([]);
    const xml = await call(stack, 'GET', `/open311/v2/requests.xml?${range}&service_code=opinion`, { key: null });
    expect((parseXml(xml.text) as { service_requests: { request: { service_request_id: string } } }).service_requests.request.service_request_id).toBe(b);
  });
});

describe('errors in Open311’s format', () => {
  it.each([
    ['json', 403],
    ['xml', 403],
  ] as const)('a POST without api_key (%s) gets 403 and writes nothing', async (format, status) => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const { api_key: _k, ...noKey } = valid;
    const reply = await post(format, noKey);
    expect(reply.status).toBe(status);
    if (format === 'json') expect(reply.body).toEqual([{ code: 403, description: 'api_key is required to create a service request' }]);
    else expect(parseXml(reply.text)).toEqual({ errors: { error: { code: '403', description: 'api_key is required to create a service request' } } });
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it.each([
    ['a wrong api_key', { ...valid, api_key: 'nope' }, 403],
    ['the hotline key (not an Open311 client)', { ...valid, api_key: 'local-hotline-key' }, 403],
    ['an unknown service_code', { ...valid, service_code: 'parking' }, 400],
    ['no location', { ...valid, address_string: '' }, 400],
    ['a bad lat', { ...valid, lat: '91', long: '0' }, 400],
  ])('%s → %i, nothing written', async (_name, fields, status) => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const reply = await post('json', fields);
    expect(reply.status).toBe(status);
    expect(reply.body).toEqual([{ code: status, description: expect.any(String) }]);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('answers unknown ids, documents and filters in Open311’s format', async () => {
    expect((await call(stack, 'GET', '/open311/v2/requests/NOSUCHCASE.json', { key: null })).body).toEqual([{ code: 404, description: 'no service request NOSUCHCASE' }]);
    const hotline = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '热线来的', location: { unitId: 'hp-xf-yg-1' } } });
    expect((await call(stack, 'GET', `/open311/v2/requests/${hotline.body.id}.json`, { key: null })).status).toBe(404);
    expect((await call(stack, 'GET', '/open311/v2/things.json', { key: null })).status).toBe(404);
    const badDate = await call(stack, 'GET', '/open311/v2/requests.xml?start_date=yesterday', { key: null });
    expect(badDate.status).toBe(400);
    expect(parseXml(badDate.text)).toMatchObject({ errors: { error: { code: '400' } } });
    const tooLong = await call(stack, 'GET', '/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z', { key: null });
    expect(tooLong.body[0].description).toContain('at most 90 days');
    const json = await call(stack, 'POST', '/open311/v2/requests.json', { body: valid, key: null });
    expect(json.status).toBe(415);
  });
});
