/**
 * 议事厅 over HTTP against the local stack: a topic from three cases, its
 * meeting, decisions and publication, which resolves the three cases on their
 * timelines and tells their residents; bad input names the field and writes
 * nothing; jurisdiction hides other communities' topics; retries with an
 * Idempotency-Key answer the first result; the public page shows no names;
 * the sweeper reminds decisions past their day to the topic's unit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { chinaDay } from '../../shared/domain/index.ts';
import { clock } from '../../shared/service/clock.ts';
import { call, login, startTestStack, timeline, waitFor } from '../support/stack.ts';

let stack: LocalStack;
const tokens: Record<string, string> = {};
const as = (user: string, headers: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${tokens[user]}`, ...headers } });

beforeAll(async () => {
  stack = await startTestStack({ workers: true, relayIntervalMs: 100 });
  for (const user of ['admin', 'community-mediator', 'building-mediator', 'leader']) tokens[user] = await login(stack, user);
});
afterAll(() => stack.stop());

let n = 0;
async function fileCase(unitId = 'hp-xf-yg-1', phone = `1391234${String(7000 + n).padStart(4, '0')}`) {
  n += 1;
  const filed = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', externalId: `DELIB-${Date.now()}-${n}`, center: 'voice', description: '院子里下雨就积水，排水沟堵了', reporter: { name: '居民', phone }, location: { unitId } } });
  expect(filed.status, filed.text).toBe(201);
  return filed.body.id as string;
}

async function act(user: string, id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const current = await call(stack, 'GET', `/v1/deliberations/${id}`, as('community-mediator'));
  return call(stack, 'POST', `/v1/deliberations/${id}/actions`, { ...as(user, headers), body: { expectedVersion: current.body.version, ...body } });
}

const soon = () => new Date(Date.now() - 60_000).toISOString();
const inDays = (d: number) => new Date(Date.now() + 8 * 3600_000 + d * 86_400_000).toISOString().slice(0, 10);

async function raise(caseIds: string[], user = 'community-mediator', unitId = 'hp-xf') {
  const reply = await call(stack, 'POST', '/v1/deliberations', { ...as(user), body: { unitId, title: '阳光小区院落排水', description: '多户反映雨天院内积水', caseIds } });
  expect(reply.status, reply.text).toBe(201);
  return reply.body.id as string;
}

async function throughMeeting(id: string) {
  expect((await act('community-mediator', id, { type: 'schedule', meeting: { kind: 'wanzi', at: soon(), place: '阳光小区议事亭', host: '王秀英' } })).status).toBe(200);
  const held = await act('community-mediator', id, {
    type: 'hold',
    participants: [
      { name: '周秀兰', role: 'resident' },
      { name: '张桂兰', role: 'liaison' },
      { name: '刘代表', role: 'deputy' },
      { name: '党员老陈', role: 'party_member' },
    ],
    minutes: '大家同意由物业疏通主管道，社区加装雨水篦子。',
  });
  expect(held.status, held.text).toBe(200);
  const agreed = await act('community-mediator', id, {
    type: 'agree',
    decisions: [
      { text: '疏通院内主排水管道', owner: '阳光物业', dueDate: inDays(3), practical: true },
      { text: '加装雨水篦子', owner: '幸福社区', dueDate: inDays(10) },
    ],
  });
  expect(agreed.status, agreed.text).toBe(200);
}

describe('a meeting from three cases to a published result', () => {
  it('publishes, resolves the three cases on their timelines, tells their residents, and counts it', async () => {
    const caseIds = [await fileCase('hp-xf-yg-1'), await fileCase('hp-xf-yg-2'), await fileCase('hp-xf-yg-3')];
    const id = await raise(caseIds);
    await throughMeeting(id);
    const published = await act('community-mediator', id, { type: 'publish', result: '物业三日内疏通主管道，社区十日内加装雨水篦子' });
    expect(published.status, published.text).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', caseIds });

    for (const caseId of caseIds) {
      const c = await call(stack, 'GET', `/v1/cases/${caseId}`, as('community-mediator'));
      expect(c.body.status).toBe('resolved');
      expect(c.body.resolution.summary).toContain('物业三日内疏通主管道');
      const events = await timeline(stack, caseId, tokens['community-mediator']);
      expect(events.map((e) => e.type)).toContain('deliberation_recorded');
    }
    // Each resident is told (the notifier, through the outbox).
    await waitFor('the residents told', async () => {
      const outbox = await call(stack, 'GET', '/v1/outbox', as('admin'));
      const told = (outbox.body.items as { caseId: string; topic: string }[]).filter((m) => caseIds.includes(m.caseId) && m.topic === 'deliberation');
      return told.length === 3 ? told : undefined;
    });

    // Published on the unit's public page: no names, no minutes, no cases.
    const page = await call(stack, 'GET', '/v1/public/units/hp-xf/deliberations', { key: null });
    expect(page.status).toBe(200);
    const item = (page.body.items as { id: string }[]).find((t) => t.id === id) as Record<string, unknown>;
    expect(item).toMatchObject({ participantCount: 4, casesSettled: 3, result: '物业三日内疏通主管道，社区十日内加装雨水篦子' });
    expect(page.text).not.toContain('周秀兰');
    expect(page.text).not.toContain('大家同意');
    expect(page.text).not.toContain(caseIds[0]);

    // Staff see the names; statistics count the meeting, its people, the matter and its cases.
    const detail = await call(stack, 'GET', `/v1/deliberations/${id}`, as('leader'));
    expect(detail.body.participants.map((p: { name: string }) => p.name)).toContain('周秀兰');
    const stats = await call(stack, 'GET', '/v1/stats/deliberations?unitId=hp', as('leader'));
    expect(stats.status, stats.text).toBe(200);
    expect(stats.body.meetings).toBeGreaterThanOrEqual(1);
    expect(stats.body.participants).toBeGreaterThanOrEqual(4);
    expect(stats.body.casesResolved).toBeGreaterThanOrEqual(3);
    expect(stats.body.byUnit.find((r: { unitId: string }) => r.unitId === 'hp-xf').settled).toBeGreaterThanOrEqual(1);

    // 实事: a practical decision done is counted; once every decision is done the topic is 已落实.
    const d1 = await act('community-mediator', id, { type: 'complete_decision', decisionId: 'd1', note: '已疏通' });
    expect(d1.body.status).toBe('published');
    const d2 = await act('community-mediator', id, { type: 'complete_decision', decisionId: 'd2', note: '已安装' });
    expect(d2.body.status).toBe('done');
    const after = await call(stack, 'GET', '/v1/stats/deliberations?unitId=hp-xf', as('community-mediator'));
    expect(after.body.practicalDone).toBeGreaterThanOrEqual(1);
  });
});

describe('bad input, jurisdiction and retries', () => {
  it('names the field and writes nothing', async () => {
    const before = await call(stack, 'GET', '/v1/deliberations', as('community-mediator'));
    for (const [body, path] of [
      [{ unitId: 'hp-xf', title: '', description: 'x' }, 'title'],
      [{ unitId: 'hp-xf', title: 'x', description: 'x', caseIds: ['NOSUCHCASE'] }, 'caseIds.0'],
      [{ unitId: 'hp-hx', title: 'x', description: 'x' }, 'unitId'],
      [{ unitId: 'hp-xf', title: 'x', description: 'x', extra: 1 }, '(body)'],
    ] as const) {
      const reply = await call(stack, 'POST', '/v1/deliberations', { ...as('community-mediator'), body });
      expect(reply.status, reply.text).toBe(400);
      expect(reply.body.error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    const id = await raise([]);
    const bad = await act('community-mediator', id, { type: 'schedule', meeting: { kind: 'party', at: 'tomorrow', place: '', host: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['meeting.kind', 'meeting.at', 'meeting.place']));
    const detail = await call(stack, 'GET', `/v1/deliberations/${id}`, as('community-mediator'));
    expect(detail.body.version).toBe(1);
    const after = await call(stack, 'GET', '/v1/deliberations', as('community-mediator'));
    expect(after.body.items.length).toBe(before.body.items.length + 1);
  });

  it('keeps topics inside the jurisdiction: another community sees 404, a leader cannot convene', async () => {
    const id = await raise([]);
    const created = await call(stack, 'POST', '/v1/users', { ...as('admin'), body: { username: 'hx-mediator', displayName: '和谐社区调解员', role: 'mediator', unitId: 'hp-hx', password: 'a-long-password' } });
    expect([201, 409]).toContain(created.status);
    tokens['hx-mediator'] = (await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'hx-mediator', password: 'a-long-password' } })).body.token;
    expect((await call(stack, 'GET', `/v1/deliberations/${id}`, as('hx-mediator'))).status).toBe(404);
    expect((await call(stack, 'POST', `/v1/deliberations/${id}/actions`, { ...as('hx-mediator'), body: { type: 'cancel', reason: 'x', expectedVersion: 1 } })).status).toBe(404);
    expect((await call(stack, 'GET', '/v1/deliberations', as('hx-mediator'))).body.items.map((t: { id: string }) => t.id)).not.toContain(id);
    expect((await call(stack, 'POST', '/v1/deliberations', { ...as('leader'), body: { unitId: 'hp-xf', title: 'x', description: 'x' } })).status).toBe(403);
    // A case of another community cannot be linked: it does not exist for this mediator.
    const elsewhere = await fileCase('hp-hx-jy-1');
    const linked = await act('community-mediator', id, { type: 'link_cases', caseIds: [elsewhere] });
    expect(linked.status).toBe(400);
    expect(linked.body.error.issues[0].path).toBe('caseIds.0');
    // The 联户长 raises at their building only.
    expect((await call(stack, 'POST', '/v1/deliberations', { ...as('building-mediator'), body: { unitId: 'hp-xf', title: 'x', description: 'x' } })).status).toBe(400);
    const own = await call(stack, 'POST', '/v1/deliberations', { ...as('building-mediator'), body: { unitId: 'hp-xf-yg-1', title: '楼道堆物', description: '大家商量清理' } });
    expect(own.status).toBe(201);
    expect(own.body.source).toBe('liaison');
  });

  it('answers a retry with the same Idempotency-Key with the first result, and refuses the key on another body', async () => {
    const key = `raise-${Date.now()}`;
    const body = { unitId: 'hp-xf', title: '停车难', description: '晚上车位不够' };
    const first = await call(stack, 'POST', '/v1/deliberations', { ...as('community-mediator', { 'idempotency-key': key }), body });
    const again = await call(stack, 'POST', '/v1/deliberations', { ...as('community-mediator', { 'idempotency-key': key }), body });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await call(stack, 'POST', '/v1/deliberations', { ...as('community-mediator', { 'idempotency-key': key }), body: { ...body, title: '别的' } });
    expect(other.status).toBe(422);

    const id = first.body.id as string;
    const schedule = { type: 'schedule', expectedVersion: 1, meeting: { kind: 'seven', at: soon(), place: '议事厅', host: '王秀英' } };
    const headers = { 'idempotency-key': `sched-${key}` };
    const s1 = await call(stack, 'POST', `/v1/deliberations/${id}/actions`, { ...as('community-mediator', headers), body: schedule });
    const s2 = await call(stack, 'POST', `/v1/deliberations/${id}/actions`, { ...as('community-mediator', headers), body: schedule });
    expect([s1.status, s2.status]).toEqual([200, 200]);
    expect(s2.headers.get('idempotent-replayed')).toBe('true');
    expect(s2.body.version).toBe(2);
    // Without a key, the stale version is a conflict.
    expect((await call(stack, 'POST', `/v1/deliberations/${id}/actions`, { ...as('community-mediator'), body: schedule })).status).toBe(409);
  });
});

describe('follow-up of decisions', () => {
  it('the sweeper reminds a decision past its day once, and the topic\'s unit is told (the outbox)', async () => {
    const id = await raise([await fileCase()]);
    await throughMeeting(id);
    expect((await act('community-mediator', id, { type: 'publish', result: '按共识办理', resolvesCases: false })).status).toBe(200);
    const sweep = await stack.handlerOf<() => Promise<{ decisionsReminded: number }>>('sweeper');
    // Five days on (tokens are checked on the same clock, so the pages are read after).
    const later = async () => {
      clock.set(() => new Date(Date.now() + 5 * 86_400_000));
      try {
        return await sweep();
      } finally {
        clock.reset();
      }
    };
    expect((await later()).decisionsReminded).toBeGreaterThanOrEqual(1);
    const topic = await call(stack, 'GET', `/v1/deliberations/${id}`, as('community-mediator'));
    expect(topic.body.decisions[0].remindedAt).toBeDefined();
    expect(topic.body.decisions[1].remindedAt).toBeUndefined();
    await later();
    const again = await call(stack, 'GET', `/v1/deliberations/${id}`, as('community-mediator'));
    const reminders = again.body.events.filter((e: { type: string }) => e.type === 'decision_reminded');
    expect(reminders).toHaveLength(1);
    // The reminder reaches 幸福社区's contacts by the notifier, once, on the (injected) China day it was made (the outbox's days are China's).
    const day = chinaDay(reminders[0].at as string);
    const told = await waitFor('the unit told of the overdue decision', async () => {
      const outbox = await call(stack, 'GET', `/v1/outbox?date=${day}&limit=500`, as('admin'));
      const mine = (outbox.body.items as { caseId: string; topic: string; to: string; text: string; unitId: string }[]).filter((m) => m.caseId === id);
      return mine.length > 0 ? mine : undefined;
    });
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ topic: 'decision_reminder', to: '027****0001', unitId: 'hp-xf' });
    expect(told[0]?.text).toContain('疏通院内主排水管道');
    expect(told[0]?.text).toContain('阳光物业');
  });
});
