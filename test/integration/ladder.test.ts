/**
 * The escalation ladder end to end on the local stack (dynalite, fauxqs, the
 * real sweeper timer, pollers and workers), on an injected clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { clock } from '../../shared/service/clock.ts';
import { call, login, startTestStack, timeline, waitFor } from '../support/stack.ts';
import { chinaDay } from '../../shared/domain/index.ts';

let stack: LocalStack;
let now = new Date('2026-11-25T01:00:00Z'); // Wednesday 09:00 in China
const at = (iso: string) => new Date(new Date(iso).getTime() + 60_000); // a minute past a deadline

beforeAll(async () => {
  clock.set(() => now);
  stack = await startTestStack({ workers: true, sweepIntervalMs: 100 });
});
afterAll(async () => {
  await stack.stop();
  clock.reset();
});
afterEach(() => {
  now = new Date('2026-11-25T01:00:00Z');
});

async function file(unitId: string, description = '楼道灯坏了一周') {
  const reply = await call(stack, 'POST', '/v1/cases', {
    body: { source: 'hotline', center: 'voice', description, reporter: { name: '周女士', phone: '13800138000' }, location: { unitId } },
  });
  expect(reply.status).toBe(201);
  return reply.body as { id: string; acceptDueAt: string; resolveDueAt: string; clocks?: unknown };
}

const read = async (id: string) => (await call(stack, 'GET', `/v1/cases/${id}`)).body;

describe('the escalation ladder', () => {
  it('a neglected case climbs building → compound → community → township, then is put under 督办', async () => {
    const filed = await file('hp-xf-yg-1');
    let current = await read(filed.id);
    expect(current).toMatchObject({ level: 'building', unitId: 'hp-xf-yg-1' });

    // 80% of the 签收 limit: a reminder, and no move.
    const remindAt = new Date(new Date(current.createdAt).getTime() + 0.8 * (new Date(current.acceptDueAt).getTime() - new Date(current.createdAt).getTime()) + 1000);
    now = remindAt;
    const reminded = await waitFor('the reminder', async () => (await timeline(stack, filed.id)).find((e) => e.type === 'reminded'));
    expect(reminded.data).toEqual({ clock: 'accept', dueAt: current.acceptDueAt });
    expect((await read(filed.id)).level).toBe('building');

    const path: [string, string][] = [
      ['building', 'compound'],
      ['compound', 'community'],
      ['community', 'township'],
    ];
    const units = { compound: 'hp-xf-yg', community: 'hp-xf', township: 'hp' } as Record<string, string>;
    for (const [from, to] of path) {
      now = at(current.acceptDueAt);
      current = await waitFor(`the move to ${to}`, async () => {
        const c = await read(filed.id);
        return c.level === to ? c : undefined;
      });
      expect(current).toMatchObject({ status: 'pending', unitId: units[to], originUnitId: 'hp-xf-yg-1' });
      const moves = (await timeline(stack, filed.id)).filter((e) => e.type === 'escalated');
      expect(moves.at(-1)?.data).toMatchObject({ fromLevel: from, toLevel: to, reason: 'overdue', toUnitId: units[to] });
      expect(moves.at(-1)?.actor).toEqual({ kind: 'system', id: 'escalation-worker' });
      // The clocks restarted at the new level.
      expect(new Date(current.acceptDueAt).getTime()).toBeGreaterThan(now.getTime());
    }

    // At the top there is nowhere to go: 督办, once per overdue period.
    now = at(current.acceptDueAt);
    const supervised = await waitFor('督办', async () => (await timeline(stack, filed.id)).find((e) => e.type === 'supervised'));
    expect(supervised.data.alert).toBe(1);
    await new Promise((r) => setTimeout(r, 800)); // several sweeps at the same instant
    const events = await timeline(stack, filed.id);
    expect(events.filter((e) => e.type === 'supervised')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'escalated')).toHaveLength(3);
    const after = await read(filed.id);
    expect(after).toMatchObject({ level: 'township', supervision: { alerts: 1 } });

    // The next period brings the next alert, and only one.
    now = at(after.supervision.nextAlertAt);
    await waitFor('the second 督办', async () => ((await read(filed.id)).supervision.alerts === 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    expect((await read(filed.id)).supervision.alerts).toBe(2);

    // Everyone concerned was told: the new unit at each step, the resident, and the township under 督办.
    const admin = await login(stack, 'admin');
    const days = [...new Set((await timeline(stack, filed.id)).map((e) => chinaDay(e.at)))];
    const mine: { caseId: string; topic: string; status: string }[] = [];
    for (const day of days) {
      const outbox = await call(stack, 'GET', `/v1/outbox?date=${day}&limit=500`, { headers: { authorization: `Bearer ${admin}` } });
      mine.push(...outbox.body.items.filter((m: { caseId: string }) => m.caseId === filed.id));
    }
    expect(mine.map((m: { topic: string }) => m.topic)).toEqual(expect.arrayContaining(['new_case', 'receipt', 'reminder', 'escalated', 'supervision']));
    expect(mine.every((m: { status: string }) => m.status === 'sent')).toBe(true);
  });

  it('a case resolved at the compound never reaches the community', async () => {
    const filed = await file('hp-xf-yg-2', '楼上漏水，协商不成');
    now = at(filed.acceptDueAt);
    await waitFor('the move to compound', async () => ((await read(filed.id)).level === 'compound' ? true : undefined));
    const token = await login(stack, 'compound-mediator');
    const auth = { authorization: `Bearer ${token}` };
    let c = await read(filed.id);
    const accepted = await call(stack, 'POST', `/v1/cases/${filed.id}/actions`, { headers: auth, body: { type: 'accept', expectedVersion: c.version } });
    expect(accepted.status).toBe(200);
    const resolved = await call(stack, 'POST', `/v1/cases/${filed.id}/actions`, {
      headers: auth,
      body: { type: 'resolve', expectedVersion: accepted.body.version, outcome: 'resolved', summary: '物业已维修，双方和解' },
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', level: 'compound', resolution: { level: 'compound', onTime: true } });
    // Long past every deadline, with the sweeper running all along.
    now = new Date('2027-01-15T01:00:00Z');
    await new Promise((r) => setTimeout(r, 800));
    c = await read(filed.id);
    expect(c).toMatchObject({ level: 'compound', status: 'resolved' });
    expect((await timeline(stack, filed.id)).filter((e) => e.type === 'escalated').map((e) => e.data.toLevel)).toEqual(['compound']);
  });

  it('a manual escalation goes through the queue with its reason, and the origin stays', async () => {
    const filed = await file('hp-xf-yg-3', '邻里纠纷，楼栋调解不成');
    const token = await login(stack, 'building-mediator');
    expect((await read(filed.id)).unitId).toBe('hp-xf-yg-3');
    // The building mediator's unit is 1栋; 3栋 is outside it: 404, nothing leaked.
    const foreign = await call(stack, 'POST', `/v1/cases/${filed.id}/actions`, {
      headers: { authorization: `Bearer ${token}` },
      body: { type: 'escalate', expectedVersion: 1, reason: 'x' },
    });
    expect(foreign.status).toBe(404);

    const own = await file('hp-xf-yg-1', '邻里纠纷，楼栋调解不成');
    const requested = await call(stack, 'POST', `/v1/cases/${own.id}/actions`, {
      headers: { authorization: `Bearer ${token}` },
      body: { type: 'escalate', expectedVersion: 1, reason: '双方分歧大，楼栋无法调解' },
    });
    expect(requested.status).toBe(200);
    expect(requested.body.escalationPending).toMatchObject({ reason: 'manual', note: '双方分歧大，楼栋无法调解' });
    const moved = await waitFor('the manual escalation', async () => {
      const c = await read(own.id);
      return c.level === 'compound' ? c : undefined;
    });
    expect(moved.originUnitId).toBe('hp-xf-yg-1');
    expect(moved.escalationPending).toBeUndefined();
    const move = (await timeline(stack, own.id)).find((e) => e.type === 'escalated');
    expect(move?.data).toMatchObject({ reason: 'manual', note: '双方分歧大，楼栋无法调解', fromLevel: 'building', toLevel: 'compound' });
  });
});
