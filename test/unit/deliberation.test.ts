import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Forbidden,
  InvalidTransition,
  NotFound,
  ValidationFailed,
  decide,
  decideTopic,
  deliberationStats,
  evolve,
  evolveTopic,
  nextTopicDue,
  overdueDecisions,
  type Actor,
  type CaseState,
  type LinkedCase,
  type TopicCommand,
  type TopicState,
} from '../../shared/domain/index.ts';
import { ctx, hotline, intake, system, units, user } from '../support/domain.ts';

const T0 = '2026-11-25T09:00:00+08:00';
const TODAY = '2026-11-25';
const community = user('hp-xf');
const liaison = user('hp-xf-yg-1', 'liaison');
const other = user('hp-hh');
const leader = user('hp-xf', 'leader');

const tctx = (actor: Actor, at = T0, today = TODAY) => ({ now: new Date(at), actor, units, today });
const open = (id: string, unitId = 'hp-xf-yg-1'): LinkedCase => ({ id, unitId, status: 'pending' });

function run(state: TopicState | undefined, command: TopicCommand, actor: Actor = community, at = T0, today = TODAY): TopicState {
  const d = decideTopic(state, command, tctx(actor, at, today));
  if (!d.ok) throw d.error;
  return evolveTopic(state, d.event);
}
function refuse(state: TopicState | undefined, command: TopicCommand, actor: Actor = community, at = T0) {
  const d = decideTopic(state, command, tctx(actor, at));
  if (d.ok) throw new Error(`expected ${command.type} to be refused, got ${d.event.type}`);
  return d.error;
}

const raise = (caseIds: string[] = ['C1', 'C2', 'C3']): TopicCommand => ({
  type: 'raise',
  id: 'T1',
  unitId: 'hp-xf',
  title: '阳光小区院落排水',
  description: '十户反映雨天院内积水',
  caseIds,
  cases: caseIds.map((id) => open(id)),
});
const schedule: TopicCommand = { type: 'schedule', meeting: { kind: 'wanzi', at: '2026-11-25T11:00:00.000Z', place: '阳光小区议事亭', host: '李书记' } };
const hold: TopicCommand = {
  type: 'hold',
  participants: [
    { name: '张三', role: 'resident' },
    { name: '王联户', role: 'liaison' },
    { name: '刘代表', role: 'deputy' },
  ],
  minutes: '大家同意疏通主管道',
};
const agree: TopicCommand = {
  type: 'agree',
  ids: ['d1', 'd2'],
  decisions: [
    { text: '疏通主管道', owner: '物业公司', dueDate: '2026-12-01', practical: true },
    { text: '加装雨水篦子', owner: '社区', dueDate: '2026-12-10', practical: false },
  ],
};
const publish: TopicCommand = { type: 'publish', result: '疏通主管道并加装雨水篦子', resolvesCases: true };

function published(): TopicState {
  let s = run(undefined, raise());
  s = run(s, schedule);
  s = run(s, hold, community, '2026-11-25T20:00:00+08:00');
  s = run(s, agree);
  return run(s, publish);
}

describe('a topic from cases to a published result', () => {
  it('raises from three cases, meets, agrees and publishes', () => {
    const s = published();
    expect(s).toMatchObject({ status: 'published', source: 'cases', caseIds: ['C1', 'C2', 'C3'], version: 5 });
    expect(s.decisions.map((d) => [d.id, d.status])).toEqual([['d1', 'open'], ['d2', 'open']]);
    expect(s.publication).toMatchObject({ resolvesCases: true, by: community.id });
  });

  it('is done when every decision is done', () => {
    let s = run(published(), { type: 'complete_decision', decisionId: 'd1', note: '已疏通' });
    expect(s.status).toBe('published');
    s = run(s, { type: 'complete_decision', decisionId: 'd2', note: '已安装' });
    expect(s.status).toBe('done');
    expect(refuse(s, { type: 'complete_decision', decisionId: 'd2', note: 'x' })).toBeInstanceOf(InvalidTransition);
  });

  it('a 联户长 raises a topic at their building with the source named', () => {
    const s = run(undefined, { ...raise([]), unitId: 'hp-xf-yg-1' } as TopicCommand, liaison);
    expect(s.source).toBe('liaison');
  });
});

