import { describe, expect, it } from 'vitest';
import {
  InvalidTransition,
  NotFound,
  Forbidden,
  ValidationFailed,
  decide,
  dueCommand,
  evolve,
  nextTimerAt,
  type Actor,
  type CaseState,
  type Command,
} from '../../shared/domain/index.ts';
import { ctx, hotline, intake, system, units, user } from '../support/domain.ts';

const T0 = '2026-11-25T09:00:00+08:00'; // a Wednesday morning

function received(overrides: Parameters<typeof intake>[0] = {}, at = T0): CaseState {
  const d = decide(undefined, { type: 'receive', id: 'CASE000001', trackingNo: 'CASE000001', trackingCode: '123456', input: intake(overrides) }, ctx(hotline, at));
  if (!d.ok) throw d.error;
  return evolve(undefined, d.event);
}

function run(state: CaseState, command: Command, actor: Actor, at: string | Date = T0): CaseState {
  const d = decide(state, command, ctx(actor, at));
  if (!d.ok) throw d.error;
  return evolve(state, d.event);
}

function refuse(state: CaseState, command: Command, actor: Actor, at: string | Date = T0) {
  const d = decide(state, command, ctx(actor, at));
  if (d.ok) throw new Error(`expected ${command.type} to be refused, got ${d.event.type}`);
  return d.error;
}

const liaison = user('hp-xf-yg-1', 'liaison');
const compound = user('hp-xf-yg');
const community = user('hp-xf');
const township = user('hp', 'officer');

describe('intake routing', () => {
  it('starts at the building the location names, with both clocks running', () => {
    const s = received();
    expect(s).toMatchObject({ status: 'pending', level: 'building', unitId: 'hp-xf-yg-1', originUnitId: 'hp-xf-yg-1', version: 1 });
    expect(s.clocks?.acceptDueAt).toBe('2026-11-25T03:00:00.000Z'); // 2 working hours: 11:00 local
    expect(s.clocks?.resolveDueAt).toBe('2026-11-30T09:30:00.000Z'); // close of the 3rd workday after (Thu, Fri, Mon)
  });

  it('finds the building from the address when no unit id is given', () => {
    const s = received({ location: { address: '幸福社区阳光小区3栋2单元' } });
    expect(s.unitId).toBe('hp-xf-yg-3');
  });

  it('starts at the township for dispatch when the unit cannot be determined', () => {
    const s = received({ location: { address: '不知道哪里' } });
    expect(s).toMatchObject({ unitId: 'hp', level: 'township' });
  });

  it('refuses a unit id that does not exist, with the field named', () => {
    const d = decide(undefined, { type: 'receive', id: 'X', trackingNo: 'X', trackingCode: '1', input: intake({ location: { unitId: 'nowhere' } }) }, ctx(hotline, T0));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.error).toBeInstanceOf(ValidationFailed);
    expect((d.error as ValidationFailed).issues[0]?.path).toBe('location.unitId');
  });

  it('fast-tracks a serious risk to the community and records the matched terms', () => {
    const s = received({ description: '工地拖欠农民工工资，工人们准备聚集讨薪' });
    expect(s).toMatchObject({ level: 'community', unitId: 'hp-xf', originUnitId: 'hp-xf-yg-1' });
    expect(s.risk).toEqual({ level: 'orange', terms: ['农民工工资', '讨薪', '聚集'], source: 'text' });
  });

  it('treats a red risk as urgent: short calendar-hour clocks', () => {
    const s = received({ description: '邻居说不想活了' });
    expect(s.risk?.level).toBe('red');
    expect(s.clocks?.acceptDueAt).toBe(new Date(new Date(T0).getTime() + 2 * 3600_000).toISOString());
  });

  it('takes a risk flag from the hotline even without matching words', () => {
    expect(received({ risk: 'yellow' }).risk).toEqual({ level: 'yellow', terms: [], source: 'hotline' });
  });

  it('makes a title from the description when none is given', () => {
    expect(received({ description: '楼道灯坏了三天。请尽快修理！' }).title).toBe('楼道灯坏了三天');
  });
});

