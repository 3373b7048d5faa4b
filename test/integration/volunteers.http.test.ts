/**
 * 双报到 and 群众点单 through the local stack: a public 报到 (idempotent by
 * community and phone, bad input named), the community's approval making the
 * volunteer account, the roster and its phones as the privacy policy says,
 * the menu a community keeps, an order filed with a service and worked
 * 派单 → 接单 → 办结 → the resident's 满意, and the services block of /v1/stats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { call, login, startTestStack, timeline } from '../support/stack.ts';

let stack: LocalStack;
const tokens: Record<string, string> = {};
const as = (user: string) => ({ headers: { authorization: `Bearer ${tokens[user]}` } });
const PUBLIC = { key: null } as const;

const baodao = (over: Record<string, unknown> = {}) => ({
  unitId: 'hp-xf-yg-2',
  name: '黄志刚',
  phone: '139-0000-0077',
  kind: 'party_member',
  employer: '区教育局',
  skills: ['课业辅导', '代办'],
  availability: '工作日晚上',
  ...over,
});

beforeAll(async () => {
  stack = await startTestStack();
  for (const user of ['admin', 'community-mediator', 'compound-mediator', 'township-mediator', 'building-mediator', 'leader']) tokens[user] = await login(stack, user);
});
afterAll(() => stack.stop());

async function act(user: string, id: string, body: Record<string, unknown>) {
  const current = await call(stack, 'GET', `/v1/cases/${id}`, as('admin'));
  return call(stack, 'POST', `/v1/cases/${id}/actions`, { ...as(user), body: { expectedVersion: current.body.version, ...body } });
}

describe('报到 (public)', () => {
  it('refuses bad input with the field named, and writes nothing', async () => {
    for (const [body, path] of [
      [baodao({ phone: '123' }), 'phone'],
      [baodao({ unitId: 'hp' }), 'unitId'],
      [baodao({ unitId: 'no-such-unit' }), 'unitId'],
      [baodao({ skills: [] }), 'skills'],
      [baodao({ name: '' }), 'name'],
      [baodao({ kind: 'boss' }), 'kind'],
      [baodao({ availability: 'x'.repeat(201) }), 'availability'],
      [{ ...baodao(), extra: 1 }, '(body)'],
    ] as const) {
      const reply = await call(stack, 'POST', '/v1/volunteers/registrations', { ...PUBLIC, body });
      expect(reply.status, `${path}: ${reply.text}`).toBe(400);
      expect(reply.body.error.issues.map((i: { path: string }) => i.path).join(',')).toContain(path === '(body)' ? '' : path);
    }
    const listed = await call(stack, 'GET', '/v1/volunteers/registrations', as('community-mediator'));
    expect(listed.body.items.map((r: { name: string }) => r.name)).not.toContain('黄志刚');
  });

  it('is written once per community and phone: sent again it answers the first (200), without the phone', async () => {
    const first = await call(stack, 'POST', '/v1/volunteers/registrations', { ...PUBLIC, body: baodao() });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ status: 'pending', communityId: 'hp-xf', name: '黄志刚' });
    expect(first.text).not.toContain('13900000077');
    const again = await call(stack, 'POST', '/v1/volunteers/registrations', { ...PUBLIC, body: baodao({ unitId: 'hp-xf', phone: '+8613900000077' }) });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const listed = await call(stack, 'GET', '/v1/volunteers/registrations?status=pending', as('community-mediator'));
    expect(listed.body.items.filter((r: { name: string }) => r.name === '黄志刚')).toHaveLength(1);
  });
});

describe('approval into the roster', () => {
  it('is the community\'s (or above): another community sees nothing of it, a compound or a leader may not decide', async () => {
    const reg = await call(stack, 'POST', '/v1/volunteers/registrations', { ...PUBLIC, body: baodao({ phone: '13900000078', name: '周敏' }) });
    const id = reg.body.id as string;
    const hx = await call(stack, 'POST', '/v1/users', { ...as('admin'), body: { username: 'hx-mediator', displayName: '华兴调解员', role: 'mediator', unitId: 'hp-hx', password: 'a-long-password' } });
    expect(hx.status, hx.text).toBe(201);
    tokens['hx-mediator'] = (await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'hx-mediator', password: 'a-long-password' } })).body.token as string;
    expect((await call(stack, 'GET', '/v1/volunteers/registrations', as('hx-mediator'))).body.items).toEqual([]);
    expect((await call(stack, 'POST', `/v1/volunteers/registrations/${id}/decision`, { ...as('hx-mediator'), body: { decision: 'approve' } })).status).toBe(404);
    expect((await call(stack, 'POST', `/v1/volunteers/registrations/${id}/decision`, { ...as('compound-mediator'), body: { decision: 'approve' } })).status).toBe(404);
    expect((await call(stack, 'POST', `/v1/volunteers/registrations/${id}/decision`, { ...as('leader'), body: { decision: 'approve' } })).status).toBe(403);
    const bad = await call(stack, 'POST', `/v1/volunteers/registrations/${id}/decision`, { ...as('community-mediator'), body: { decision: 'maybe' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('decision');
    const noReason = await call(stack, 'POST', `/v1/volunteers/registrations/${id}/decision`, { ...as('community-mediator'), body: { decision: 'reject' } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.issues[0].path).toBe('reason');
  });

  it('creates the volunteer account at the community, answered once with its first password; the same decision again is a replay', async () => {
    const reg = await call(stack, 'POST', '/v1/volunteers/registrations', { ...PUBLIC, body: baodao({ phone: '13900000079', name: '吴刚' }) });
    const id = reg.body.id as string;
    const approved = await call(stack, 'POST', `/v1/volunteers/registrations/${id}/decision`, { ...as('community-mediator'), body: { decision: 'approve', username: 'wugang' } });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', username: 'wugang', decidedBy: 'community-mediator' });
    const password = approved.body.initialPassword as string;
    expect(password.length).toBeGreaterThanOrEqual(8);
    const replay = await call(stack, 'POST', `/v1/volunteers/registrations/${id}/decision`, { ...as('community-mediator'), body: { decision: 'approve', username: 'wugang' } });
    expect(replay.status).toBe(200);
    expect(replay.body.initialPassword).toBeUndefined();
    expect((await call(stack, 'POST', `/v1/volunteers/registrations/${id}/decision`, { ...as('community-mediator'), body: { decision: 'reject', reason: '改主意' } })).status).toBe(422);
    const loggedIn = await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'wugang', password } });
    expect(loggedIn.status).toBe(200);
    tokens.wugang = loggedIn.body.token as string;
    const me = await call(stack, 'GET', '/v1/me', { headers: { authorization: `Bearer ${loggedIn.body.token}` } });
    expect(me.body).toMatchObject({ role: 'volunteer', unit: { id: 'hp-xf' } });
  });

  it('refuses a username that is another account (409), and approves nothing', async () => {
    const reg = await call(stack, 'POST', '/v1/volunteers/registrations', { ...PUBLIC, body: baodao({ phone: '13900000080', name: '郑伟' }) });
    const taken = await call(stack, 'POST', `/v1/volunteers/registrations/${reg.body.id}/decision`, { ...as('community-mediator'), body: { decision: 'approve', username: 'admin' } });
    expect(taken.status, taken.text).toBe(409);
    const listed = await call(stack, 'GET', '/v1/volunteers/registrations?status=pending', as('community-mediator'));
    expect(listed.body.items.map((r: { id: string }) => r.id)).toContain(reg.body.id);
    expect((await call(stack, 'GET', '/v1/volunteers/registrations?status=maybe', as('community-mediator'))).status).toBe(400);
  });

  it('lists the roster with what each 报到 said; the phone in full to keepers, masked to a leader; a 联户长 sees their building\'s only', async () => {
    const keeper = await call(stack, 'GET', '/v1/volunteers', as('community-mediator'));
    expect(keeper.status).toBe(200);
    const wugang = keeper.body.items.find((v: { username: string }) => v.username === 'wugang');
    expect(wugang).toMatchObject({ unitId: 'hp-xf', registration: { phone: '13900000079', skills: ['课业辅导', '代办'], kindName: '党员' } });
    // The demo volunteer is linked to the demo 报到.
    expect(keeper.body.items.find((v: { username: string }) => v.username === 'volunteer')?.registration?.skills).toContain('水电维修');
    const leader = await call(stack, 'GET', '/v1/volunteers', as('leader'));
    expect(leader.status).toBe(200);
    expect(leader.text).not.toContain('13900000079');
    expect(leader.text).toContain('139****0079');
    expect((await call(stack, 'GET', '/v1/volunteers/registrations', as('leader'))).text).not.toContain('13900000079');
    // Registrations are a community's: none lies within a building.
    expect((await call(stack, 'GET', '/v1/volunteers/registrations', as('building-mediator'))).body.items).toEqual([]);
  });
});

describe('the menu and an order (点单 → 派单 → 接单 → 办结 → 确认)', () => {
  it('serves the menu publicly: a community\'s own, else the default', async () => {
    const own = await call(stack, 'GET', '/v1/services?unitId=hp-xf-yg-1', PUBLIC);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ unitId: 'hp-xf', isDefault: false });
    expect(own.body.items.map((s: { name: string }) => s.name)).toContain('四点半课堂');
    expect(own.body.communities.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['hp-xf', 'hp-hx']));
    const other = await call(stack, 'GET', '/v1/services?unitId=hp-hx', PUBLIC);
    expect(other.body).toMatchObject({ unitId: null, isDefault: true });
    expect((await call(stack, 'GET', '/v1/services?unitId=nowhere', PUBLIC)).status).toBe(400);
  });

  it('is kept by the community: bad menus named, another community\'s refused', async () => {
    for (const [body, path] of [
      [{ items: [] }, 'items'],
      [{ items: [{ code: 'A B', name: '代办' }] }, 'items.0.code'],
      [{ items: [{ code: 'a', name: '代办' }, { code: 'a', name: '维修' }] }, 'items'],
    ] as const) {
      const reply = await call(stack, 'PUT', '/v1/services/hp-xf', { ...as('community-mediator'), body });
      expect(reply.status, reply.text).toBe(400);
      expect(reply.body.error.issues[0].path).toBe(path);
    }
    expect((await call(stack, 'PUT', '/v1/services/hp-hx', { ...as('community-mediator'), body: { items: [{ code: 'a', name: '代办' }] } })).status).toBe(404);
    expect((await call(stack, 'PUT', '/v1/services/hp-xf', { ...as('building-mediator'), body: { items: [{ code: 'a', name: '代办' }] } })).status).toBe(403);
    const kept = await call(stack, 'PUT', '/v1/services/hp-hx', { ...as('township-mediator'), body: { items: [{ code: 'repair', name: '上门维修' }] } });
    expect(kept.status, kept.text).toBe(200);
    expect((await call(stack, 'GET', '/v1/services?unitId=hp-hx-jy', PUBLIC)).body.items).toEqual([{ code: 'repair', name: '上门维修' }]);
  });

  it('files an order with a service of the unit\'s menu only, and counts it through to the resident\'s confirmation', async () => {
    const refused = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'welfare', description: '想请人陪诊', service: 'tutoring', location: { unitId: 'hp-hx-jy-1' } } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues[0].path).toBe('service');
    const before = await call(stack, 'GET', '/v1/stats?unitId=hp-xf', as('community-mediator'));
    const filed = await call(stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'welfare', description: '母亲要去医院复查，想请志愿者陪诊。', service: 'escort', reporter: { phone: '13912340001' }, location: { unitId: 'hp-xf' } },
    });
    expect(filed.status, filed.text).toBe(201);
    expect(filed.body.service).toEqual({ code: 'escort', name: '陪诊' });
    const id = filed.body.id as string;
    const { trackingNo, trackingCode } = filed.body;
    expect((await act('community-mediator', id, { type: 'accept' })).status).toBe(200);
    expect((await act('community-mediator', id, { type: 'dispatch', toVolunteerId: 'wugang' })).status).toBe(200);
    expect((await act('wugang', id, { type: 'accept' })).status).toBe(200);
    const done = await act('wugang', id, { type: 'resolve', outcome: 'resolved', summary: '已陪同复查，取回药品' });
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ status: 'resolved', servedBy: 'wugang' });
    const confirmed = await call(stack, 'POST', `/v1/track/${trackingNo}/follow-up`, { ...PUBLIC, body: { code: trackingCode, satisfaction: 'satisfied' } });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect((await timeline(stack, id, tokens.admin)).map((e) => e.type)).toEqual(['received', 'accepted', 'dispatched_to_volunteer', 'accepted', 'resolved', 'followed_up']);
    const after = await call(stack, 'GET', '/v1/stats?unitId=hp-xf', as('community-mediator'));
    const [b, a] = [before.body.services, after.body.services];
    expect(a.ordered - b.ordered).toBe(1);
    expect(a.offered - b.offered).toBe(1);
    expect(a.taken - b.taken).toBe(1);
    expect(a.done - b.done).toBe(1);
    expect(a.doneByVolunteers - b.doneByVolunteers).toBe(1);
    expect(a.confirmationRate.numerator - b.confirmationRate.numerator).toBe(1);
    expect(a.byService.escort - (b.byService.escort ?? 0)).toBe(1);
    // Another community's figures do not move.
    expect((await call(stack, 'GET', '/v1/stats?unitId=hp-hx', as('township-mediator'))).body.services.ordered).toBe(0);
  });
});
