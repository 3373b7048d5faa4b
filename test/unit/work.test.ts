/**
 * The mediator's day in the domain: 登记 by a person, who may record 回访,
 * 督办 by people, and which tab of 我的待办 (and whose) each case is in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Forbidden,
  ValidationFailed,
  awaitedBy,
  decide,
  deadlineMarks,
  evolve,
  ownTabs,
  type Actor,
  type CaseState,
  type Command,
} from '../../shared/domain/index.ts';
import { ctx, hotline, intake, system, units, user } from '../support/domain.ts';

const T0 = '2026-11-25T09:00:00+08:00'; // a Wednesday morning

function received(overrides: Parameters<typeof intake>[0] = {}, actor: Actor = hotline): CaseState {
  const d = decide(undefined, { type: 'receive', id: 'WORK000001', trackingNo: 'WORK000001', trackingCode: '123456', input: intake(overrides) }, ctx(actor, T0));
  if (!d.ok) throw d.error;
  return evolve(undefined, d.event);
}
function run(state: CaseState, command: Command, actor: Actor, at: string = T0): CaseState {
  const d = decide(state, command, ctx(actor, at));
  if (!d.ok) throw d.error;
  return evolve(state, d.event);
}
function refuse(state: CaseState | undefined, command: Command, actor: Actor, at: string = T0) {
  const d = decide(state, command, ctx(actor, at));
  if (d.ok) throw new Error(`expected ${command.type} to be refused, got ${d.event.type}`);
  return d.error;
}

const liaison = user('hp-xf-yg-1', 'liaison', 'zhang');
const colleague = user('hp-xf-yg-1', 'liaison', 'other-liaison');
const compound = user('hp-xf-yg', 'mediator', 'li');
const community = user('hp-xf', 'mediator', 'wang');
const officer = user('hp', 'officer', 'chen');
const officer2 = user('hp', 'officer', 'zhou');
const leader = user('hp', 'leader', 'zhao');

const resolvedBy = (actor: Actor, unitId = 'hp-xf-yg-1') => {
  let s = received({ location: { unitId } });
  s = run(s, { type: 'accept' }, actor);
  return run(s, { type: 'resolve', outcome: 'resolved', summary: '已修好' }, actor);
};

describe('登记: a matter registered by a person', () => {
  const register = (actor: Actor, location: { unitId?: string } = {}) =>
    decide(undefined, { type: 'receive', id: 'REG0000001', trackingNo: 'REG0000001', trackingCode: '654321', input: intake({ source: 'walk_in', location }) }, ctx(actor, T0));

  it('files at the registrar’s own unit when no unit is given, with the source and the registrar recorded', () => {
    const d = register(liaison);
    expect(d.ok && d.event.type === 'received' && d.event.data).toMatchObject({ unitId: 'hp-xf-yg-1', source: 'walk_in', filedBy: 'zhang' });
    expect(d.ok && d.event.actor).toEqual(liaison);
  });

  it('files at a unit below the registrar, and refuses one outside their subtree', () => {
    const below = register(community, { unitId: 'hp-xf-cy-1' });
    expect(below.ok && below.event.type === 'received' && below.event.data.unitId).toBe('hp-xf-cy-1');
    const outside = register(community, { unitId: 'hp-hx-jy-1' });
    expect(!outside.ok && outside.error).toBeInstanceOf(ValidationFailed);
  });

  it('is for those who work cases: not volunteers, not leaders', () => {
    expect(refuse(undefined, { type: 'receive', id: 'R', trackingNo: 'R', trackingCode: '1', input: intake({ source: 'phone' }) }, user('hp-xf', 'volunteer'))).toBeInstanceOf(Forbidden);
    expect(refuse(undefined, { type: 'receive', id: 'R', trackingNo: 'R', trackingCode: '1', input: intake({ source: 'phone' }) }, leader)).toBeInstanceOf(Forbidden);
  });
});

describe('回访 by someone other than the resolver', () => {
  it('the resolver and their colleagues at the resolving unit may not record it; the level above and the 矛调中心 may', () => {
    const s = resolvedBy(liaison);
    expect(s.resolution?.by).toBe('zhang');
    expect(refuse(s, { type: 'follow_up', satisfaction: 'satisfied' }, liaison)).toBeInstanceOf(Forbidden);
    expect(refuse(s, { type: 'follow_up', satisfaction: 'satisfied' }, colleague)).toBeInstanceOf(Forbidden);
    expect(run(s, { type: 'follow_up', satisfaction: 'satisfied' }, compound).followUp?.satisfaction).toBe('satisfied');
    expect(run(s, { type: 'follow_up', satisfaction: 'satisfied' }, community).followUp?.satisfaction).toBe('satisfied');
    expect(run(s, { type: 'follow_up', satisfaction: 'satisfied' }, officer).followUp?.satisfaction).toBe('satisfied');
    expect(refuse(s, { type: 'follow_up', satisfaction: 'satisfied' }, leader)).toBeInstanceOf(Forbidden);
  });

  it('at the top, another officer of the 矛调中心 records it, never the one who resolved', () => {
    const s = resolvedBy(officer, 'hp');
    expect(refuse(s, { type: 'follow_up', satisfaction: 'satisfied' }, officer)).toBeInstanceOf(Forbidden);
    expect(run(s, { type: 'follow_up', satisfaction: 'basically_satisfied' }, officer2).followUp?.satisfaction).toBe('basically_satisfied');
  });

  it('is awaited by the level above the resolving unit, due three working days after 办结', () => {
    const s = resolvedBy(liaison);
    // Resolved Wednesday 09:00; three working days: Thursday, Friday, Monday, at the close of the day.
    expect(awaitedBy(s, units)).toEqual({ unitId: 'hp-xf-yg', for: 'follow_up', dueAt: '2026-11-30T09:30:00.000Z', tab: 'follow_up' });
    expect(awaitedBy(run(s, { type: 'follow_up', satisfaction: 'satisfied' }, compound), units)).toBeUndefined();
    // A resident may rate it too (by the tracking page): then it is no longer awaited.
    const rated = run(s, { type: 'follow_up', satisfaction: 'satisfied' }, { kind: 'resident', id: 'track', channel: 'web' });
    expect(awaitedBy(rated, units)).toBeUndefined();
  });
});

describe('督办 by people', () => {
  it('officers and leaders order it with a note and a date; the unit sees the case as 督办件 until it is resolved', () => {
    let s = run(received(), { type: 'accept' }, liaison);
    expect(ownTabs(s)).toEqual(['in_progress']);
    s = run(s, { type: 'order_supervision', note: '群众反映强烈，请加快办理', until: '2026-11-27' }, leader);
    expect(s.supervisionOrder).toMatchObject({ note: '群众反映强烈，请加快办理', until: '2026-11-27', by: 'zhao', byUnitId: 'hp' });
    expect(ownTabs(s)).toEqual(['in_progress', 'supervised']);
    s = run(s, { type: 'resolve', outcome: 'resolved', summary: '已办结' }, liaison);
    expect(s.supervisionOrder).toBeUndefined();
    expect(ownTabs(s)).toEqual([]);
  });

  it('is not for mediators, and not for a date already past', () => {
    const s = received();
    expect(refuse(s, { type: 'order_supervision', note: 'x', until: '2026-11-27' }, community)).toBeInstanceOf(Forbidden);
    expect(refuse(s, { type: 'order_supervision', note: 'x', until: '2026-11-24' }, officer)).toBeInstanceOf(ValidationFailed);
    expect(refuse(s, { type: 'order_supervision', note: 'x', until: '27/11/2026' }, officer)).toBeInstanceOf(ValidationFailed);
  });
});

describe('我的待办 tabs', () => {
  it('a returned case is 退回件 at the unit it came back to; the last allowed return awaits the dispatcher’s parent', () => {
    let s = received({ location: { unitId: 'hp-xf-yg' } });
    s = run(s, { type: 'dispatch', toUnitId: 'hp-xf-yg-1' }, compound);
    s = run(s, { type: 'return', reason: '不在本栋' }, liaison);
    expect(s.unitId).toBe('hp-xf-yg');
    expect(ownTabs(s)).toEqual(['pending', 'returned']);
    s = run(s, { type: 'dispatch', toUnitId: 'hp-xf-yg-1' }, compound);
    s = run(s, { type: 'return', reason: '还是不在本栋' }, liaison);
    s = run(s, { type: 'dispatch', toUnitId: 'hp-xf-yg-1' }, compound);
    s = run(s, { type: 'return', reason: '第三次' }, liaison);
    // The third return goes up to the community, which decides where it belongs: 待我审批 there.
    expect(s.unitId).toBe('hp-xf');
    expect(awaitedBy(s, units)).toMatchObject({ unitId: 'hp-xf', for: 'return_decision', tab: 'approval' });
  });

  it('an extension request awaits the level above (待我审批) until it is decided', () => {
    let s = run(received(), { type: 'accept' }, liaison);
    s = run(s, { type: 'extend_request', reason: '等待配件', until: '2026-12-02T17:30:00+08:00' }, liaison);
    expect(awaitedBy(s, units)).toMatchObject({ unitId: 'hp-xf-yg', for: 'extension', dueAt: s.clocks?.resolveDueAt });
    s = run(s, { type: 'extend_decide', approved: true }, compound);
    expect(awaitedBy(s, units)).toBeUndefined();
  });

  it('不满意 reopens the case as 重办件 wherever it goes next', () => {
    let s = resolvedBy(liaison);
    s = run(s, { type: 'follow_up', satisfaction: 'dissatisfied' }, compound);
    expect(ownTabs(s)).toContain('reopened');
    s = run(s, { type: 'move_up', reason: 'dissatisfied' }, system);
    expect(s.unitId).toBe('hp-xf-yg');
    expect(ownTabs(s)).toEqual(['pending', 'reopened']);
  });

  it('marks overdue and 临期 the way lists do (under two hours, or the last fifth)', () => {
    const now = new Date('2026-11-25T10:00:00Z');
    expect(deadlineMarks('2026-11-25T09:00:00Z', '2026-11-20T00:00:00Z', now)).toEqual({ overdue: true, nearDeadline: false });
    expect(deadlineMarks('2026-11-25T11:00:00Z', '2026-11-20T00:00:00Z', now)).toEqual({ overdue: false, nearDeadline: true });
    expect(deadlineMarks('2026-11-26T10:00:00Z', '2026-11-20T10:00:00Z', now)).toEqual({ overdue: false, nearDeadline: true });
    expect(deadlineMarks('2026-11-30T10:00:00Z', '2026-11-25T00:00:00Z', now)).toEqual({ overdue: false, nearDeadline: false });
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 1e9 }), (left, span) => {
        const due = new Date(now.getTime() + left).toISOString();
        const m = deadlineMarks(due, new Date(now.getTime() + left - span).toISOString(), now);
        expect(m.overdue && m.nearDeadline).toBe(false);
        expect(m.overdue).toBe(left < 0);
      }),
    );
  });
});