describe('working a case', () => {
  it('accept → resolve → follow up satisfied → close', () => {
    let s = received();
    s = run(s, { type: 'accept' }, liaison);
    expect(s.status).toBe('in_progress');
    expect(s.clocks?.acceptDueAt).toBeUndefined();
    s = run(s, { type: 'resolve', outcome: 'resolved', summary: '已修好' }, liaison);
    expect(s.resolution).toMatchObject({ outcome: 'resolved', level: 'building', onTime: true });
    s = run(s, { type: 'follow_up', satisfaction: 'satisfied' }, compound);
    s = run(s, { type: 'close' }, liaison);
    expect(s).toMatchObject({ status: 'closed', version: 5 });
  });

  it('refuses to resolve before accepting, and to accept twice', () => {
    const s = received();
    expect(refuse(s, { type: 'resolve', outcome: 'resolved', summary: 'x' }, liaison)).toBeInstanceOf(InvalidTransition);
    const accepted = run(s, { type: 'accept' }, liaison);
    expect(refuse(accepted, { type: 'accept' }, liaison)).toBeInstanceOf(InvalidTransition);
  });

  it('records a late resolution as not on time', () => {
    let s = run(received(), { type: 'accept' }, liaison);
    s = run(s, { type: 'resolve', outcome: 'partial', summary: '部分解决' }, liaison, '2026-12-10T10:00:00+08:00');
    expect(s.resolution?.onTime).toBe(false);
  });

  it('a closed case accepts only follow-up and reopen', () => {
    let s = run(received(), { type: 'accept' }, liaison);
    s = run(s, { type: 'resolve', outcome: 'resolved', summary: '好了' }, liaison);
    s = run(s, { type: 'close' }, liaison);
    for (const c of [
      { type: 'accept' },
      { type: 'note', visibility: 'internal', text: 'x' },
      { type: 'escalate', reason: 'x' },
      { type: 'resolve', outcome: 'resolved', summary: 'x' },
      { type: 'close' },
      { type: 'withdraw', reason: 'x' },
    ] as Command[]) {
      expect(refuse(s, c, liaison), c.type).toBeInstanceOf(InvalidTransition);
    }
    expect(run(s, { type: 'follow_up', satisfaction: 'basically_satisfied' }, compound).followUp?.satisfaction).toBe('basically_satisfied');
    expect(run(s, { type: 'reopen', reason: '复发' }, compound).status).toBe('pending');
  });

  it('不满意 at 回访 reopens the case and asks for escalation', () => {
    let s = run(received(), { type: 'accept' }, liaison);
    s = run(s, { type: 'resolve', outcome: 'resolved', summary: '好了' }, liaison);
    s = run(s, { type: 'follow_up', satisfaction: 'dissatisfied', comment: '根本没修' }, compound);
    expect(s.status).toBe('pending');
    expect(s.escalationPending?.reason).toBe('dissatisfied');
    expect(dueCommand(s, new Date(T0), units)).toEqual({ type: 'move_up', reason: 'dissatisfied', note: undefined });
  });
});

