/**
 * The mediator's day over HTTP, on the real indexes: 我的待办's tabs and
 * counts (Queries on byUnitQueue, byAwaiting, byWatch), 登记 with its 回执,
 * keyword search (bySearch) with the usual filters and paging, 督办 of a case
 * and of a unit, the 红黄牌 board, and the resident's rating and message on
 * the tracking page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { clock } from '../../shared/service/clock.ts';
import { call, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
const as: Record<string, { headers: Record<string, string> }> = {};
let now = new Date('2026-11-25T01:00:00Z'); // Wednesday 09:00 China time

beforeAll(async () => {
  clock.set(() => now);
  stack = await startTestStack();
  for (const name of ['building-mediator', 'compound-mediator', 'community-mediator', 'township-mediator', 'leader', 'volunteer']) {
    as[name] = { headers: { authorization: `Bearer ${await login(stack, name)}` } };
  }
});
afterAll(async () => {
  await stack.stop();
  clock.reset();
});

const file = async (body: Record<string, unknown>) => {
  const reply = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', reporter: { phone: '13800138000' }, ...body } });
  expect(reply.status, reply.text).toBe(201);
  return reply.body as { id: string; trackingNo: string; trackingCode: string };
};
const act = async (who: string, id: string, action: Record<string, unknown>) => {
  const current = await call(stack, 'GET', `/v1/cases/${id}`, as[who]);
  const reply = await call(stack, 'POST', `/v1/cases/${id}/actions`, { ...as[who], body: { expectedVersion: current.body.version, ...action } });
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
};
const tab = async (who: string, name: string) => {
  const reply = await call(stack, 'GET', `/v1/cases?scope=mine&tab=${name}`, as[who]);
  expect(reply.status, reply.text).toBe(200);
  return (reply.body.items as { id: string }[]).map((i) => i.id);
};
const counts = async (who: string) => {
  const reply = await call(stack, 'GET', '/v1/queue', as[who]);
  expect(reply.status, reply.text).toBe(200);
  return Object.fromEntries((reply.body.tabs as { tab: string; count: number }[]).map((t) => [t.tab, t.count]));
};

describe('我的待办 as a work queue', () => {
  it('sorts each tab by deadline and counts every tab from the indexes', async () => {
    const a = await file({ description: '楼道灯坏了', location: { unitId: 'hp-xf-yg-1' } });
    const b = await file({ description: '电梯异响', priority: 'urgent', location: { unitId: 'hp-xf-yg-1' } });
    await act('building-mediator', a.id, { type: 'accept' });
    expect(await tab('building-mediator', 'pending')).toEqual([b.id]);
    expect(await tab('building-mediator', 'in_progress')).toEqual([a.id]);
    expect(await counts('building-mediator')).toMatchObject({ pending: 1, in_progress: 1, approval: 0, follow_up: 0, returned: 0, reopened: 0, supervised: 0 });

    // 延期 asked by the building is the compound's to decide: 待我审批 there.
    await act('building-mediator', a.id, { type: 'extend_request', reason: '等待配件', until: '2026-12-02T17:30:00+08:00' });
    expect(await tab('compound-mediator', 'approval')).toEqual([a.id]);
    expect((await counts('compound-mediator')).approval).toBe(1);
    await act('compound-mediator', a.id, { type: 'extend_decide', approved: true });
    expect(await tab('compound-mediator', 'approval')).toEqual([]);

    // 办结 by the building: the compound calls back (待回访); the building may not.
    await act('building-mediator', a.id, { type: 'resolve', outcome: 'resolved', summary: '已换灯' });
    expect(await tab('compound-mediator', 'follow_up')).toEqual([a.id]);
    const own = await call(stack, 'GET', `/v1/cases/${a.id}`, as['building-mediator']);
    const refused = await call(stack, 'POST', `/v1/cases/${a.id}/actions`, { ...as['building-mediator'], body: { type: 'follow_up', expectedVersion: own.body.version, satisfaction: 'satisfied' } });
    expect(refused.status).toBe(403);
    const listed = (await call(stack, 'GET', '/v1/cases?scope=mine&tab=follow_up', as['compound-mediator'])).body.items[0];
    expect(listed.followUpDueAt).toBe('2026-11-30T09:30:00.000Z');
    await act('compound-mediator', a.id, { type: 'follow_up', satisfaction: 'satisfied' });
    expect(await tab('compound-mediator', 'follow_up')).toEqual([]);
  });

  it('shows the township officer risk cases and overdue cases anywhere below; others may not ask for those tabs', async () => {
    const risk = await file({ center: 'mediation', description: '工地拖欠工资，工人扬言要聚集讨薪', location: { unitId: 'hp-xf-cy-1' } });
    const late = await file({ description: '路灯不亮', priority: 'urgent', location: { unitId: 'hp-hx-jy-1' } });
    now = new Date('2026-11-25T02:00:00Z');
    expect(await tab('township-mediator', 'risk')).toContain(risk.id);
    expect(await tab('township-mediator', 'overdue')).toContain(late.id);
    expect(await tab('leader', 'risk')).toContain(risk.id);
    const c = await counts('township-mediator');
    expect(c.risk).toBeGreaterThanOrEqual(1);
    expect(c.overdue).toBeGreaterThanOrEqual(1);
    const refused = await call(stack, 'GET', '/v1/cases?scope=mine&tab=risk', as['community-mediator']);
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues[0].path).toBe('tab');
    expect((await call(stack, 'GET', '/v1/cases?scope=mine&tab=nonsense', as['community-mediator'])).status).toBe(400);
  });

  it('a 督办 ordered by the leader puts the case in the unit’s 督办件; a unit put under 督办 sees the order', async () => {
    const c = await file({ description: '小区垃圾清运不及时', location: { unitId: 'hp-xf-yg' } });
    await act('leader', c.id, { type: 'order_supervision', note: '群众多次反映，请三日内办结', until: '2026-11-30' });
    expect(await tab('compound-mediator', 'supervised')).toContain(c.id);
    const mediator = await call(stack, 'POST', `/v1/cases/${c.id}/actions`, { ...as['community-mediator'], body: { type: 'order_supervision', expectedVersion: 2, note: 'x', until: '2026-11-30' } });
    expect(mediator.status).toBe(403);

    const ordered = await call(stack, 'PUT', '/v1/units/hp-xf-yg/supervision', { ...as['township-mediator'], body: { note: '超期件较多，限期整改', until: '2026-12-10' } });
    expect(ordered.status, ordered.text).toBe(200);
    const queue = await call(stack, 'GET', '/v1/queue', as['compound-mediator']);
    expect(queue.body.supervision).toEqual([expect.objectContaining({ unitId: 'hp-xf-yg', note: '超期件较多，限期整改', until: '2026-12-10', byName: '陈志强（矛调中心）' })]);
    expect((await call(stack, 'PUT', '/v1/units/hp-xf/supervision', { ...as['community-mediator'], body: { note: 'x', until: '2026-12-10' } })).status).toBe(403);
    const past = await call(stack, 'PUT', '/v1/units/hp-xf-yg/supervision', { ...as['township-mediator'], body: { note: 'x', until: '2026-11-01' } });
    expect(past.status).toBe(400);
    expect(past.body.error.issues[0].path).toBe('until');
    expect((await call(stack, 'DELETE', '/v1/units/hp-xf-yg/supervision', as['township-mediator'])).status).toBe(200);
    expect((await call(stack, 'GET', '/v1/queue', as['compound-mediator'])).body.supervision).toEqual([]);
  });
});

describe('登记 on a resident’s behalf', () => {
  it('files at the registrar’s unit with the source recorded and answers the 回执 once; a retry with the same key is the same case', async () => {
    const body = { source: 'walk_in', center: 'mediation', description: '邻居装修噪音扰民', reporter: { name: '周女士', phone: '13912345678' } };
    const first = await call(stack, 'POST', '/v1/cases', { ...as['building-mediator'], headers: { ...as['building-mediator']!.headers, 'idempotency-key': 'reg-1' }, body });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ unitId: 'hp-xf-yg-1', source: 'walk_in', trackingCode: expect.stringMatching(/^\d{6}$/), reporter: { name: '周**', phone: '139****5678' } });
    const again = await call(stack, 'POST', '/v1/cases', { ...as['building-mediator'], headers: { ...as['building-mediator']!.headers, 'idempotency-key': 'reg-1' }, body });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    // The case page does not show the code again.
    expect((await call(stack, 'GET', `/v1/cases/${first.body.id}`, as['building-mediator'])).body.trackingCode).toBeUndefined();
    const events = await call(stack, 'GET', `/v1/cases/${first.body.id}/events`, as['building-mediator']);
    expect(events.body.items[0].actor).toMatchObject({ kind: 'user', id: 'building-mediator' });
  });

  it('refuses a source that is not a registration, a unit outside the registrar’s subtree, and a volunteer', async () => {
    const bad = await call(stack, 'POST', '/v1/cases', { ...as['building-mediator'], body: { source: 'hotline', center: 'voice', description: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('source');
    const outside = await call(stack, 'POST', '/v1/cases', { ...as['building-mediator'], body: { source: 'phone', center: 'voice', description: 'x', location: { unitId: 'hp-xf-yg-2' } } });
    expect(outside.status).toBe(400);
    expect(outside.body.error.issues[0].path).toBe('location.unitId');
    expect((await call(stack, 'POST', '/v1/cases', { ...as.volunteer, body: { source: 'phone', center: 'voice', description: 'x' } })).status).toBe(403);
    const control = await call(stack, 'POST', '/v1/cases', { ...as['building-mediator'], body: { source: 'phone', center: 'voice', description: 'a\u0007b' } });
    expect(control.status).toBe(400);
    expect(control.body.error.issues[0].path).toBe('description');
  });
});

describe('keyword search', () => {
  it('finds words of the title and description within the jurisdiction, with filters and paging, and a 12345 work order by its number', async () => {
    const mine = await file({ title: '宠物扰民', description: '邻居家的狗夜里一直叫', location: { unitId: 'hp-xf-cy-2' }, externalId: '12345-20261125-0099' });
    const other = await file({ title: '宠物扰民', description: '和谐社区也有狗叫', location: { unitId: 'hp-hx-jy-2' } });
    const search = async (who: string, query: string) => {
      const reply = await call(stack, 'GET', `/v1/cases?${query}`, as[who]);
      expect(reply.status, reply.text).toBe(200);
      return reply.body as { items: { id: string }[]; cursor: string | null };
    };
    expect((await search('community-mediator', 'q=狗')).items.map((i) => i.id)).toEqual([mine.id]);
    expect((await search('township-mediator', 'q=狗')).items.map((i) => i.id).sort()).toEqual([mine.id, other.id].sort());
    expect((await search('township-mediator', 'q=宠物 夜里')).items.map((i) => i.id)).toEqual([mine.id]);
    expect((await search('township-mediator', 'q=狗&center=mediation')).items).toEqual([]);
    const first = await search('township-mediator', 'q=狗&limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.cursor).not.toBeNull();
    const second = await search('township-mediator', `q=狗&limit=1&cursor=${first.cursor}`);
    expect(second.items.map((i) => i.id)).not.toEqual(first.items.map((i) => i.id));
    expect((await search('township-mediator', 'q=12345-20261125-0099')).items[0]?.id).toBe(mine.id);
    const bad = await call(stack, 'GET', '/v1/cases?q=%20', as['township-mediator']);
    expect(bad.status).toBe(400);
    expect((await call(stack, 'GET', '/v1/cases?q=狗&cursor=bm90LWEtY3Vyc29y', as['township-mediator'])).status).toBe(400);
  });
});

describe('the 红黄牌 board', () => {
  it('ranks the units below with their cards, and drills down', async () => {
    const reply = await call(stack, 'GET', '/v1/board?unitId=hp', as['township-mediator']);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.rows.map((r: { unitId: string }) => r.unitId)).toEqual(expect.arrayContaining(['hp-hx', 'hp-xf']));
    for (const r of reply.body.rows) expect(['red', 'yellow', 'green']).toContain(r.card);
    const down = await call(stack, 'GET', '/v1/board?unitId=hp-xf', as['township-mediator']);
    expect(down.body.rows.map((r: { unitId: string }) => r.unitId)).toEqual(expect.arrayContaining(['hp-xf-yg', 'hp-xf-cy']));
    expect((await call(stack, 'GET', '/v1/board?unitId=hp-hx', as['community-mediator'])).status).toBe(404);
    expect((await call(stack, 'GET', '/v1/board?redDays=abc', as['township-mediator'])).status).toBe(400);
  });
});

describe('the resident on the tracking page', () => {
  it('rates the 办结 once with the 提取码 — 不满意 reopens it — and adds information the mediator sees', async () => {
    const c = await file({ description: '楼下烧烤油烟', location: { unitId: 'hp-xf-yg-1' } });
    await act('building-mediator', c.id, { type: 'accept' });
    const added = await call(stack, 'POST', `/v1/track/${c.trackingNo}/messages`, { key: null, body: { code: c.trackingCode, text: '晚上十点后最严重' } });
    expect(added.status, added.text).toBe(200);
    expect(added.body.timeline.map((l: { text: string }) => l.text)).toContain('您补充：晚上十点后最严重');
    const events = await call(stack, 'GET', `/v1/cases/${c.id}/events`, as['building-mediator']);
    expect(events.body.items.at(-1)).toMatchObject({ type: 'noted', actor: { kind: 'resident' }, data: { text: '晚上十点后最严重' } });
    expect((await call(stack, 'POST', `/v1/track/${c.trackingNo}/follow-up`, { key: null, body: { code: c.trackingCode, satisfaction: 'satisfied' } })).status).toBe(422);
    await act('building-mediator', c.id, { type: 'resolve', outcome: 'resolved', summary: '已劝导商户' });
    const wrong = await call(stack, 'POST', `/v1/track/${c.trackingNo}/follow-up`, { key: null, body: { code: c.trackingCode === '000000' ? '111111' : '000000', satisfaction: 'dissatisfied' } });
    expect(wrong.status).toBe(404);
    const rated = await call(stack, 'POST', `/v1/track/${c.trackingNo}/follow-up`, { key: null, body: { code: c.trackingCode, satisfaction: 'dissatisfied', comment: '还是有油烟' } });
    expect(rated.status, rated.text).toBe(200);
    expect(rated.body).toMatchObject({ status: 'pending', canRate: false });
    expect(rated.body.resolution).toBeUndefined();
    const state = (await call(stack, 'GET', `/v1/cases/${c.id}`, as['building-mediator'])).body;
    // The case reopened: no current satisfaction, the 回访 kept among its followUps.
    expect(state).toMatchObject({ status: 'pending', escalationPending: { reason: 'dissatisfied' } });
    expect(state.followUp).toBeUndefined();
    const rating = (await call(stack, 'GET', `/v1/cases/${c.id}/events`, as['building-mediator'])).body.items.find((e: { type: string }) => e.type === 'followed_up');
    expect(rating).toMatchObject({ actor: { kind: 'resident' }, data: { satisfaction: 'dissatisfied', comment: '还是有油烟' } });
    const twice = await call(stack, 'POST', `/v1/track/${c.trackingNo}/follow-up`, { key: null, body: { code: c.trackingCode, satisfaction: 'satisfied' } });
    expect(twice.status).toBe(422);
    const control = await call(stack, 'POST', `/v1/track/${c.trackingNo}/messages`, { key: null, body: { code: c.trackingCode, text: 'x\u001b[31m' } });
    expect(control.status).toBe(400);
    expect(control.body.error.issues[0].path).toBe('text');
    const form = await call(stack, 'POST', `/v1/track/${c.trackingNo}/messages`, { key: null, raw: 'code=1&text=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
  });

  it('shows China-time deadlines as the 办结 deadline and the whole unit path', async () => {
    const c = await file({ description: '楼道堆物', location: { unitId: 'hp-xf-yg-1' } });
    const view = await call(stack, 'GET', `/v1/track/${c.trackingNo}?code=${c.trackingCode}`, { key: null });
    const state = (await call(stack, 'GET', `/v1/cases/${c.id}`, as['building-mediator'])).body;
    expect(view.body.dueAt).toBe(state.resolveDueAt);
    expect(view.body.unitName).toBe('和平街道 幸福社区 阳光小区 1栋');
  });
});
