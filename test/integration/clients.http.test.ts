/**
 * API clients: scopes on every route they may call, each reading only the
 * cases it filed, and work-order numbers that belong to the client that sent
 * them — with cases filed under the old, client-less key still found.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { decide, trackingCodeFromBytes, trackingNoFromBytes, type IntakeInput } from '../../shared/domain/index.ts';
import { CLIENT_SCOPES } from '../../shared/http/auth.ts';
import { FUNCTIONS } from '../../infra/topology.ts';
import { dumpTable, settledDump } from '../support/dynamo.ts';
import { call, startTestStack } from '../support/stack.ts';
import { units, policy } from '../support/domain.ts';

let stack: LocalStack;
const OTHER_HOTLINE = 'other-hotline-key';
const OPEN311_READER = 'open311-reader-key';
const OPEN311 = 'local-open311-key';

beforeAll(async () => {
  stack = await startTestStack();
  const { directory } = await import('../../shared/service/runtime.ts');
  // A second 12345 system of the same township, with the same source, and an Open311 front end that may also read.
  await directory.putApiClient(OTHER_HOTLINE, { name: 'hotline-district-b', sources: ['hotline'], scopes: ['cases:write', 'cases:read'], rootUnitId: 'hp' });
  await directory.putApiClient(OPEN311_READER, { name: 'open311-reader', sources: ['open311'], scopes: ['cases:write', 'cases:read'], rootUnitId: 'hp' });
});
afterAll(() => stack.stop());

const workOrder = (externalId: string, description = '小区路灯不亮') => ({
  source: 'hotline',
  externalId,
  center: 'voice',
  description,
  reporter: { name: '周女士', phone: '13800138000' },
  location: { unitId: 'hp-xf-yg-1' },
});

describe('scopes on every route', () => {
  it('lists, for every route an API key may call, the scope it needs; every other route refuses keys', async () => {
    const routes = Object.values(FUNCTIONS).flatMap((f) => ('routes' in f ? [...f.routes] : []));
    for (const route of Object.keys(CLIENT_SCOPES)) expect(routes).toContain(route);
    // A key on a mediators' route: refused, never served.
    for (const [method, path] of [
      ['GET', '/v1/cases?scope=subtree'],
      ['GET', '/v1/stats'],
      ['GET', '/v1/units'],
      ['GET', '/v1/outbox'],
    ] as const) {
      const reply = await call(stack, method, path);
      expect([401, 403]).toContain(reply.status);
    }
  });

  it('the Open311 key (cases:write only) files but cannot read a case, not even its own', async () => {
    const filed = await call(stack, 'POST', '/open311/v2/requests.json', {
      raw: new URLSearchParams({ api_key: OPEN311, service_code: 'voice', description: '路面坑洼', address_string: '幸福社区', phone: '13800138001' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      key: null,
    });
    expect(filed.status).toBe(201);
    const id = filed.body[0].service_request_id as string;
    for (const path of [`/v1/cases/${id}`, `/v1/cases/${id}/events`]) {
      const read = await call(stack, 'GET', path, { key: OPEN311 });
      expect(read.status).toBe(403);
      expect(read.body.error.message).toBe(`this key lacks the scope cases:read that GET ${path.endsWith('events') ? '/v1/cases/{id}/events' : '/v1/cases/{id}'} needs`);
      expect(read.text).not.toContain('13800138001');
    }
  });

  it('a key with cases:read reads only the cases its own client filed', async () => {
    const hotlineCase = (await call(stack, 'POST', '/v1/cases', { body: workOrder('SCOPE-1') })).body;
    const open311Case = await call(stack, 'POST', '/open311/v2/requests.json', {
      raw: new URLSearchParams({ api_key: OPEN311_READER, service_code: 'voice', description: '井盖缺失', address_string: '幸福社区' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      key: null,
    });
    const own = open311Case.body[0].service_request_id as string;
    expect((await call(stack, 'GET', `/v1/cases/${own}`, { key: OPEN311_READER })).status).toBe(200);
    expect((await call(stack, 'GET', `/v1/cases/${hotlineCase.id}`, { key: OPEN311_READER })).status).toBe(404);
    expect((await call(stack, 'GET', `/v1/cases/${hotlineCase.id}`, { key: OTHER_HOTLINE })).status).toBe(404);
    expect((await call(stack, 'GET', `/v1/cases/${own}`)).status).toBe(404);
  });
});

describe('work-order numbers belong to the client that sent them', () => {
  it('two clients sending the same externalId file two cases; each retry finds its own', async () => {
    const first = await call(stack, 'POST', '/v1/cases', { body: workOrder('12345-20261126-0042', '第一家热线的工单') });
    const second = await call(stack, 'POST', '/v1/cases', { body: workOrder('12345-20261126-0042', '第二家热线的工单'), key: OTHER_HOTLINE });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.trackingCode).not.toBe(first.body.trackingCode);
    expect(second.body.description).toBe('第二家热线的工单');
    const firstAgain = await call(stack, 'POST', '/v1/cases', { body: workOrder('12345-20261126-0042') });
    const secondAgain = await call(stack, 'POST', '/v1/cases', { body: workOrder('12345-20261126-0042'), key: OTHER_HOTLINE });
    expect([firstAgain.status, firstAgain.body.id]).toEqual([200, first.body.id]);
    expect([secondAgain.status, secondAgain.body.id]).toEqual([200, second.body.id]);
  });

  it('a work order filed before 0.5 (its key without the client) is found again by the client that filed it, and only by it', async () => {
    const runtime = await import('../../shared/service/runtime.ts');
    // As 0.2 filed it: the id from `ext:<source>:<externalId>`, and that as the dedupe key.
    const input: IntakeInput = { ...workOrder('LEGACY-0001', '升级前的工单'), priority: 'normal', parties: [] } as IntakeInput;
    const legacyKey = `ext:hotline:LEGACY-0001`;
    const id = trackingNoFromBytes(createHash('sha256').update(`${legacyKey}#0`).digest());
    const actor = { kind: 'client', id: 'hotline-12345', source: 'hotline', rootUnitId: 'hp' } as const;
    const decision = decide(undefined, { type: 'receive', id, trackingNo: id, trackingCode: trackingCodeFromBytes(new Uint8Array([1, 2, 3, 4])), dedupeKey: legacyKey, input }, { now: new Date(), actor, units, policy });
    if (!decision.ok) throw decision.error;
    await runtime.store.append(undefined, decision.event);

    const again = await call(stack, 'POST', '/v1/cases', { body: workOrder('LEGACY-0001') });
    expect([again.status, again.body.id, again.body.description]).toEqual([200, id, '升级前的工单']);
    const before = await settledDump(stack.dynamodb, stack.tableName);
    const other = await call(stack, 'POST', '/v1/cases', { body: workOrder('LEGACY-0001', '另一家热线的同号工单'), key: OTHER_HOTLINE });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(id);
    expect(other.text).not.toContain('升级前的工单');
    expect((await dumpTable(stack.dynamodb, stack.tableName)).length).toBeGreaterThan(before.length);
  });
});
