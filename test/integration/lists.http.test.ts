/** Queues and subtree lists through HTTP: order, urgency marks, filters and cursor paging (all by Query). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { clock } from '../../shared/service/clock.ts';
import { call, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
let community: { headers: Record<string, string> };
let building: { headers: Record<string, string> };
let now = new Date('2026-11-25T01:00:00Z');
const ids: Record<string, string> = {};

beforeAll(async () => {
  clock.set(() => now);
  stack = await startTestStack();
  community = { headers: { authorization: `Bearer ${await login(stack, 'community-mediator')}` } };
  building = { headers: { authorization: `Bearer ${await login(stack, 'building-mediator')}` } };
  const file = async (key: string, body: Record<string, unknown>) => {
    const reply = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', description: '反映问题', reporter: { name: '周女士', phone: '13800138000' }, ...body } });
    ids[key] = reply.body.id;
  };
  await file('b1-voice', { center: 'voice', location: { unitId: 'hp-xf-yg-1' } });
  now = new Date('2026-11-25T01:10:00Z');
  await file('b1-urgent', { center: 'welfare', priority: 'urgent', location: { unitId: 'hp-xf-yg-1' } });
  await file('b2-mediation', { center: 'mediation', location: { unitId: 'hp-xf-yg-2' } });
  await file('cy-risk', { center: 'mediation', description: '有人扬言要动刀', location: { unitId: 'hp-xf-cy-1' } });
  await file('hx-voice', { center: 'voice', location: { unitId: 'hp-hx-jy-1' } });
  now = new Date('2026-11-25T02:00:00Z');
});
afterAll(async () => {
  await stack.stop();
  clock.reset();
});

const list = async (query: string, as = community) => {
  const reply = await call(stack, 'GET', `/v1/cases?${query}`, as);
  expect(reply.status, reply.text).toBe(200);
  return reply.body as { items: { id: string; overdue: boolean; nearDeadline: boolean; dueAt: string; reporter: { phone?: string } }[]; cursor: string | null };
};

describe('my queue', () => {
  it('is sorted by the nearest deadline, with overdue and near-deadline marked', async () => {
    const mine = await list('scope=mine', building);
    expect(mine.items.map((i) => i.id)).toEqual([ids['b1-urgent'], ids['b1-voice']]);
    expect(mine.items[0]!.dueAt < mine.items[1]!.dueAt).toBe(true);
    // Urgent: 30 minutes to sign for it, filed 50 minutes ago.
    expect(mine.items[0]).toMatchObject({ overdue: true });
    // 2 working hours from 09:00, an hour left: the last fifth is not reached, but under two hours is "near".
    expect(mine.items[1]).toMatchObject({ overdue: false, nearDeadline: true });
    expect(mine.items.every((i) => i.reporter.phone === '138****8000')).toBe(true);
  });
});

describe('the subtree view', () => {
  it('filters by centre, status, level, risk, overdue and date', async () => {
    const all = (await list('scope=subtree&limit=200')).items.map((i) => i.id);
    expect(all).toEqual(expect.arrayContaining([ids['b1-voice'], ids['b1-urgent'], ids['b2-mediation'], ids['cy-risk']]));
    expect(all).not.toContain(ids['hx-voice']);
    expect((await list('scope=subtree&center=mediation')).items.map((i) => i.id).sort()).toEqual([ids['b2-mediation'], ids['cy-risk']].sort());
    expect((await list('scope=subtree&risk=true')).items.map((i) => i.id)).toEqual([ids['cy-risk']]);
    expect((await list('scope=subtree&level=community')).items.map((i) => i.id)).toEqual([ids['cy-risk']]);
    expect((await list('scope=subtree&overdue=true')).items.map((i) => i.id)).toEqual([ids['b1-urgent']]);
    expect((await list('scope=subtree&status=resolved,closed')).items).toEqual([]);
    expect((await list('scope=subtree&from=2026-11-25T01:05:00Z')).items.map((i) => i.id)).not.toContain(ids['b1-voice']);
    expect((await list('scope=subtree&unitId=hp-xf-yg-2')).items.map((i) => i.id)).toEqual([ids['b2-mediation']]);
  });

  it('pages with a cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof list>> = await list(`scope=subtree&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.cursor;
    } while (cursor);
    const all = (await list('scope=subtree&limit=200')).items.map((i) => i.id);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('answers bad filters with 400 naming the parameter, and a cursor from elsewhere too', async () => {
    for (const [query, path] of [
      ['scope=everything', 'scope'],
      ['scope=subtree&center=nope', 'center'],
      ['scope=subtree&status=open', 'status'],
      ['scope=subtree&overdue=maybe', 'overdue'],
      ['scope=subtree&from=yesterday', 'from'],
      ['scope=subtree&limit=0', 'limit'],
    ]) {
      const reply = await call(stack, 'GET', `/v1/cases?${query}`, community);
      expect(reply.status, query).toBe(400);
      expect(reply.body.error.issues[0].path).toBe(path);
    }
    const foreign = (await list('scope=subtree&limit=1', { headers: { authorization: `Bearer ${await login(stack, 'township-mediator')}` } })).cursor;
    const reply = await call(stack, 'GET', `/v1/cases?scope=subtree&limit=1&cursor=${foreign}`, building);
    expect(reply.status).toBe(400);
  });

  it('answers a well-formed but incomplete (or overfull) cursor with 400, never 500', async () => {
    const cursorOf = (key: Record<string, string>) =>
      Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }])))).toString('base64url');
    const admin = { headers: { authorization: `Bearer ${await login(stack, 'admin')}` } };
    const id = ids['b1-voice']!;
    const tree = { treePk: 'T#zj', treeSk: '/zj/hp/hp-xf/|2026|x' };
    for (const [path, key, as] of [
      ['/v1/cases?scope=mine', { queuePk: 'Q#hp-xf' }, community],
      ['/v1/cases?scope=mine', { pk: 'CASE#x', queuePk: 'Q#hp-xf', queueSk: '2026|x' }, community],
      ['/v1/cases?scope=subtree', tree, community],
      ['/v1/cases?scope=subtree', { pk: 'CASE#x', ...tree }, community],
      ['/v1/cases?scope=subtree', { pk: 'CASE#x', sk: 'STATE', ...tree, queuePk: 'Q#hp-xf' }, community],
      [`/v1/cases/${id}/events`, { pk: `CASE#${id}` }, community],
      [`/v1/cases/${id}/events`, { pk: `CASE#${id}`, sk: '' }, community],
      ['/v1/outbox?date=2026-11-25', { pk: 'OUTBOX#2026-11-25' }, admin],
    ] as const) {
      const reply = await call(stack, 'GET', `${path}${path.includes('?') ? '&' : '?'}cursor=${cursorOf(key)}`, as);
      expect(reply.status, `${path} ${JSON.stringify(key)}: ${reply.text}`).toBe(400);
      expect(reply.body.error.issues[0].path).toBe('cursor');
    }
  });
});

describe("a caller's cases by phone", () => {
  const township = async () => ({ headers: { authorization: `Bearer ${await login(stack, 'township-mediator')}` } });

  it('finds them within the jurisdiction only, newest first, whatever way the number is written', async () => {
    const mine = ['b1-voice', 'b1-urgent', 'b2-mediation', 'cy-risk'].map((k) => ids[k]);
    const found = (await list('phone=13800138000')).items.map((i) => i.id);
    expect(found.sort()).toEqual([...mine].sort());
    expect((await list(`phone=${encodeURIComponent('+86 138-0013-8000')}`)).items.map((i) => i.id).sort()).toEqual([...mine].sort());
    expect((await list('phone=13800138000', building)).items.map((i) => i.id).sort()).toEqual([ids['b1-voice'], ids['b1-urgent']].sort());

    const everywhere = (await list('phone=13800138000', await township())).items;
    expect(everywhere.map((i) => i.id).sort()).toEqual([...mine, ids['hx-voice']].sort());
    // b1-voice was filed first, ten minutes before the others.
    expect(everywhere.at(-1)?.id).toBe(ids['b1-voice']);
    expect(everywhere.every((i) => i.reporter.phone === '138****8000')).toBe(true);
    expect((await list('phone=13800138000&limit=2', await township())).items).toHaveLength(2);

    expect((await list('phone=13900000000')).items).toEqual([]);
  });

  it("records each case found in that case's audit trail", async () => {
    await list('phone=13800138000', building);
    const officer = await township();
    const trail = await call(stack, 'GET', `/v1/cases/${ids['b1-voice']}/audit`, officer);
    expect(trail.status, trail.text).toBe(200);
    expect(trail.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ username: 'building-mediator', what: 'reporter_search', unitId: 'hp-xf-yg-1' })]),
    );
    const untouched = await call(stack, 'GET', `/v1/cases/${ids['hx-voice']}/audit`, officer);
    expect(untouched.body.items.filter((e: { username: string }) => e.username === 'building-mediator')).toEqual([]);
  });

  it('answers a bad number, or one combined with list filters, with 400 naming the parameter', async () => {
    for (const [query, path] of [
      ['phone=12345', 'phone'],
      ['phone=', 'phone'],
      [`phone=${'1'.repeat(40)}`, 'phone'],
      ['phone=13800138000&status=pending', 'status'],
      ['phone=13800138000&scope=subtree', 'scope'],
      ['phone=13800138000&limit=0', 'limit'],
    ]) {
      const reply = await call(stack, 'GET', `/v1/cases?${query}`, community);
      expect(reply.status, query).toBe(400);
      expect(reply.body.error).toMatchObject({ code: 'validation_failed', issues: [{ path }] });
    }
  });
});
