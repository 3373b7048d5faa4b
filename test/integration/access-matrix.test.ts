/**
 * Every role against a case inside and a case outside its subtree, for reads,
 * lists and every action type, through HTTP. Outside the subtree a case does
 * not exist (404, the same answer as for a case that really does not exist);
 * inside, a role that may not act gets 403, never a 404 and never a success.
 * A volunteer's jurisdiction is the tasks dispatched to them: no other case
 * exists for them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { ACTION_TYPES } from '../../shared/contract/actions.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
const tokens: Record<string, string> = {};
let inside: { id: string; version: number };
let outside: { id: string; version: number };

/** Users and where they sit. `other-mediator` is created in the test, in the other community. */
const USERS = {
  'building-mediator': { unit: 'hp-xf-yg-1', seesInside: true },
  'compound-mediator': { unit: 'hp-xf-yg', seesInside: true },
  'community-mediator': { unit: 'hp-xf', seesInside: true },
  'township-mediator': { unit: 'hp', seesInside: true },
  // Nothing is dispatched to the volunteer here: the inside case is not theirs.
  volunteer: { unit: 'hp-xf', seesInside: false },
  leader: { unit: 'hp', seesInside: true },
  admin: { unit: 'hp', seesInside: true },
  'other-mediator': { unit: 'hp-hx', seesInside: false },
} as const;
type User = keyof typeof USERS;

/** A minimal valid body for each action type; the rules, not the shape, decide the answer. */
const BODIES: Record<string, Record<string, unknown>> = {
  accept: {},
  note: { text: '已电话联系' },
  contact: { channel: 'phone', summary: '电话联系当事人' },
  dispatch: { toUnitId: 'hp-xf-yg-1' },
  decline: { reason: '不在本地' },
  recall: { reason: '改派他人' },
  return: { reason: '不属于本单位' },
  escalate: { reason: '调解不成' },
  extend_request: { reason: '需协调', until: '2026-12-31T09:00:00+08:00' },
  extend_decide: { approved: true },
  add_party: { party: { name: '李四', role: 'respondent' } },
  schedule_session: { at: '2026-12-01T10:00:00+08:00', place: '调解室', mediators: ['王秀英'] },
  record_minutes: { sessionId: 'nope', content: '双方陈述' },
  record_agreement: {
    agreement: {
      parties: [{ name: '张三', role: 'applicant' }, { name: '李四', role: 'respondent' }],
      facts: '漏水',
      terms: ['李四维修'],
      performance: { method: '维修', deadline: '2026-12-10' },
    },
  },
  record_performance: { performance: 'performed', note: '已履行' },
  resolve: { outcome: 'resolved', summary: '已解决' },
  follow_up: { satisfaction: 'satisfied' },
  reopen: { reason: '复发' },
  merge: { intoCaseId: 'NOSUCHCASE' },
  withdraw: { reason: '撤回' },
  close: {},
  reclassify: { center: 'mediation' },
  locate: { location: { address: '阳光小区1栋' } },
  set_fields: { fields: {} },
  flag_risk: { level: 'yellow' },
  order_supervision: { note: '请加快办理', until: '2099-12-31' },
};

beforeAll(async () => {
  stack = await startTestStack();
  const admin = await login(stack, 'admin');
  const created = await call(stack, 'POST', '/v1/users', {
    headers: { authorization: `Bearer ${admin}` },
    body: { username: 'other-mediator', displayName: '孙调解员', role: 'mediator', unitId: 'hp-hx', password: 'other-mediator-pass' },
  });
  expect(created.status).toBe(201);
  for (const user of Object.keys(USERS)) tokens[user] = await login(stack, user, user === 'other-mediator' ? 'other-mediator-pass' : undefined);
  const file = async (unitId: string) =>
    (await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '楼道灯坏了', reporter: { name: '周女士', phone: '13800138000' }, location: { unitId } } })).body;
  inside = await file('hp-xf-yg-1');
  outside = await file('hp-hx-jy-1');
});
afterAll(() => stack.stop());