describe('refusals', () => {
  it('names the case that cannot be linked', () => {
    const unseen = { ...raise(), cases: [open('C1'), undefined, open('C3')] } as TopicCommand;
    const e = refuse(undefined, unseen);
    expect(e).toBeInstanceOf(ValidationFailed);
    expect((e as ValidationFailed).issues[0]?.path).toBe('caseIds.1');
    const closed = { ...raise(), cases: [open('C1'), { id: 'C2', unitId: 'hp-xf-yg-1', status: 'resolved' }, open('C3')] } as TopicCommand;
    expect((refuse(undefined, closed) as ValidationFailed).issues[0]?.path).toBe('caseIds.1');
    expect((refuse(undefined, { ...raise(['C1', 'C1']) } as TopicCommand) as ValidationFailed).issues[0]?.path).toBe('caseIds');
  });

  it('keeps a unit outside the actor subtree out', () => {
    expect((refuse(undefined, raise(), other) as ValidationFailed).issues[0]?.path).toBe('unitId');
    expect(refuse(published(), { type: 'cancel', reason: 'x' }, other)).toBeInstanceOf(NotFound);
  });

  it('lets leaders read but not convene, and the sweeper only remind', () => {
    expect(refuse(undefined, raise(), leader)).toBeInstanceOf(Forbidden);
    expect(refuse(published(), { type: 'cancel', reason: 'x' }, system)).toBeInstanceOf(Forbidden);
    expect(refuse(published(), { type: 'remind', decisionId: 'd1' }, community)).toBeInstanceOf(Forbidden);
  });

  it('keeps the meeting time in UTC, so that one given with an offset compares by the instant', () => {
    const s = run(run(undefined, raise()), { type: 'schedule', meeting: { kind: 'seven', at: '2026-11-25T19:00:00+08:00', place: '议事厅', host: '李书记' } });
    expect(s.meeting?.at).toBe('2026-11-25T11:00:00.000Z');
    expect(run(s, hold, community, '2026-11-25T19:30:00+08:00').status).toBe('held');
  });

  it('records a meeting only once its time has come, and a due date from today on', () => {
    let s = run(undefined, raise());
    expect(refuse(s, hold)).toBeInstanceOf(InvalidTransition);
    s = run(s, schedule);
    expect(refuse(s, hold, community, '2026-11-25T18:00:00+08:00')).toBeInstanceOf(InvalidTransition);
    s = run(s, hold, community, '2026-11-25T20:00:00+08:00');
    const past = { ...agree, decisions: [{ text: 'x', owner: 'y', dueDate: '2026-11-24', practical: false }] } as TopicCommand;
    expect((refuse(s, past) as ValidationFailed).issues[0]?.path).toBe('decisions.0.dueDate');
    expect(refuse(s, publish)).toBeInstanceOf(InvalidTransition);
  });

  it('publishes once, and takes no more cases after', () => {
    const s = published();
    expect(refuse(s, publish)).toBeInstanceOf(InvalidTransition);
    expect(refuse(s, { type: 'link_cases', caseIds: ['C4'], cases: [open('C4')] })).toBeInstanceOf(InvalidTransition);
  });
});

describe('follow-up of decisions', () => {
  it('reminds each overdue decision once, and the due day follows the open ones', () => {
    const s = published();
    expect(nextTopicDue(s)).toBe('2026-12-01');
    expect(overdueDecisions(s, '2026-12-01')).toEqual([]);
    expect(overdueDecisions(s, '2026-12-02').map((d) => d.id)).toEqual(['d1']);
    const r = run(s, { type: 'remind', decisionId: 'd1' }, system, '2026-12-02T09:00:00+08:00', '2026-12-02');
    expect(nextTopicDue(r)).toBe('2026-12-10');
    const again = decideTopic(r, { type: 'remind', decisionId: 'd1' }, tctx(system, '2026-12-02T09:00:00+08:00', '2026-12-02'));
    expect(again.ok).toBe(false);
  });
});

