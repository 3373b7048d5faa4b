/**
 * The whole workflow through HTTP with the real workers: intake → dispatch to
 * a volunteer → decline → dispatch to a building → accept → mediation with an
 * agreement → resolve → 回访 不满意 → reopened and escalated → resolved at the
 * compound → 回访 满意 → closed; every step on the timeline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { call, login, startTestStack, timeline, waitFor } from '../support/stack.ts';

let stack: LocalStack;
const token: Record<string, string> = {};

beforeAll(async () => {
  stack = await startTestStack({ workers: true, sweepIntervalMs: 200 });
  for (const user of ['community-mediator', 'volunteer', 'building-mediator', 'compound-mediator', 'admin']) token[user] = await login(stack, user);
});
afterAll(() => stack.stop());

async function act(user: string, id: string, body: Record<string, unknown>) {
  const current = await call(stack, 'GET', `/v1/cases/${id}`, { headers: { authorization: `Bearer ${token[user]}` } });
  const reply = await call(stack, 'POST', `/v1/cases/${id}/actions`, {
    headers: { authorization: `Bearer ${token[user]}` },
    body: { expectedVersion: current.body.version, ...body },
  });
  expect(reply.status, `${user} ${String(body.type)}: ${reply.text}`).toBe(200);
  return reply.body;
}

describe('the whole workflow', () => {
  it('runs from intake to closed with every step on the timeline', async () => {
    const filed = await call(stack, 'POST', '/v1/cases', {
      body: {
        source: 'hotline',
        externalId: '12345-WF-0001',
        center: 'mediation',
        description: '幸福社区居民反映：楼上卫生间漏水到楼下，双方多次协商未果。',
        reporter: { name: '吴先生', phone: '13912345602' },
        location: { address: '幸福社区' },
      },
    });
    expect(filed.body).toMatchObject({ level: 'community', unitId: 'hp-xf' });
    const id = filed.body.id as string;

    // 社区派单 → 党员接单? The volunteer declines; the community dispatches to the building instead.
    expect(await act('community-mediator', id, { type: 'dispatch', toVolunteerId: 'volunteer', note: '请刘洋上门了解' })).toMatchObject({
      assignment: { volunteerId: 'volunteer', state: 'offered' },
    });
    expect((await act('volunteer', id, { type: 'decline', reason: '本周不在社区' })).assignment).toBeUndefined();
    expect(await act('community-mediator', id, { type: 'dispatch', toUnitId: 'hp-xf-yg-1' })).toMatchObject({ unitId: 'hp-xf-yg-1', level: 'building' });

    // The building works it as a mediation and records an agreement.
    await act('building-mediator', id, { type: 'accept' });
    await act('building-mediator', id, { type: 'add_party', party: { name: '吴先生', role: 'applicant', phone: '13912345602' } });
    await act('building-mediator', id, { type: 'add_party', party: { name: '郑女士', role: 'respondent' } });
    const session = await act('building-mediator', id, { type: 'schedule_session', at: '2026-12-02T10:00:00+08:00', place: '阳光小区议事厅', mediators: ['张桂兰'] });
    const sessionId = session.sessions[0].id as string;
    await act('building-mediator', id, { type: 'record_minutes', sessionId, content: '双方陈述漏水经过，郑女士同意维修。' });
    const agreed = await act('building-mediator', id, {
      type: 'record_agreement',
      agreement: {
        parties: [{ name: '吴先生', role: 'applicant' }, { name: '郑女士', role: 'respondent' }],
        facts: '郑女士家卫生间防水层破损，导致吴先生家天花板渗水。',
        terms: ['郑女士于12月10日前修复防水层', '郑女士赔偿吴先生天花板修补费用800元'],
        // A month ahead of whenever this runs: its 履行回访 timer must not fire during the test.
        performance: { method: '维修并当面支付', deadline: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) },
      },
    });
    expect(agreed.agreement).toMatchObject({ mediator: '张桂兰（联户长）', terms: ['郑女士于12月10日前修复防水层', '郑女士赔偿吴先生天花板修补费用800元'] });
    await act('building-mediator', id, { type: 'resolve', outcome: 'resolved', summary: '双方达成调解协议' });

    // 回访 不满意: the case reopens and goes up through the queue.
    // 回访 by the level above: never by the one who resolved it.
    const reopened = await act('compound-mediator', id, { type: 'follow_up', satisfaction: 'dissatisfied', comment: '漏水没修好' });
    expect(reopened).toMatchObject({ status: 'pending', escalationPending: { reason: 'dissatisfied' } });
    await waitFor('the escalation to the compound', async () => {
      const c = await call(stack, 'GET', `/v1/cases/${id}`);
      return c.body.level === 'compound' ? true : undefined;
    });

    // The compound resolves it; 回访 满意; closed.
    await act('compound-mediator', id, { type: 'accept' });
    const resolved = await act('compound-mediator', id, { type: 'resolve', outcome: 'resolved', summary: '物业协调维修完成' });
    expect(resolved.resolution).toMatchObject({ level: 'compound', outcome: 'resolved' });
    await act('community-mediator', id, { type: 'follow_up', satisfaction: 'satisfied', comment: '满意' });
    const closed = await act('compound-mediator', id, { type: 'close' });
    expect(closed).toMatchObject({ status: 'closed', originUnitId: 'hp-xf-yg-1', level: 'compound' });

    const steps = (await timeline(stack, id, token.admin)).map((e) => `${e.type}${e.actor.id ? `@${e.actor.id}` : ''}`);
    expect(steps).toEqual([
      'received@hotline-12345',
      'dispatched_to_volunteer@community-mediator',
      'declined@volunteer',
      'dispatched_to_unit@community-mediator',
      'accepted@building-mediator',
      'party_added@building-mediator',
      'party_added@building-mediator',
      'session_scheduled@building-mediator',
      'minutes_recorded@building-mediator',
      'agreement_recorded@building-mediator',
      'resolved@building-mediator',
      'followed_up@compound-mediator',
      'escalated@escalation-worker',
      'accepted@compound-mediator',
      'resolved@compound-mediator',
      'followed_up@community-mediator',
      'closed@compound-mediator',
    ]);
    const escalated = (await timeline(stack, id, token.admin)).find((e) => e.type === 'escalated');
    expect(escalated?.data).toMatchObject({ reason: 'dissatisfied', fromLevel: 'building', toLevel: 'compound' });
  });

  it('重复件 flagged, then 并单: a duplicate merged into another case points to it, refuses further work, and its tracking shows the other case', async () => {
    const file = async (externalId: string) =>
      (await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', externalId, center: 'voice', description: '3栋电梯坏了', reporter: { phone: '13900000003' }, location: { unitId: 'hp-xf-yg-1' } } })).body;
    const first = await file('DUP-1');
    const second = await file('DUP-2');
    // Same resident, same building, same words: flagged as a possible 重复件 after intake.
    await waitFor('the 重复件 flag', async () => {
      const c = await call(stack, 'GET', `/v1/cases/${second.id}`, { headers: { authorization: `Bearer ${token['building-mediator']}` } });
      return c.body.possibleRepeatOf?.[0] === first.id ? true : undefined;
    });
    const merged = await act('building-mediator', second.id, { type: 'merge', intoCaseId: first.id });
    expect(merged).toMatchObject({ status: 'merged', mergedInto: first.id });
    const refused = await call(stack, 'POST', `/v1/cases/${second.id}/actions`, {
      headers: { authorization: `Bearer ${token['building-mediator']}` },
      body: { type: 'accept', expectedVersion: merged.version },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain(first.id);
    const tracked = await call(stack, 'GET', `/v1/track/${second.trackingNo}?code=${second.trackingCode}`, { key: null });
    expect(tracked.body).toMatchObject({ trackingNo: first.trackingNo, mergedFrom: second.trackingNo });
  });
});
