/**
 * Property tests of the case rules: any sequence of commands, by any actor, at
 * any times, leaves a case that is valid and consistent with its event log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CENTER_CODES,
  OUTCOME_CODES,
  RISK_CODES,
  SATISFACTION_CODES,
  STATUS_CODES,
  awaitedBy,
  decide,
  dueCommand,
  evolve,
  fold,
  levelRank,
  nextTimerAt,
  performanceCheckAt,
  PERFORMANCE_CODES,
  ownTabs,
  type Actor,
  type CaseEvent,
  type CaseState,
  type Command,
} from '../../shared/domain/index.ts';
import { ctx, hotline, intake, policy, system, units, user } from '../support/domain.ts';

// Where the hotline (和平街道's) may file: the township and below (its manual referrals still reach the county above).
const unitIds = units.all().filter((u) => units.isWithin(u.id, 'hp')).map((u) => u.id);
const actors: Actor[] = [
  system,
  hotline,
  user('hp', 'leader'),
  user('hp', 'officer'),
  user('hp-xf', 'volunteer', 'volunteer'),
  ...unitIds.flatMap((id) => [user(id, units.get(id)?.level === 'building' ? 'liaison' : 'mediator'), user(id, 'admin')]),
];

/** The demo volunteer's account, as the actions handler hands it to dispatch. */
const VOLUNTEER = { id: 'volunteer', role: 'volunteer', unitId: 'hp-xf', disabled: false } as const;
const text = fc.constantFrom('已联系', '双方同意', '需协调物业', '不在本地');
const command = (now: () => Date): fc.Arbitrary<Command> =>
  fc.oneof(
    fc.constant({ type: 'accept' } as const),
    text.map((reason) => ({ type: 'decline', reason }) as const),
    fc.record({ type: fc.constant('note' as const), visibility: fc.constantFrom('internal' as const, 'public' as const), text }),
    fc.record({ type: fc.constant('contact' as const), channel: fc.constantFrom('phone', 'visit'), summary: text }),
    fc.oneof(
      fc.constantFrom(...unitIds).map((toUnitId) => ({ type: 'dispatch', toUnitId }) as const),
      fc.constant({ type: 'dispatch', toVolunteerId: 'volunteer', volunteer: VOLUNTEER } as const),
    ),
    text.map((reason) => ({ type: 'return', reason }) as const),
    text.map((reason) => ({ type: 'recall', reason }) as const),
    text.map((reason) => ({ type: 'escalate', reason }) as const),
    fc.integer({ min: -48, max: 24 * 20 }).map((h) => ({ type: 'extend_request', reason: '需要时间', until: new Date(now().getTime() + h * 3600_000).toISOString() }) as const),
    fc.boolean().map((approved) => ({ type: 'extend_decide', approved }) as const),
    fc.constant({ type: 'add_party', party: { name: '李四', role: 'respondent' } } as const),
    fc.constant({ type: 'schedule_session', sessionId: 's1', at: '2026-12-01T02:00:00.000Z', place: '调解室', mediators: ['王秀英'] } as const),
    fc.constant({ type: 'record_minutes', sessionId: 's1', content: '双方陈述' } as const),
    fc.constant({
      type: 'record_agreement',
      agreement: {
        parties: [{ name: '张三', role: 'applicant' }, { name: '李四', role: 'respondent' }],
        facts: '漏水',
        terms: ['李四负责维修'],
        performance: { method: '维修', deadline: '2026-12-10' },
        signedAt: '2026-12-01T02:00:00.000Z',
        mediator: '王秀英',
      },
    } as const),
    fc.constantFrom(...OUTCOME_CODES).map((outcome) => ({ type: 'resolve', outcome, summary: '处理完毕' }) as const),
    fc.constantFrom(...SATISFACTION_CODES).map((satisfaction) => ({ type: 'follow_up', satisfaction }) as const),
    fc.constantFrom(...PERFORMANCE_CODES).map((performance) => ({ type: 'record_performance', performance, note: '已核实' }) as const),
    fc.constant({ type: 'remind_performance' } as const),
    text.map((reason) => ({ type: 'reopen', reason }) as const),
    fc.constant({ type: 'accept' } as const),
    fc.constant({ type: 'accept' } as const),
    fc.constantFrom(...OUTCOME_CODES).map((outcome) => ({ type: 'resolve', outcome, summary: '处理完毕' }) as const),
    fc.constantFrom(...OUTCOME_CODES).map((outcome) => ({ type: 'resolve', outcome, summary: '处理完毕' }) as const),
    fc.constantFrom(...SATISFACTION_CODES).map((satisfaction) => ({ type: 'follow_up', satisfaction }) as const),
    fc.constant({ type: 'close' } as const),
    fc.constant({ type: 'dispatch', toVolunteerId: 'volunteer', volunteer: VOLUNTEER } as const),
    fc.constant({ type: 'close' } as const),
    fc.constantFrom(...CENTER_CODES).map((center) => ({ type: 'reclassify', center }) as const),
    fc.constantFrom(...RISK_CODES).map((level) => ({ type: 'flag_risk', level }) as const),
    fc.constantFrom('accept' as const, 'resolve' as const).map((clock) => ({ type: 'remind', clock }) as const),
    fc.constantFrom('overdue' as const, 'manual' as const, 'risk' as const).map((reason) => ({ type: 'move_up', reason }) as const),
    fc.constant({ type: 'supervise' } as const),
    text.map((note) => ({ type: 'order_supervision', note, until: '2026-12-31' }) as const),
    // Rare: ends the case.
    fc.integer({ min: 0, max: 9 }).map((n) => (n === 0 ? { type: 'withdraw', reason: '已自行解决' } : { type: 'accept' }) as Command),
  );