describe('escalation', () => {
  it('a manual escalation is requested, then applied by the system, keeping the origin', () => {
    let s = run(received(), { type: 'accept' }, liaison);
    s = run(s, { type: 'escalate', reason: '双方分歧大，楼栋无法调解' }, liaison);
    expect(s.level).toBe('building');
    expect(refuse(s, { type: 'escalate', reason: 'again' }, liaison)).toBeInstanceOf(InvalidTransition);
    s = run(s, { type: 'move_up', reason: 'manual', note: '双方分歧大，楼栋无法调解' }, system);
    expect(s).toMatchObject({ level: 'compound', unitId: 'hp-xf-yg', originUnitId: 'hp-xf-yg-1', status: 'pending', escalations: 1 });
    expect(s.escalationPending).toBeUndefined();
    expect(s.clocks?.startedAt).toBe(new Date(T0).toISOString());
  });

  it('an overdue case moves up one level per deadline and is supervised at the top, once per period', () => {
    let s = received();
    let now = new Date(T0);
    const path: string[] = [s.level];
    for (let step = 0; step < 10 && s.level !== 'township'; step++) {
      now = new Date(nextTimerAt(s, units) ?? '');
      const due = dueCommand(s, now, units);
      if (!due) throw new Error('nothing due at the next timer');
      s = run(s, due, system, now);
      if (due.type === 'move_up') path.push(s.level);
    }
    expect(path).toEqual(['building', 'compound', 'community', 'township']);
    // Reminders came before each deadline.
    now = new Date(nextTimerAt(s, units) ?? '');
    let due = dueCommand(s, now, units);
    while (due?.type === 'remind') {
      s = run(s, due, system, now);
      now = new Date(nextTimerAt(s, units) ?? '');
      due = dueCommand(s, now, units);
    }
    expect(due).toEqual({ type: 'supervise' });
    s = run(s, { type: 'supervise' }, system, now);
    expect(s.supervision?.alerts).toBe(1);
    // Same instant again: nothing more is due, so the sweeper cannot loop.
    expect(dueCommand(s, now, units)).toBeUndefined();
    expect(refuse(s, { type: 'supervise' }, system, now)).toBeInstanceOf(InvalidTransition);
    const next = new Date(nextTimerAt(s, units) ?? '');
    expect(next.getTime()).toBeGreaterThan(now.getTime());
    expect(dueCommand(s, next, units)).toEqual({ type: 'supervise' });
  });

  it('a serious risk flagged at a building jumps straight to the community through the queue', () => {
    let s = run(received(), { type: 'flag_risk', level: 'red', note: '当事人情绪激动，扬言报复' }, liaison);
    expect(s.risk).toMatchObject({ level: 'red', source: 'mediator' });
    expect(s.escalationPending?.reason).toBe('risk');
    s = run(s, { type: 'move_up', reason: 'risk', note: '当事人情绪激动，扬言报复' }, system);
    expect(s).toMatchObject({ level: 'community', unitId: 'hp-xf', escalations: 1 });
    expect(s.stays.map((x) => x.level)).toEqual(['building', 'community']);
  });

  it('a yellow flag is recorded without moving the case', () => {
    const s = run(received(), { type: 'flag_risk', level: 'yellow' }, liaison);
    expect(s.escalationPending).toBeUndefined();
    expect(s.risk?.level).toBe('yellow');
  });

  it('a township refers a case to the county by a manual escalation with a reason; the county is the top, and its timers supervise', () => {
    let s = received({ location: {} });
    expect(s.unitId).toBe('hp');
    s = run(s, { type: 'accept' }, township);
    s = run(s, { type: 'escalate', reason: '涉及两个乡镇，需市里协调' }, township);
    expect(s.escalationPending).toMatchObject({ reason: 'manual', note: '涉及两个乡镇，需市里协调' });
    expect(dueCommand(s, new Date(T0), units)).toEqual({ type: 'move_up', reason: 'manual', note: '涉及两个乡镇，需市里协调' });
    s = run(s, { type: 'move_up', reason: 'manual', note: '涉及两个乡镇，需市里协调' }, system);
    expect(s).toMatchObject({ unitId: 'zj', level: 'county' });
    const county = user('zj', 'officer');
    s = run(s, { type: 'accept' }, county);
    expect(refuse(s, { type: 'escalate', reason: 'x' }, county).message).toMatch(/top level/);
    expect(dueCommand(s, new Date(Date.parse(s.clocks?.resolveDueAt ?? '') + 60_000), units)).toEqual({ type: 'supervise' });
  });

  it('a timer never takes a case past the township: overdue there, it is supervised, not sent to the county', () => {
    let s = run(received({ location: {} }), { type: 'accept' }, township);
    expect(units.parent(s.unitId)?.level).toBe('county');
    const late = new Date(Date.parse(s.clocks?.resolveDueAt ?? '') + 60_000);
    expect(dueCommand(s, late, units)).toEqual({ type: 'supervise' });
    expect(refuse(s, { type: 'move_up', reason: 'overdue' }, system, late)).toBeInstanceOf(InvalidTransition);
    s = run(s, { type: 'supervise' }, system, late);
    expect(s).toMatchObject({ unitId: 'hp', supervision: { alerts: 1 } });
  });

  it('refuses a timer escalation that is not due (a duplicate message changes nothing)', () => {
    const s = received();
    expect(refuse(s, { type: 'move_up', reason: 'overdue' }, system)).toBeInstanceOf(InvalidTransition);
  });
});