describe('the case side: record_deliberation', () => {
  const received = (): CaseState => {
    const d = decide(undefined, { type: 'receive', id: 'C1', trackingNo: 'C1', trackingCode: '123456', input: intake() }, ctx(hotline, T0));
    if (!d.ok) throw d.error;
    return evolve(undefined, d.event);
  };
  const record = { type: 'record_deliberation', deliberationId: 'T1', title: '院落排水', result: '疏通主管道', resolves: true, by: community.id } as const;

  it('resolves an open case, by the publisher, once per deliberation', () => {
    const d = decide(received(), record, ctx(system, T0));
    if (!d.ok) throw d.error;
    const s = evolve(received(), d.event);
    expect(s).toMatchObject({ status: 'resolved', deliberations: ['T1'], resolution: { outcome: 'resolved', by: community.id } });
    expect(s.resolution?.summary).toContain('疏通主管道');
    const again = decide(s, record, ctx(system, T0));
    expect(again.ok).toBe(false);
  });

  it('only records on a case that is no longer open, and people cannot issue it', () => {
    const r = received();
    const withdrawn = evolve(r, { type: 'withdrawn', seq: 2, at: T0, actor: hotline, data: { reason: 'x' } });
    expect(decide(withdrawn, record, ctx(system, T0)).ok).toBe(false);
    expect(decide(r, record, ctx(user('hp-xf-yg-1'), T0)).ok).toBe(false);
  });
});

describe('properties', () => {
  const commands: fc.Arbitrary<TopicCommand> = fc.oneof(
    fc.constant(schedule),
    fc.constant(hold),
    fc.constant(agree),
    fc.constant(publish),
    fc.constant<TopicCommand>({ type: 'cancel', reason: '不议了' }),
    fc.constantFrom('d1', 'd2', 'd3').map((id): TopicCommand => ({ type: 'complete_decision', decisionId: id, note: '好' })),
    fc.constantFrom('d1', 'd2').map((id): TopicCommand => ({ type: 'remind', decisionId: id })),
  );
  const actors = fc.constantFrom<Actor>(community, system, liaison, other);
  const days = fc.constantFrom('2026-11-25', '2026-12-02', '2026-12-11');

  it('every accepted command adds one version; done decisions stay done; done means all done; stats stay within the topic', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(commands, actors, days), { maxLength: 25 }), (steps) => {
        let s = run(undefined, raise());
        for (const [command, actor, today] of steps) {
          const at = `${today}T20:00:00+08:00`;
          const d = decideTopic(s, command, tctx(actor, at, today));
          if (!d.ok) continue;
          const next = evolveTopic(s, d.event);
          expect(next.version).toBe(s.version + 1);
          for (const before of s.decisions) {
            if (before.status === 'done') expect(next.decisions.find((x) => x.id === before.id)?.status).toBe('done');
          }
          expect(next.status === 'done').toBe(next.decisions.length > 0 && next.decisions.every((x) => x.status === 'done'));
          if (s.status === 'cancelled') throw new Error('a cancelled topic took a command');
          s = next;
        }
        const stats = deliberationStats([s], '2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z', '2026-12-11');
        expect(stats.meetings).toBe(s.heldAt ? 1 : 0);
        expect(stats.settled).toBe(s.publication ? 1 : 0);
        expect(stats.casesResolved).toBeLessThanOrEqual(s.caseIds.length);
        expect(stats.practicalDone + stats.decisionsOpen).toBeLessThanOrEqual(s.decisions.length);
      }),
      { numRuns: 300 },
    );
  });
});
