/**
 * 履行回访 of a 调解协议: the timer at its 履行 deadline, `record_performance`
 * (未履行 reopens a resolved case where it is), and 协议履行率 — decided and
 * folded on an injected clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidTransition,
  Forbidden,
  PERFORMANCE_CODES,
  computeStats,
  decide,
  dueCommand,
  evolve,
  nextTimerAt,
  notificationsFor,
  performanceCheckAt,
  timers,
  type Actor,
  type CaseEvent,
  type CaseState,
  type Command,
} from '../../shared/domain/index.ts';
import { ctx, hotline, intake, system, units, user } from '../support/domain.ts';

const T0 = '2026-11-25T09:00:00+08:00';
const liaison = user('hp-xf-yg-1', 'liaison');
const compound = user('hp-xf-yg');

function step(state: CaseState | undefined, command: Command, actor: Actor, at: string): { state: CaseState; event: CaseEvent } {
  const d = decide(state, command, ctx(actor, at));
  if (!d.ok) throw d.error;
  return { state: evolve(state, d.event), event: d.event };
}
const run = (state: CaseState | undefined, command: Command, actor: Actor, at: string = T0) => step(state, command, actor, at).state;

function agreed(deadline = '2026-12-10', resolve = true): CaseState {
  let s = run(undefined, { type: 'receive', id: 'CASE000001', trackingNo: 'CASE000001', trackingCode: '123456', input: intake({ center: 'mediation' }) }, hotline);
  s = run(s, { type: 'accept' }, liaison);
  s = run(
    s,
    {
      type: 'record_agreement',
      agreement: {
        parties: [
          { name: '吴先生', role: 'applicant' },
          { name: '郑女士', role: 'respondent' },
        ],
        facts: '卫生间渗水',
        terms: ['修复防水层'],
        performance: { method: '维修', deadline },
        signedAt: '2026-11-25T02:00:00Z',
        mediator: '张桂兰',
      },
    },
    liaison,
  );
  return resolve ? run(s, { type: 'resolve', outcome: 'resolved', summary: '达成协议' }, liaison) : s;
}

describe('the performance timer', () => {
  it('falls due at 09:00 China time the day after the 履行 deadline', () => {
    expect(performanceCheckAt('2026-12-10')).toBe('2026-12-11T01:00:00.000Z');
    expect(performanceCheckAt('2026-12-31')).toBe('2027-01-01T01:00:00.000Z');
  });

  it('on a resolved case: nothing due before, the reminder at the time, and then no more', () => {
    const s = agreed('2026-12-10');
    expect(s.status).toBe('resolved');
    expect(nextTimerAt(s, units)).toBe('2026-12-11T01:00:00.000Z');
    expect(dueCommand(s, new Date('2026-12-11T00:59:59Z'), units)).toBeUndefined();
    const early = decide(s, { type: 'remind_performance' }, ctx(system, '2026-12-11T00:59:59Z'));
    expect(early.ok === false && early.error).toBeInstanceOf(InvalidTransition);

    const at = '2026-12-11T01:00:00Z';
    expect(dueCommand(s, new Date(at), units)).toEqual({ type: 'remind_performance' });
    const { state: reminded, event } = step(s, { type: 'remind_performance' }, system, at);
    expect(event).toMatchObject({ type: 'performance_reminded', data: { deadline: '2026-12-10' } });
    expect(reminded.performanceCheck).toEqual({ deadline: '2026-12-10', reminded: true });
    expect(nextTimerAt(reminded, units)).toBeUndefined();
    expect(dueCommand(reminded, new Date('2027-06-01T00:00:00Z'), units)).toBeUndefined();
    // The unit holding the case is told, in Chinese, with the deadline.
    expect(notificationsFor(event, reminded, units)).toEqual([
      { recipient: { kind: 'unit', unitId: 'hp-xf-yg-1' }, topic: 'performance_check', text: expect.stringContaining('2026-12-10') },
    ]);
  });

  it('a person may not remind; a recorded performance stops the timer', () => {
    const s = agreed();
    const byPerson = decide(s, { type: 'remind_performance' }, ctx(liaison, '2026-12-12T01:00:00Z'));
    expect(byPerson.ok === false && byPerson.error).toBeInstanceOf(Forbidden);
    const checked = run(s, { type: 'record_performance', performance: 'performed', note: '已修复' }, liaison, '2026-12-05T02:00:00Z');
    expect(timers(checked, units)).toEqual([]);
  });

  it('runs beside the open-case timers, and a withdrawn or merged case has none', () => {
    const open = agreed('2026-11-26', false);
    expect(timers(open, units).map((t) => t.command.type)).toContain('remind_performance');
    const withdrawn = run(open, { type: 'withdraw', reason: '撤回' }, liaison);
    expect(timers(withdrawn, units)).toEqual([]);
  });
});

describe('record_performance', () => {
  it('已履行 and 部分履行 record; 未履行 reopens a resolved case at its unit, no escalation', () => {
    const s = agreed();
    const performed = run(s, { type: 'record_performance', performance: 'performed', note: '已修复并付款' }, liaison);
    expect(performed).toMatchObject({ status: 'resolved', performanceCheck: { result: { performance: 'performed', note: '已修复并付款' } } });
    const partial = run(s, { type: 'record_performance', performance: 'partial', note: '已修复，未付款' }, liaison);
    expect(partial.status).toBe('resolved');

    const at = '2026-12-11T02:00:00Z';
    const { state: reopened, event } = step(s, { type: 'record_performance', performance: 'unperformed', note: '郑女士拒不维修' }, liaison, at);
    expect(reopened).toMatchObject({ status: 'pending', unitId: 'hp-xf-yg-1', level: 'building', escalationPending: undefined });
    expect(reopened.stays.at(-1)).toMatchObject({ unitId: 'hp-xf-yg-1', reason: 'reopen', enteredAt: new Date(at).toISOString() });
    expect(reopened.clocks?.startedAt).toBe(new Date(at).toISOString());
    expect(notificationsFor(event, reopened, units).map((n) => n.topic)).toEqual(['reopened']);
    // Worked again, it is resolved again as usual.
    const again = run(run(reopened, { type: 'accept' }, liaison, at), { type: 'resolve', outcome: 'resolved', summary: '已强制履行' }, liaison, at);
    expect(again.status).toBe('resolved');
  });

  it('on an open case 未履行 records without reopening anything', () => {
    const s = agreed('2026-12-10', false);
    const after = run(s, { type: 'record_performance', performance: 'unperformed', note: '未履行' }, liaison);
    expect(after.status).toBe('in_progress');
    expect(after.clocks).toEqual(s.clocks);
  });

  it('is refused without an agreement, on a withdrawn case, and by a unit other than the one holding it', () => {
    let plain = run(undefined, { type: 'receive', id: 'CASE000002', trackingNo: 'CASE000002', trackingCode: '123456', input: intake() }, hotline);
    plain = run(plain, { type: 'accept' }, liaison);
    const none = decide(plain, { type: 'record_performance', performance: 'performed', note: 'x' }, ctx(liaison, T0));
    expect(none.ok === false && none.error.message).toBe('no agreement is recorded on this case');
    const withdrawn = run(agreed('2026-12-10', false), { type: 'withdraw', reason: '撤回' }, liaison);
    expect(decide(withdrawn, { type: 'record_performance', performance: 'performed', note: 'x' }, ctx(liaison, T0)).ok).toBe(false);
    const above = decide(agreed(), { type: 'record_performance', performance: 'performed', note: 'x' }, ctx(compound, T0));
    expect(above.ok === false && above.error).toBeInstanceOf(Forbidden);
  });

  it('a new agreement starts its own check', () => {
    const s = run(agreed('2026-12-10'), { type: 'record_performance', performance: 'unperformed', note: '未履行' }, liaison);
    const accepted = run(s, { type: 'accept' }, liaison);
    const again = run(
      accepted,
      { type: 'record_agreement', agreement: { ...s.agreement!, performance: { method: '分期', deadline: '2027-01-20' } } },
      liaison,
    );
    expect(again.performanceCheck).toEqual({ deadline: '2027-01-20', reminded: false });
    expect(nextTimerAt(run(again, { type: 'resolve', outcome: 'resolved', summary: '重新协议' }, liaison), units)).toBe('2027-01-21T01:00:00.000Z');
  });
});

describe('协议履行率', () => {
  it('property: 已履行 ÷ agreements with a recorded performance, each case counted by its last record', () => {
    const range = { from: '2026-11-01', to: '2026-12-31' };
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom(...PERFORMANCE_CODES), { maxLength: 3 }), { minLength: 1, maxLength: 8 }), (records) => {
        const cases = records.map((list) =>
          list.reduce((s, performance) => {
            // 未履行 reopens: the case is worked and resolved again before the next check.
            const open = s.status === 'pending' ? run(run(s, { type: 'accept' }, liaison), { type: 'resolve', outcome: 'resolved', summary: '再办结' }, liaison) : s;
            return run(open, { type: 'record_performance', performance, note: '核实' }, liaison);
          }, agreed()),
        );
        const last = records.flatMap((list) => (list.length > 0 ? [list.at(-1)] : []));
        const performed = last.filter((p) => p === 'performed').length;
        const { performanceRate } = computeStats(cases, range);
        expect(performanceRate.numerator).toBe(performed);
        expect(performanceRate.denominator).toBe(last.length);
        expect(performanceRate.rate).toBe(last.length === 0 ? null : Math.round((performed / last.length) * 10_000) / 10_000);
      }),
      { numRuns: 200 },
    );
  });
});