/** Who acts in a step: mostly someone relevant to where the case is, sometimes anyone. */
const WHO = ['atUnit', 'atUnit', 'parent', 'volunteer', 'anyone'] as const;
function actorFor(who: (typeof WHO)[number], pick: number, state: CaseState): Actor {
  switch (who) {
    case 'atUnit':
      return user(state.unitId, units.get(state.unitId)?.level === 'building' ? 'liaison' : 'mediator');
    case 'parent':
      return user(units.parent(state.unitId)?.id ?? state.unitId, 'mediator');
    case 'volunteer':
      return user('hp-xf', 'volunteer', 'volunteer');
    case 'anyone':
      return actors[pick % actors.length] as Actor;
  }
}

/** Commands that make sense in each status, so long sequences reach every part of the lifecycle. */
const PLAUSIBLE: Record<string, readonly Command[]> = {
  pending: [{ type: 'accept' }, { type: 'dispatch', toUnitId: 'hp-xf-yg-1' }, { type: 'escalate', reason: '无法调解' }, { type: 'return', reason: '不属本单位' }],
  in_progress: [
    { type: 'resolve', outcome: 'resolved', summary: '已化解' },
    { type: 'resolve', outcome: 'unresolvable', summary: '无法化解' },
    { type: 'note', visibility: 'public', text: '正在协调' },
    { type: 'escalate', reason: '无法调解' },
  ],
  resolved: [
    { type: 'follow_up', satisfaction: 'satisfied' },
    { type: 'follow_up', satisfaction: 'dissatisfied' },
    { type: 'close' },
    { type: 'reopen', reason: '复发' },
  ],
  closed: [{ type: 'reopen', reason: '复发' }, { type: 'follow_up', satisfaction: 'basically_satisfied' }, { type: 'accept' }],
};

interface Step {
  readonly advanceMinutes: number;
  readonly who: (typeof WHO)[number];
  /** Use the command the sweeper would send now, if any (drives the ladder). */
  readonly useDue: boolean;
  readonly plausible: boolean;
  readonly pick: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  advanceMinutes: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 60 }), weight: 6 },
    { arbitrary: fc.integer({ min: 0, max: 3 * 24 * 60 }), weight: 1 },
  ),
  who: fc.constantFrom(...WHO),
  useDue: fc.boolean(),
  plausible: fc.boolean(),
  pick: fc.nat(),
});

const intakeArb = fc.record({
  unit: fc.option(fc.constantFrom(...unitIds), { nil: undefined }),
  description: fc.constantFrom('楼道灯坏了', '邻居漏水纠纷', '工人讨薪要聚集', '有人说不想活了', '请问低保怎么申请'),
  center: fc.constantFrom(...CENTER_CODES),
  priority: fc.constantFrom('normal' as const, 'urgent' as const),
});

const OPEN = new Set(['pending', 'in_progress']);

function checkState(state: CaseState, events: readonly CaseEvent[]): void {
  const unit = units.get(state.unitId);
  expect(unit, 'the case is at a unit of the tree').toBeDefined();
  expect(state.level).toBe(unit?.level);
  expect(STATUS_CODES).toContain(state.status);
  expect(state.version).toBe(events.length);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  if (OPEN.has(state.status)) {
    expect(state.clocks, 'an open case has a deadline').toBeDefined();
    expect(nextTimerAt(state, units), 'an open case has a timer').toBeDefined();
  } else {
    // 履行回访 outlives 办结: a finished case's only timer is an agreement's performance check, still owed.
    const owed = state.performanceCheck && !state.performanceCheck.reminded && !state.performanceCheck.result && state.status !== 'withdrawn' && state.status !== 'merged';
    expect(nextTimerAt(state, units), 'a finished case has no timer but a performance check').toBe(owed ? performanceCheckAt(state.performanceCheck!.deadline) : undefined);
  }
  if (state.status === 'resolved') expect(state.resolution).toBeDefined();
  expect(state.stays.at(-1)?.unitId).toBe(state.unitId);
  expect(state.returns).toBeLessThanOrEqual(policy.sla.maxReturns);
  const moves = events.filter((e) => e.type === 'escalated' || (e.type === 'returned' && e.data.toParent)).length;
  expect(state.escalations).toBe(moves);
  expect(fold(events)).toEqual(state);
  // 我的待办: an open case is in exactly one of 待签收 and 办理中 at its unit; a finished one in none.
  const tabs = ownTabs(state);
  expect(tabs.filter((t) => t === 'pending' || t === 'in_progress')).toHaveLength(OPEN.has(state.status) ? 1 : 0);
  if (!OPEN.has(state.status)) expect(tabs).toEqual([]);
  if (state.supervisionOrder) expect(tabs).toContain('supervised');
  const awaited = awaitedBy(state, units);
  if (awaited?.for === 'follow_up') {
    expect(['resolved', 'closed']).toContain(state.status);
    expect(units.get(awaited.unitId), 'the 回访 is awaited by a unit').toBeDefined();
  }
  if (awaited?.for === 'extension') expect(awaited.unitId).toBe(units.parent(state.unitId)?.id);
}