const as = (user: User) => ({ headers: { authorization: `Bearer ${tokens[user]}` } });

describe('the access matrix', () => {
  it('covers every action type of the API', () => {
    expect(Object.keys(BODIES).sort()).toEqual([...ACTION_TYPES].sort());
  });

  it.each(Object.keys(USERS) as User[])('%s: reads inside its subtree, and outside it finds nothing', async (user) => {
    const { seesInside } = USERS[user];
    for (const [c, visible] of [
      [inside, seesInside],
      [outside, user === 'other-mediator' || (USERS[user].unit === 'hp' && user !== 'volunteer')],
    ] as const) {
      const read = await call(stack, 'GET', `/v1/cases/${c.id}`, as(user));
      const events = await call(stack, 'GET', `/v1/cases/${c.id}/events`, as(user));
      expect([read.status, events.status], `${user} reading ${c === inside ? 'inside' : 'outside'}`).toEqual(visible ? [200, 200] : [404, 404]);
      if (!visible) expect(read.text).not.toContain('周女士');
    }
    if (USERS[user].unit === 'hp') return;
    const missing = await call(stack, 'GET', '/v1/cases/NOSUCHCASE', as(user));
    const hidden = await call(stack, 'GET', `/v1/cases/${user === 'other-mediator' ? inside.id : outside.id}`, as(user));
    // The answer for a hidden case is indistinguishable from one that does not exist.
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe(missing.body.error.code);
  });

  it.each(Object.keys(USERS) as User[])('%s: lists show its subtree only', async (user) => {
    const subtree = await call(stack, 'GET', '/v1/cases?scope=subtree&limit=200', as(user));
    expect(subtree.status).toBe(200);
    const ids = subtree.body.items.map((i: { id: string }) => i.id);
    expect(ids.includes(outside.id)).toBe(user === 'other-mediator' || USERS[user].unit === 'hp');
    expect(ids.includes(inside.id)).toBe(USERS[user].seesInside && user !== 'other-mediator');
    for (const item of subtree.body.items) expect(item.reporter.phone ?? '').not.toMatch(/^1\d{10}$/);
    const foreignUnit = await call(stack, 'GET', `/v1/cases?scope=subtree&unitId=${user === 'other-mediator' ? 'hp-xf' : 'hp-hx'}`, as(user));
    expect(foreignUnit.status).toBe(USERS[user].unit === 'hp' ? 200 : 404);
  });

  // The township's users have no case outside their subtree: both cases are theirs.
  const belowTownship = (Object.keys(USERS) as User[]).filter((user) => USERS[user].unit !== 'hp');
  it.each(belowTownship)('%s: every action on a case outside the subtree is 404 and writes nothing', async (user) => {
    const target = user === 'other-mediator' || user === 'volunteer' ? inside : outside;
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    for (const type of ACTION_TYPES) {
      const reply = await call(stack, 'POST', `/v1/cases/${target.id}/actions`, { ...as(user), body: { type, expectedVersion: target.version, ...BODIES[type] } });
      expect(reply.status, `${user} ${type}`).toBe(404);
    }
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('inside the subtree: a role that may not act gets 403, never a 404 or a success', async () => {
    // Leaders read only — but for 督办 (a volunteer, who only works a task offered to them, does not see this case at all: above).
    for (const user of ['leader'] as User[]) {
      for (const type of ACTION_TYPES.filter((t) => t !== 'order_supervision')) {
        const reply = await call(stack, 'POST', `/v1/cases/${inside.id}/actions`, { ...as(user), body: { type, expectedVersion: inside.version, ...BODIES[type] } });
        expect(reply.status, `${user} ${type}`).toBe(403);
      }
    }
    // Above the case's unit one may note and decide, but not take over its work; 督办 is for officers and leaders.
    for (const type of ['accept', 'resolve', 'dispatch', 'escalate', 'close', 'order_supervision'] as const) {
      const reply = await call(stack, 'POST', `/v1/cases/${inside.id}/actions`, { ...as('compound-mediator'), body: { type, expectedVersion: inside.version, ...BODIES[type] } });
      expect(reply.status, `compound ${type}`).toBe(403);
    }
    const note = await call(stack, 'POST', `/v1/cases/${inside.id}/actions`, { ...as('community-mediator'), body: { type: 'note', expectedVersion: inside.version, ...BODIES.note } });
    expect(note.status).toBe(200);
    // Stale version: 409 with the version named.
    const stale = await call(stack, 'POST', `/v1/cases/${inside.id}/actions`, { ...as('building-mediator'), body: { type: 'accept', expectedVersion: inside.version } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('version_conflict');
    const accepted = await call(stack, 'POST', `/v1/cases/${inside.id}/actions`, { ...as('building-mediator'), body: { type: 'accept', expectedVersion: note.body.version } });
    expect(accepted.status).toBe(200);
    // Not allowed in this state: 422.
    const again = await call(stack, 'POST', `/v1/cases/${inside.id}/actions`, { ...as('building-mediator'), body: { type: 'accept', expectedVersion: accepted.body.version } });
    expect([again.status, again.body.error.code]).toEqual([422, 'invalid_transition']);
  });

  it('records every full view of a reporter\'s details in the audit trail, and a masked view in none', async () => {
    const before = await call(stack, 'GET', `/v1/cases/${inside.id}/audit`, as('admin'));
    const plain = await call(stack, 'GET', `/v1/cases/${inside.id}`, as('community-mediator'));
    expect(plain.body.reporter).toEqual({ name: '周**', phone: '138****8000' });
    await call(stack, 'GET', `/v1/cases/${inside.id}?reveal=personal`, as('community-mediator'));
    await call(stack, 'GET', `/v1/cases/${inside.id}?reveal=personal`, as('building-mediator'));
    const after = await call(stack, 'GET', `/v1/cases/${inside.id}/audit`, as('admin'));
    const added = after.body.items.slice(before.body.items.length);
    expect(added.map((e: { username: string; what: string; fields: string[] }) => [e.username, e.what, e.fields])).toEqual([
      ['community-mediator', 'reporter_details', ['reporterName', 'reporterPhone']],
      ['building-mediator', 'reporter_details', ['reporterName', 'reporterPhone']],
    ]);
    // Lists never show the details, and a liaison may not read the audit.
    expect((await call(stack, 'GET', `/v1/cases/${inside.id}/audit`, as('building-mediator'))).status).toBe(403);
  });
});

describe('odd ids and parameters', () => {
  it('answer 400 when no id could be that long or odd, 404 when it could but is not there, never a 5xx', async () => {
    const long = 'A'.repeat(3000);
    const admin = as('admin');
    const replies = await Promise.all([
      call(stack, 'GET', `/v1/cases/${long}`, admin),
      call(stack, 'GET', `/v1/cases/${long}/events`, admin),
      call(stack, 'GET', `/v1/cases/${encodeURIComponent('中文')}`, admin),
      call(stack, 'POST', `/v1/cases/${long}/actions`, { ...admin, body: { type: 'accept', expectedVersion: 1 } }),
      call(stack, 'PATCH', `/v1/users/${long}`, { ...admin, body: { disabled: true } }),
      call(stack, 'GET', `/v1/track/${long}?code=1`, { key: null }),
      call(stack, 'GET', '/v1/outbox?date=2026-13-45', admin),
      call(stack, 'GET', `/v1/cases/${inside.id}/events?cursor=${Buffer.from(JSON.stringify({ pk: { S: `CASE#${inside.id}` }, sk: { S: 'x'.repeat(3000) } })).toString('base64url')}`, admin),
    ]);
    expect(replies.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400, 400, 400]);
    expect(replies[0]?.body.error.issues).toEqual([{ path: 'id', message: '须为 1–128 个可打印 ASCII 字符（不含空格）' }]);
    const plausible = await call(stack, 'GET', `/v1/cases/${'A'.repeat(128)}`, admin);
    expect(plausible.status).toBe(404);
  });
});