describe('dispatch, volunteers and returns', () => {
  it('群众点单、社区派单、党员接单: dispatch to a volunteer who declines, then to a building', () => {
    let s = received({ location: { address: '幸福社区' } });
    expect(s.unitId).toBe('hp-xf');
    const volunteer = user('hp-xf', 'volunteer', 'volunteer');
    const account = { id: 'volunteer', role: 'volunteer', unitId: 'hp-xf', disabled: false };
    // Only an enabled volunteer at the dispatching unit or below it.
    for (const other of [{ ...account, unitId: 'hp' }, { ...account, unitId: 'hp-hx' }, { ...account, role: 'mediator' }, { ...account, disabled: true }, undefined]) {
      expect(refuse(s, { type: 'dispatch', toVolunteerId: 'volunteer', volunteer: other }, community)).toBeInstanceOf(ValidationFailed);
    }
    s = run(s, { type: 'dispatch', toVolunteerId: 'volunteer', volunteer: account }, community);
    expect(s.assignment).toMatchObject({ volunteerId: 'volunteer', state: 'offered' });
    // Another volunteer does not see a task that is not theirs at all.
    expect(refuse(s, { type: 'accept' }, user('hp-xf', 'volunteer', 'someone-else'))).toBeInstanceOf(NotFound);
    s = run(s, { type: 'decline', reason: '不在本地' }, volunteer);
    expect(s.assignment).toBeUndefined();
    s = run(s, { type: 'dispatch', toUnitId: 'hp-xf-yg-2' }, community);
    expect(s).toMatchObject({ unitId: 'hp-xf-yg-2', level: 'building', originUnitId: 'hp-xf-yg-2', dispatchedFrom: 'hp-xf' });
  });

  it('a task still offered when the unit settles the case can no longer be taken or declined', () => {
    let s = received({ location: { address: '幸福社区' } });
    const volunteer = user('hp-xf', 'volunteer', 'volunteer');
    s = run(s, { type: 'dispatch', toVolunteerId: 'volunteer', volunteer: { id: 'volunteer', role: 'volunteer', unitId: 'hp-xf', disabled: false } }, community);
    s = run(s, { type: 'accept' }, community);
    s = run(s, { type: 'resolve', outcome: 'resolved', summary: '社区已处理' }, community);
    expect(s.status).toBe('resolved');
    expect(refuse(s, { type: 'accept' }, volunteer).message).toMatch(/resolved/);
    expect(refuse(s, { type: 'decline', reason: '已办结' }, volunteer).message).toMatch(/resolved/);
  });

  it('refuses to dispatch outside the unit subtree', () => {
    const s = received({ location: { address: '幸福社区' } });
    const error = refuse(s, { type: 'dispatch', toUnitId: 'hp-hx-jy-1' }, community);
    expect(error).toBeInstanceOf(ValidationFailed);
  });

  it('退回 goes back to the dispatcher, and the last allowed one to its parent', () => {
    let s = received({ location: { address: '幸福社区' } });
    for (let i = 1; i <= 2; i++) {
      s = run(s, { type: 'dispatch', toUnitId: 'hp-xf-yg-1' }, community);
      s = run(s, { type: 'return', reason: '不属于本楼栋' }, liaison);
      expect(s.unitId).toBe('hp-xf');
    }
    s = run(s, { type: 'dispatch', toUnitId: 'hp-xf-yg-1' }, community);
    s = run(s, { type: 'return', reason: '还是不属于' }, liaison);
    expect(s).toMatchObject({ unitId: 'hp', level: 'township', returns: 3 });
  });
});