function checkStep(before: CaseState, after: CaseState, event: CaseEvent): void {
  if (levelRank(after.level) > levelRank(before.level)) {
    expect(['escalated', 'returned'], 'the level rises only by escalation or a return up').toContain(event.type);
    if (event.type === 'escalated') expect(units.isWithin(before.unitId, after.unitId)).toBe(true);
  }
  if (before.status === 'closed') expect(['followed_up', 'reopened']).toContain(event.type);
  // 回访 is someone else's: never recorded by whoever resolved the case, nor by the unit that resolved it.
  if (event.type === 'followed_up' && event.actor.kind === 'user') {
    expect(event.actor.id).not.toBe(before.resolution?.by);
    if (event.actor.role !== 'officer') expect(event.actor.unitId).not.toBe(before.resolution?.unitId);
  }
  if (event.type === 'supervision_ordered') expect(event.actor.kind === 'user' && ['officer', 'leader'].includes(event.actor.role)).toBe(true);
  if (!['withdrawn', 'merged'].includes(before.status)) return;
  throw new Error(`a ${before.status} case accepted ${event.type}`);
}

describe('case rules (properties)', () => {
  it('any accepted command sequence folds to a valid case whose version is its event count', () => {
    fc.assert(
      fc.property(intakeArb, fc.array(stepArb, { minLength: 1, maxLength: 40 }), fc.context(), (input, steps, log) => {
        let now = new Date('2026-11-25T01:00:00Z');
        const first = decide(
          undefined,
          {
            type: 'receive',
            id: 'PROP000001',
            trackingNo: 'PROP000001',
            trackingCode: '000000',
            input: intake({ description: input.description, center: input.center, priority: input.priority, location: input.unit ? { unitId: input.unit } : {} }),
          },
          ctx(hotline, now),
        );
        if (!first.ok) throw first.error;
        const events: CaseEvent[] = [first.event];
        let state = evolve(undefined, first.event);
        checkState(state, events);
        for (const step of steps) {
          now = new Date(now.getTime() + step.advanceMinutes * 60_000);
          const due = step.useDue ? dueCommand(state, now, units) : undefined;
          const actor = due ? system : actorFor(step.who, step.pick, state);
          const options = PLAUSIBLE[state.status];
          const cmd =
            due ??
            (step.plausible && options ? options[step.pick % options.length] : fc.sample(command(() => now), { numRuns: 1, seed: step.pick })[0]);
          if (!cmd) continue;
          const decision = decide(state, cmd, ctx(actor, now));
          if (due) expect(decision.ok, `a due ${due.type} is always accepted`).toBe(true);
          if (!decision.ok) continue;
          log.log(`${actor.kind}:${actor.id} ${cmd.type} -> ${decision.event.type}`);
          const next = evolve(state, decision.event);
          checkStep(state, next, decision.event);
          events.push(decision.event);
          state = next;
          checkState(state, events);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the sweeper never loops: applying due commands at one instant stops after a few', () => {
    fc.assert(
      fc.property(intakeArb, fc.array(stepArb, { maxLength: 25 }), fc.integer({ min: 0, max: 60 * 24 * 60 }), (input, steps, later) => {
        let now = new Date('2026-11-25T01:00:00Z');
        const first = decide(
          undefined,
          { type: 'receive', id: 'PROP000002', trackingNo: 'PROP000002', trackingCode: '000000', input: intake({ description: input.description, location: input.unit ? { unitId: input.unit } : {} }) },
          ctx(hotline, now),
        );
        if (!first.ok) throw first.error;
        let state = evolve(undefined, first.event);
        for (const step of steps) {
          now = new Date(now.getTime() + step.advanceMinutes * 60_000);
          const cmd = fc.sample(command(() => now), { numRuns: 1, seed: step.pick })[0];
          const d = cmd && decide(state, cmd, ctx(actorFor(step.who, step.pick, state), now));
          if (d && d.ok) state = evolve(state, d.event);
        }
        const at = new Date(now.getTime() + later * 60_000);
        let applied = 0;
        for (let due = dueCommand(state, at, units); due; due = dueCommand(state, at, units)) {
          const d = decide(state, due, ctx(system, at));
          expect(d.ok).toBe(true);
          if (!d.ok) return;
          state = evolve(state, d.event);
          applied++;
          expect(applied).toBeLessThanOrEqual(8);
        }
        const next = nextTimerAt(state, units);
        if (next !== undefined) expect(next > at.toISOString()).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
