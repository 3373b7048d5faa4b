/**
 * 履行回访 end to end on the local stack (the real sweeper timer, escalation
 * worker, relay and notifier), on an injected clock: a resolved case with an
 * agreement is left alone until the morning after its 履行 deadline, then the
 * unit is reminded; 未履行 reopens it at the unit; 协议履行率 follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { clock } from '../../shared/service/clock.ts';
import { call, login, startTestStack, timeline, waitFor } from '../support/stack.ts';
import { dumpTable } from '../support/dynamo.ts';

let stack: LocalStack;
let now = new Date('2026-11-25T01:00:00Z'); // Wednesday 09:00 in China
let auth: { headers: Record<string, string> };

beforeAll(async () => {
  clock.set(() => now);
  stack = await startTestStack({ workers: true, sweepIntervalMs: 100 });
  auth = { headers: { authorization: `Bearer ${await login(stack, 'building-mediator')}` } };
});
afterAll(async () => {
  await stack.stop();
  clock.reset();
});

async function act(id: string, body: Record<string, unknown>) {
  const current = await call(stack, 'GET', `/v1/cases/${id}`, auth);
  const reply = await call(stack, 'POST', `/v1/cases/${id}/actions`, { ...auth, body: { expectedVersion: current.body.version, ...body } });
  return reply;
}

describe('履行回访', () => {
  it('reminds the unit the morning after the 履行 deadline, records 未履行 and reopens the case there', async () => {
    const filed = await call(stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'mediation', description: '楼上漏水，双方协商不成', reporter: { name: '吴先生', phone: '13912345688' }, location: { unitId: 'hp-xf-yg-1' } },
    });
    expect(filed.status).toBe(201);
    const id = filed.body.id as string;
    expect((await act(id, { type: 'accept' })).status).toBe(200);
    const agreement = {
      parties: [
        { name: '吴先生', role: 'applicant' },
        { name: '郑女士', role: 'respondent' },
      ],
      facts: '郑女士家卫生间渗水至吴先生家。',
      terms: ['郑女士于12月10日前修复防水层'],
      performance: { method: '维修', deadline: '2026-12-10' },
    };
    const agreed = await act(id, { type: 'record_agreement', agreement });
    expect(agreed.body.performanceCheck).toEqual({ deadline: '2026-12-10', reminded: false });
    expect((await act(id, { type: 'resolve', outcome: 'resolved', summary: '达成调解协议' })).body.status).toBe('resolved');

    // A minute before the check time, with the sweeper running: nothing.
    now = new Date('2026-12-11T00:59:00Z');
    await new Promise((r) => setTimeout(r, 600));
    expect((await timeline(stack, id)).map((e) => e.type)).not.toContain('performance_reminded');

    now = new Date('2026-12-11T01:00:30Z');
    const reminded = await waitFor('the performance reminder', async () => (await timeline(stack, id)).find((e) => e.type === 'performance_reminded'));
    expect(reminded).toMatchObject({ actor: { kind: 'system', id: 'escalation-worker' }, data: { deadline: '2026-12-10' } });
    await new Promise((r) => setTimeout(r, 500)); // more sweeps: once only
    expect((await timeline(stack, id)).filter((e) => e.type === 'performance_reminded')).toHaveLength(1);
    const told = await waitFor('the reminder in the outbox', async () => {
      const items = (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => String(i.pk).startsWith('OUTBOX#') && i.caseId === id && i.topic === 'performance_check');
      return items.length > 0 ? items : undefined;
    });
    expect(String(told[0]?.text)).toContain('履行回访');
    // Sessions do not last the fortnight the clock jumped.
    auth = { headers: { authorization: `Bearer ${await login(stack, 'building-mediator')}` } };

    // A bad value is 400 naming the field, nothing written.
    const bad = await act(id, { type: 'record_performance', performance: 'maybe', note: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('performance');

    const unperformed = await act(id, { type: 'record_performance', performance: 'unperformed', note: '郑女士拒不维修' });
    expect(unperformed.status, unperformed.text).toBe(200);
    expect(unperformed.body).toMatchObject({
      status: 'pending',
      unitId: 'hp-xf-yg-1',
      performanceCheck: { deadline: '2026-12-10', reminded: true, result: { performance: 'unperformed', note: '郑女士拒不维修' } },
    });

    // 协议履行率 counts it: 0 of 1 here, then 1 of 1 once the reopened case is resolved and the agreement performed.
    const rate = async () => (await call(stack, 'GET', '/v1/stats?unitId=hp-xf-yg-1&from=2026-11-01&to=2026-12-31', auth)).body.performanceRate;
    expect(await waitFor('the counters', async () => ((await rate())?.denominator === 1 ? rate() : undefined))).toEqual({ numerator: 0, denominator: 1, rate: 0 });
    expect((await act(id, { type: 'accept' })).status).toBe(200);
    expect((await act(id, { type: 'resolve', outcome: 'resolved', summary: '督促后已修复' })).status).toBe(200);
    expect((await act(id, { type: 'record_performance', performance: 'performed', note: '已修复' })).body.status).toBe('resolved');
    expect(await waitFor('the counters', async () => ((await rate())?.numerator === 1 ? rate() : undefined))).toEqual({ numerator: 1, denominator: 1, rate: 1 });
  });
});