describe('extension (延期)', () => {
  it('asked before the deadline, granted one level up, once per level', () => {
    let s = run(received(), { type: 'accept' }, liaison);
    const until = '2026-12-02T09:30:00.000Z';
    s = run(s, { type: 'extend_request', reason: '需协调物业', until }, liaison);
    expect(refuse(s, { type: 'extend_decide', approved: true }, liaison)).toBeInstanceOf(Forbidden);
    s = run(s, { type: 'extend_decide', approved: true }, compound);
    expect(s.clocks?.resolveDueAt).toBe(until);
    expect(refuse(s, { type: 'extend_request', reason: 'again', until: '2026-12-03T09:30:00.000Z' }, liaison).message).toMatch(/used/);
  });

  it('refuses after the deadline and beyond the maximum', () => {
    const s = run(received(), { type: 'accept' }, liaison);
    expect(refuse(s, { type: 'extend_request', reason: 'x', until: '2026-12-30T00:00:00Z' }, liaison, '2026-12-20T00:00:00Z')).toBeInstanceOf(InvalidTransition);
    expect(refuse(s, { type: 'extend_request', reason: 'x', until: '2027-06-01T00:00:00Z' }, liaison)).toBeInstanceOf(ValidationFailed);
  });
});

describe('work on a closed case (issue 11, smaller items)', () => {
  it('extend_decide is refused once the case is withdrawn, and withdrawing drops the pending request', () => {
    let s = run(received(), { type: 'accept' }, liaison);
    s = run(s, { type: 'extend_request', reason: '需协调物业', until: '2026-12-02T09:30:00.000Z' }, liaison);
    s = run(s, { type: 'withdraw', reason: '群众撤回' }, liaison);
    expect(s.extensionRequest).toBeUndefined();
    expect(refuse(s, { type: 'extend_decide', approved: true }, compound)).toBeInstanceOf(InvalidTransition);
  });

  it('record_minutes is refused on a case that is not open', () => {
    let s = run(received(), { type: 'accept' }, liaison);
    s = run(s, { type: 'schedule_session', sessionId: 's1', at: '2026-11-26T02:00:00Z', place: '调解室', mediators: ['王'] }, liaison);
    const resolved = run(s, { type: 'resolve', outcome: 'resolved', summary: '已调解' }, liaison);
    expect(refuse(resolved, { type: 'record_minutes', sessionId: 's1', content: '笔录' }, liaison)).toBeInstanceOf(InvalidTransition);
    expect(run(s, { type: 'record_minutes', sessionId: 's1', content: '笔录' }, liaison).sessions[0]?.minutes).toBe('笔录');
  });
});

describe('重复件', () => {
  it('the system flags possible repeats once; mediators merge, nobody else flags', () => {
    let s = received();
    s = run(s, { type: 'flag_repeats', caseIds: ['EARLIER001', s.id] }, system);
    expect(s.possibleRepeatOf).toEqual(['EARLIER001']);
    expect(refuse(s, { type: 'flag_repeats', caseIds: ['EARLIER001'] }, system)).toBeInstanceOf(InvalidTransition);
    expect(refuse(s, { type: 'flag_repeats', caseIds: [s.id] }, system)).toBeInstanceOf(ValidationFailed);
    expect(refuse(s, { type: 'flag_repeats', caseIds: ['X'] }, liaison)).toBeInstanceOf(Forbidden);
  });
});

describe('jurisdiction', () => {
  it('is NotFound outside the subtree and Forbidden for a role that may not act', () => {
    const s = received();
    expect(refuse(s, { type: 'accept' }, user('hp-hx'))).toBeInstanceOf(NotFound);
    expect(refuse(s, { type: 'accept' }, user('hp', 'leader'))).toBeInstanceOf(Forbidden);
    expect(refuse(s, { type: 'accept' }, compound)).toBeInstanceOf(Forbidden);
    expect(run(s, { type: 'note', visibility: 'internal', text: '已电话联系' }, township).version).toBe(2);
  });

  it('an API client may only file', () => {
    expect(refuse(received(), { type: 'accept' }, hotline)).toBeInstanceOf(Forbidden);
    expect(refuse(received(), { type: 'accept' }, { ...hotline, id: 'other' })).toBeInstanceOf(NotFound);
  });
});
