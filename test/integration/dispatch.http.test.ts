/**
 * Volunteer dispatch that cannot strand a case (群众点单、社区派单、党员接单),
 * and the smaller rules of issue 11 that live at the edges: an account
 * changed in one container applies in every other at once, and the same
 * 回访 answer sent twice at once is recorded once and answered twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { Directory } from '../../shared/store/directory.ts';
import { postWechat, replyFields, wechatText } from '../support/channels.ts';
import { call, login, startTestStack, timeline } from '../support/stack.ts';

let stack: LocalStack;
const tokens: Record<string, string> = {};
const as = (user: string) => ({ headers: { authorization: `Bearer ${tokens[user]}` } });

beforeAll(async () => {
  stack = await startTestStack();
  for (const user of ['admin', 'compound-mediator', 'community-mediator', 'building-mediator', 'volunteer']) tokens[user] = await login(stack, user);
  for (const [username, unitId, disabled] of [
    ['vol-yg1', 'hp-xf-yg-1', false],
    ['vol-hx', 'hp-hx', false],
    ['vol-off', 'hp-xf-yg', true],
  ] as const) {
    const created = await call(stack, 'POST', '/v1/users', { ...as('admin'), body: { username, displayName: username, role: 'volunteer', unitId, password: 'a-long-password' } });
    expect(created.status, created.text).toBe(201);
    if (disabled) expect((await call(stack, 'PATCH', `/v1/users/${username}`, { ...as('admin'), body: { disabled: true } })).status).toBe(200);
  }
  const reply = await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'vol-yg1', password: 'a-long-password' } });
  tokens['vol-yg1'] = reply.body.token as string;
});
afterAll(() => stack.stop());

async function act(user: string, id: string, body: Record<string, unknown>) {
  const current = await call(stack, 'GET', `/v1/cases/${id}`, as('admin'));
  return call(stack, 'POST', `/v1/cases/${id}/actions`, { ...as(user), body: { expectedVersion: current.body.version, ...body } });
}

async function compoundCase(description = '阳光小区健身器材损坏，需要有人上门看看') {
  const filed = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description, location: { unitId: 'hp-xf-yg' } } });
  expect(filed.status, filed.text).toBe(201);
  expect(filed.body.unitId).toBe('hp-xf-yg');
  return filed.body.id as string;
}

describe('dispatching to a volunteer', () => {
  it('takes only a volunteer registered at the dispatching unit or below it (400 otherwise), and nothing is written', async () => {
    const id = await compoundCase();
    for (const [volunteer, why] of [
      ['volunteer', 'registered at the community above'],
      ['vol-hx', 'in another community'],
      ['building-mediator', 'not a volunteer'],
      ['vol-off', 'disabled'],
      ['nobody-here', 'no such account'],
    ]) {
      const reply = await act('compound-mediator', id, { type: 'dispatch', toVolunteerId: volunteer });
      expect(reply.status, `${volunteer} (${why}): ${reply.text}`).toBe(400);
      expect(reply.body.error.issues[0].path).toBe('toVolunteerId');
    }
    expect((await timeline(stack, id, tokens.admin)).map((e) => e.type)).toEqual(['received']);
    const offered = await act('compound-mediator', id, { type: 'dispatch', toVolunteerId: 'vol-yg1', note: '请上门查看' });
    expect(offered.status, offered.text).toBe(200);
    expect(offered.body.assignment).toEqual({ volunteerId: 'vol-yg1', state: 'offered', byUnitId: 'hp-xf-yg' });
  });

  it('a volunteer below the dispatcher sees the task, and may accept or decline it; a decline gives the unit the case back', async () => {
    const id = await compoundCase('阳光小区3栋楼道堆放杂物');
    expect((await act('compound-mediator', id, { type: 'dispatch', toVolunteerId: 'vol-yg1' })).status).toBe(200);
    const tasks = await call(stack, 'GET', '/v1/cases?scope=mine', as('vol-yg1'));
    expect(tasks.status, tasks.text).toBe(200);
    expect(tasks.body.items.map((i: { id: string }) => i.id)).toContain(id);
    expect((await call(stack, 'GET', `/v1/cases/${id}`, as('vol-yg1'))).status).toBe(200);
    const declined = await act('vol-yg1', id, { type: 'decline', reason: '这周不在家' });
    expect(declined.status, declined.text).toBe(200);
    expect(declined.body.assignment).toBeUndefined();
    expect((await call(stack, 'GET', `/v1/cases/${id}`, as('vol-yg1'))).status).toBe(404);
    const queue = await call(stack, 'GET', '/v1/cases?scope=mine', as('compound-mediator'));
    expect(queue.body.items.map((i: { id: string }) => i.id)).toContain(id);
    // The unit can dispatch again; this time the volunteer takes it.
    expect((await act('compound-mediator', id, { type: 'dispatch', toVolunteerId: 'vol-yg1' })).status).toBe(200);
    const accepted = await act('vol-yg1', id, { type: 'accept' });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body.assignment).toMatchObject({ state: 'accepted' });
  });

  it('the dispatcher can take back an offered or accepted task (收回), and dispatch again', async () => {
    const id = await compoundCase('阳光小区2栋电梯异响');
    expect((await act('compound-mediator', id, { type: 'dispatch', toVolunteerId: 'vol-yg1' })).status).toBe(200);
    const again = await act('compound-mediator', id, { type: 'dispatch', toVolunteerId: 'vol-yg1' });
    expect([again.status, again.body.error.code]).toEqual([422, 'invalid_transition']);
    expect((await act('building-mediator', id, { type: 'recall', reason: '不是本单位' })).status).toBe(404);
    const recalled = await act('compound-mediator', id, { type: 'recall', reason: '志愿者联系不上' });
    expect(recalled.status, recalled.text).toBe(200);
    expect(recalled.body.assignment).toBeUndefined();
    expect((await call(stack, 'GET', `/v1/cases/${id}`, as('vol-yg1'))).status).toBe(404);
    const nothing = await act('compound-mediator', id, { type: 'recall', reason: '再收一次' });
    expect([nothing.status, nothing.body.error.code]).toEqual([422, 'invalid_transition']);
    expect((await act('compound-mediator', id, { type: 'dispatch', toVolunteerId: 'vol-yg1' })).status).toBe(200);
    expect((await act('vol-yg1', id, { type: 'accept' })).status).toBe(200);
    expect((await act('compound-mediator', id, { type: 'recall', reason: '改由网格员办理' })).status).toBe(200);
    const events = await timeline(stack, id, tokens.admin);
    expect(events.filter((e) => e.type === 'task_recalled').map((e) => e.data)).toEqual([
      { volunteerId: 'vol-yg1', reason: '志愿者联系不上' },
      { volunteerId: 'vol-yg1', reason: '改由网格员办理' },
    ]);
  });

  it('the community still offers tasks to its own volunteer, who finds them among their tasks', async () => {
    const filed = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'welfare', description: '独居老人需要定期探访', location: { unitId: 'hp-xf' } } });
    const id = filed.body.id as string;
    expect((await act('community-mediator', id, { type: 'dispatch', toVolunteerId: 'volunteer' })).status).toBe(200);
    const tasks = await call(stack, 'GET', '/v1/cases?scope=mine', as('volunteer'));
    expect(tasks.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
  });
});

describe('accounts', () => {
  it('a change made through one container applies in another at once (profiles are not cached)', async () => {
    const one = new Directory(stack.dynamodb, stack.tableName);
    const other = new Directory(stack.dynamodb, stack.tableName);
    expect((await one.account('vol-hx'))?.disabled).not.toBe(true);
    const account = await other.account('vol-hx');
    await other.putAccount({ ...account!, role: 'mediator', disabled: true });
    expect(await one.account('vol-hx')).toMatchObject({ role: 'mediator', disabled: true });
  });

  it('a disabled account is refused on its very next request', async () => {
    const token = (await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'vol-yg1', password: 'a-long-password' } })).body.token as string;
    expect((await call(stack, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await new Directory(stack.dynamodb, stack.tableName).putAccount({ ...(await new Directory(stack.dynamodb, stack.tableName).account('vol-yg1'))!, disabled: true });
    expect((await call(stack, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });
});

describe('回访 by WeChat', () => {
  it('the same answer sent twice at once is recorded once, and both messages are answered (no 5xx)', async () => {
    const openId = 'oTwiceSatisfied01';
    const filed = replyFields((await postWechat(stack, wechatText(openId, '阳光小区1栋门口路灯不亮了'))).text).Content ?? '';
    const id = /编号 ([2-9A-HJ-NP-Z]{10})/.exec(filed)?.[1] as string;
    expect(id).toBeDefined();
    expect((await act('building-mediator', id, { type: 'accept' })).status).toBe(200);
    expect((await act('building-mediator', id, { type: 'resolve', outcome: 'resolved', summary: '已更换灯泡' })).status).toBe(200);
    const replies = await Promise.all([postWechat(stack, wechatText(openId, '满意')), postWechat(stack, wechatText(openId, '满意'))]);
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    const texts = replies.map((r) => replyFields(r.text).Content ?? '');
    // One is thanked; the other, depending on whether it looked before or after the first was recorded, is told the
    // rating is already in, or that nothing awaits a rating.
    expect(texts).toContain(`感谢您对诉求 ${id} 的评价。`);
    const other = texts.find((t) => t !== `感谢您对诉求 ${id} 的评价。`);
    expect([`诉求 ${id} 已收到您的评价，无需重复评价。`, '没有待评价的诉求。直接发送您要反映的问题即可登记诉求。']).toContain(other);
    expect((await timeline(stack, id, tokens.admin)).filter((e) => e.type === 'followed_up')).toHaveLength(1);
  });
});
