/** The hotline intake API through the real local HTTP stack, as an integrator would call it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.stop());

const valid = {
  source: 'hotline',
  center: 'voice',
  description: '小区东门的路灯坏了一周，晚上很黑。',
  reporter: { name: '周女士', phone: '138-0013-8000' },
  location: { unitId: 'hp-xf-yg-1' },
};

describe('POST /v1/cases', () => {
  it('files a case: 201 with tracking number and code, readable back with its timeline', async () => {
    const created = await call(stack, 'POST', '/v1/cases', { body: { ...valid, externalId: 'WO-20261126-0001' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      version: 1,
      status: 'pending',
      level: 'building',
      unitId: 'hp-xf-yg-1',
      originUnitId: 'hp-xf-yg-1',
      center: 'voice',
      reporter: { phone: '13800138000' },
    });
    expect(created.body.trackingNo).toMatch(/^[2-9A-HJ-NP-Z]{10}$/);
    expect(created.body.trackingCode).toMatch(/^\d{6}$/);
    expect(created.headers.get('location')).toBe(`/v1/cases/${created.body.id}`);

    const read = await call(stack, 'GET', `/v1/cases/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: created.body.id, dueAt: created.body.dueAt, description: valid.description });
    const events = await call(stack, 'GET', `/v1/cases/${created.body.id}/events`);
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual(['received']);

    const tracked = await call(stack, 'GET', `/v1/track/${created.body.trackingNo.toLowerCase()}?code=${created.body.trackingCode}`, { key: null });
    expect(tracked.status).toBe(200);
    expect(tracked.body).toMatchObject({ status: 'pending', statusName: '待签收', reporter: { phone: '138****8000', name: '周**' } });
    expect(tracked.text).not.toContain('13800138000');
  });

  it('is idempotent by source+externalId and by Idempotency-Key: 200 with the same case', async () => {
    const first = await call(stack, 'POST', '/v1/cases', { body: { ...valid, externalId: 'WO-REPLAY' } });
    const again = await call(stack, 'POST', '/v1/cases', { body: { ...valid, externalId: 'WO-REPLAY' } });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);

    const headers = { 'idempotency-key': 'retry-7f3a' };
    const k1 = await call(stack, 'POST', '/v1/cases', { body: valid, headers });
    const k2 = await call(stack, 'POST', '/v1/cases', { body: valid, headers });
    const other = await call(stack, 'POST', '/v1/cases', { body: valid });
    expect([k1.status, k2.status, other.status]).toEqual([201, 200, 201]);
    expect(k2.body.id).toBe(k1.body.id);
    expect(other.body.id).not.toBe(k1.body.id);
  });

  it('round-trips Chinese text byte for byte', async () => {
    const description = '邻居家狗夜里叫，𠀀𪚥 生僻字、emoji 😀 和全角标点：“”（）——都要原样保存。\n第二行';
    const sent = { ...valid, description, title: '噪音扰民（犬吠）', reporter: { name: '欧阳娜娜' } };
    const created = await call(stack, 'POST', '/v1/cases', { body: sent });
    const read = await call(stack, 'GET', `/v1/cases/${created.body.id}`);
    expect(Buffer.from(read.body.description, 'utf8').equals(Buffer.from(description, 'utf8'))).toBe(true);
    expect(read.body.title).toBe('噪音扰民（犬吠）');
    expect(read.body.reporter.name).toBe('欧阳娜娜');
    expect(read.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('routes by address, and to the township when the unit cannot be determined', async () => {
    const byAddress = await call(stack, 'POST', '/v1/cases', { body: { ...valid, location: { address: '和谐家园2栋' } } });
    expect(byAddress.body.unitId).toBe('hp-hx-jy-2');
    const unknown = await call(stack, 'POST', '/v1/cases', { body: { ...valid, location: { address: '某处' } } });
    expect(unknown.body).toMatchObject({ level: 'township', unitId: 'hp' });
  });

  it('serves its OpenAPI document', async () => {
    const doc = await call(stack, 'GET', '/openapi.json', { key: null });
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toContain('/v1/cases');
    expect(doc.body.components.schemas.Intake.properties.center.enum).toEqual(['opinion', 'mediation', 'voice', 'guidance', 'welfare']);
  });

  it('answers a path or method the contract does not have with its own 404 body (the $default route, as in AWS)', async () => {
    for (const [method, path] of [['GET', '/v1/nope'], ['DELETE', '/v1/cases'], ['POST', '/v1/cases/a/b/c'], ['GET', '/']] as const) {
      const reply = await call(stack, method, path, { key: null });
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body).toEqual({ error: { code: 'not_found', message: `no route ${method} ${path}` } });
    }
  });
});

describe('bad input gets a clear 4xx and changes nothing', () => {
  const cases: {
    name: string;
    status: number;
    code: string;
    path?: string;
    request: { body?: unknown; raw?: string; headers?: Record<string, string>; key?: string | null };
  }[] = [
    { name: 'malformed JSON', status: 400, code: 'validation_failed', request: { raw: '{"source": "hotline",', headers: { 'content-type': 'application/json' } } },
    { name: 'wrong types', status: 400, code: 'validation_failed', path: 'description', request: { body: { ...valid, description: 42 } } },
    { name: 'missing description', status: 400, code: 'validation_failed', path: 'description', request: { body: { ...valid, description: undefined } } },
    { name: 'blank description', status: 400, code: 'validation_failed', path: 'description', request: { body: { ...valid, description: '   ' } } },
    { name: 'description over 4000 chars', status: 400, code: 'validation_failed', path: 'description', request: { body: { ...valid, description: '长'.repeat(4001) } } },
    { name: 'unknown centre', status: 400, code: 'validation_failed', path: 'center', request: { body: { ...valid, center: 'complaints' } } },
    { name: 'unknown unit id', status: 400, code: 'validation_failed', path: 'location.unitId', request: { body: { ...valid, location: { unitId: 'no-such-unit' } } } },
    { name: 'invalid phone', status: 400, code: 'validation_failed', path: 'reporter.phone', request: { body: { ...valid, reporter: { phone: '12345' } } } },
    { name: 'unknown field', status: 400, code: 'validation_failed', request: { body: { ...valid, desciption: 'typo' } } },
    { name: 'a JSON array', status: 400, code: 'validation_failed', request: { body: [valid] } },
    { name: 'bad Idempotency-Key', status: 400, code: 'validation_failed', request: { body: valid, headers: { 'idempotency-key': 'x'.repeat(200) } } },
    { name: 'body over 64 KB', status: 413, code: 'payload_too_large', request: { body: { ...valid, title: 'x'.repeat(70_000) } } },
    { name: 'wrong content type', status: 415, code: 'unsupported_media_type', request: { raw: JSON.stringify(valid), headers: { 'content-type': 'text/plain' } } },
    { name: 'form-encoded body', status: 415, code: 'unsupported_media_type', request: { raw: 'source=hotline', headers: { 'content-type': 'application/x-www-form-urlencoded' } } },
    { name: 'missing API key', status: 401, code: 'unauthorized', request: { body: valid, key: null } },
    { name: 'wrong API key', status: 401, code: 'unauthorized', request: { body: valid, key: 'not-a-key' } },
    { name: 'source the key may not use', status: 403, code: 'forbidden', request: { body: { ...valid, source: 'wechat' } } },
  ];

  it.each(cases)('$name → $status $code', async ({ status, code, path, request }) => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const reply = await call(stack, 'POST', '/v1/cases', request);
    expect(reply.status).toBe(status);
    expect(reply.body.error.code).toBe(code);
    expect(reply.body.error.message.length).toBeGreaterThan(5);
    if (path) expect(reply.body.error.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('reads of unknown or foreign cases are 404, with a bad cursor 400', async () => {
    expect((await call(stack, 'GET', '/v1/cases/NOSUCHCASE')).status).toBe(404);
    const created = await call(stack, 'POST', '/v1/cases', { body: valid });
    expect((await call(stack, 'GET', `/v1/cases/${created.body.id}/events?cursor=garbage`)).body.error.code).toBe('validation_failed');
    expect((await call(stack, 'GET', `/v1/cases/${created.body.id}/events?limit=0`)).status).toBe(400);
    expect((await call(stack, 'GET', '/v1/nothing-here')).status).toBe(404);
  });

  it('wrong 提取码 answers 404, and repeated wrong codes are rate-limited', async () => {
    const created = await call(stack, 'POST', '/v1/cases', { body: valid });
    const url = `/v1/track/${created.body.trackingNo}`;
    for (let i = 0; i < 5; i++) expect((await call(stack, 'GET', `${url}?code=000000`, { key: null })).status).toBe(404);
    const limited = await call(stack, 'GET', `${url}?code=${created.body.trackingCode}`, { key: null });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
