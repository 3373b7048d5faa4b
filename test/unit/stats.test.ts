/**
 * Statistics for a seeded month of cases, against numbers counted by hand
 * (the comments show the counting).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeStats, decide, evolve, statsByChild, weekOf, type Actor, type CaseState, type Command } from '../../shared/domain/index.ts';
import { ctx, hotline, intake, system, units, user } from '../support/domain.ts';

const T0 = Date.parse('2026-11-25T01:00:00Z'); // Wed 09:00 China time
const t = (h: number) => new Date(T0 + h * 3_600_000);

function file(id: string, overrides: Parameters<typeof intake>[0]): CaseState {
  const d = decide(undefined, { type: 'receive', id, trackingNo: id, trackingCode: '000000', input: intake(overrides) }, ctx(hotline, t(0)));
  if (!d.ok) throw d.error;
  return evolve(undefined, d.event);
}
function act(s: CaseState, command: Command, actor: Actor, at: Date): CaseState {
  const d = decide(s, command, ctx(actor, at));
  if (!d.ok) throw d.error;
  return evolve(s, d.event);
}
const at = (s: CaseState) => user(s.unitId, 'mediator');
/** 回访 is the level above's. */
const above = (s: CaseState) => user(units.parent(s.unitId)?.id ?? s.unitId, 'officer');

function month(): CaseState[] {
  // C1 voice, 1栋: accepted after 1 h, resolved at 3 h, 满意, closed.
  let c1 = file('C1', { center: 'voice', location: { unitId: 'hp-xf-yg-1' } });
  c1 = act(c1, { type: 'accept' }, at(c1), t(1));
  c1 = act(c1, { type: 'resolve', outcome: 'resolved', summary: '修好了' }, at(c1), t(3));
  c1 = act(c1, { type: 'follow_up', satisfaction: 'satisfied' }, above(c1), t(5));
  c1 = act(c1, { type: 'close' }, at(c1), t(6));
  // C2 mediation, 2栋: accepted after 2 h, escalated by hand at 3 h, compound accepts 3 h later, resolves at 10 h, 基本满意.
  let c2 = file('C2', { center: 'mediation', location: { unitId: 'hp-xf-yg-2' } });
  c2 = act(c2, { type: 'accept' }, at(c2), t(2));
  c2 = act(c2, { type: 'escalate', reason: '调解不成' }, at(c2), t(3));
  c2 = act(c2, { type: 'move_up', reason: 'manual' }, system, t(3));
  c2 = act(c2, { type: 'accept' }, at(c2), t(6));
  c2 = act(c2, { type: 'resolve', outcome: 'resolved', summary: '达成协议' }, at(c2), t(10));
  c2 = act(c2, { type: 'follow_up', satisfaction: 'basically_satisfied' }, above(c2), t(11));
  // C3 welfare, 1栋: accepted after 1 h, partly resolved at 4 h, 不满意 at 5 h: reopened, waiting to move up.
  let c3 = file('C3', { center: 'welfare', location: { unitId: 'hp-xf-yg-1' } });
  c3 = act(c3, { type: 'accept' }, at(c3), t(1));
  c3 = act(c3, { type: 'resolve', outcome: 'partial', summary: '部分解决' }, at(c3), t(4));
  c3 = act(c3, { type: 'follow_up', satisfaction: 'dissatisfied' }, above(c3), t(5));
  // C4 guidance, 和谐家园1栋: accepted after 4 h, not resolvable at 5 h.
  let c4 = file('C4', { center: 'guidance', location: { unitId: 'hp-hx-jy-1' } });
  c4 = act(c4, { type: 'accept' }, at(c4), t(4));
  c4 = act(c4, { type: 'resolve', outcome: 'unresolvable', summary: '不属于受理范围' }, at(c4), t(5));
  // C5 opinion, unknown place: at the township, never accepted.
  const c5 = file('C5', { center: 'opinion', location: { address: '某处' } });
  // C6 voice, 3栋: withdrawn after 1 h.
  let c6 = file('C6', { center: 'voice', location: { unitId: 'hp-xf-yg-3' } });
  c6 = act(c6, { type: 'withdraw', reason: '自行解决' }, at(c6), t(1));
  // C7 mediation, 上湾: neglected — moves up at 11:00 (03:00Z) and 16:30 (08:30Z); the community accepts 5 h later and resolves late, on 20 Dec.
  let c7 = file('C7', { center: 'mediation', location: { unitId: 'hp-hx-lw-1' } });
  c7 = act(c7, { type: 'move_up', reason: 'overdue' }, system, new Date(c7.clocks?.acceptDueAt ?? ''));
  expect(c7.stays.at(-1)?.enteredAt).toBe('2026-11-25T03:00:00.000Z');
  c7 = act(c7, { type: 'move_up', reason: 'overdue' }, system, new Date(c7.clocks?.acceptDueAt ?? ''));
  expect(c7.stays.at(-1)?.enteredAt).toBe('2026-11-25T08:30:00.000Z');
  c7 = act(c7, { type: 'accept' }, at(c7), new Date('2026-11-25T13:30:00Z'));
  c7 = act(c7, { type: 'resolve', outcome: 'resolved', summary: '调解成功' }, at(c7), new Date('2026-12-20T02:00:00Z'));
  // C8 voice, red risk at 翠苑1栋: starts at the community, accepted after 1 h, resolved at 2 h.
  let c8 = file('C8', { center: 'voice', description: '邻居说不想活了', location: { unitId: 'hp-xf-cy-1' } });
  c8 = act(c8, { type: 'accept' }, at(c8), t(1));
  c8 = act(c8, { type: 'resolve', outcome: 'resolved', summary: '已疏导' }, at(c8), t(2));
  return [c1, c2, c3, c4, c5, c6, c7, c8];
}

describe('statistics for a seeded month', () => {
  const stats = computeStats(month(), { from: '2026-11-01', to: '2026-11-30' });

  it('counts by centre, current level and status', () => {
    expect(stats.total).toBe(8);
    expect(stats.byCenter).toEqual({ opinion: 1, mediation: 2, voice: 3, guidance: 1, welfare: 1 });
    // building: C1 C3 C4 C6 · compound: C2 · community: C7 C8 · township: C5
    expect(stats.byLevel).toEqual({ building: 4, compound: 1, community: 2, township: 1, county: 0 });
    expect(stats.byStatus).toEqual({ pending: 2, in_progress: 0, resolved: 4, closed: 1, withdrawn: 1, merged: 0 });
  });

  it('computes the rates honestly', () => {
    // Received, less the withdrawn C6: 7. 已化解: C1 C2 C7 C8 (C4 unresolvable, C3 reopened).
    expect(stats.resolutionRate).toEqual({ numerator: 4, denominator: 7, rate: 0.5714 });
    // Resolved with any outcome: C1 C2 C4 C7 C8.
    expect(stats.closureRate).toEqual({ numerator: 5, denominator: 7, rate: 0.7143 });
    // By the unit where it arose: only C1 (C8 arose at a building and was resolved at the community).
    expect(stats.localResolutionRate).toEqual({ numerator: 1, denominator: 4, rate: 0.25 });
    // At building or compound: C1, C2.
    expect(stats.grassrootsResolutionRate).toEqual({ numerator: 2, denominator: 4, rate: 0.5 });
    // On time: C1 C2 C4 C8; C7 was late.
    expect(stats.onTimeRate).toEqual({ numerator: 4, denominator: 5, rate: 0.8 });
    // Followed up: C1 满意, C2 基本满意, C3 不满意.
    expect(stats.satisfactionRate).toEqual({ numerator: 2, denominator: 3, rate: 0.6667 });
  });

  it('averages the time to accept and to resolve per level', () => {
    // building: C1 1 h, C2 2 h, C3 1 h, C4 4 h · compound: C2 3 h · community: C7 5 h, C8 1 h.
    expect(stats.hoursToAccept).toEqual({ building: 2, compound: 3, community: 3, township: null, county: null });
    // building: C1 3 h, C4 5 h · compound: C2 7 h · community: C7 593.5 h, C8 2 h.
    expect(stats.hoursToResolve).toEqual({ building: 4, compound: 7, community: 297.75, township: null, county: null });
  });

  it('counts escalations by reason and the weekly trend', () => {
    expect(stats.escalationsByReason).toEqual({ overdue: 2, manual: 1, dissatisfied: 0, risk: 0, return_limit: 0 });
    // All received on Wednesday 25 Nov; of them resolved now: C1 C2 C4 C7 C8 (C7 only in December, still of that week's cases).
    expect(stats.trend).toEqual([{ week: '2026-11-23', received: 8, resolved: 5 }]);
  });

  it('has no rate to give when there is nothing to divide by', () => {
    expect(computeStats([], { from: '2026-11-01', to: '2026-11-30' }).satisfactionRate.rate).toBeNull();
  });

  it('weeks start on Monday, China time', () => {
    expect(weekOf('2026-11-29T15:59:59Z')).toBe('2026-11-23'); // Sunday 23:59 in China
    expect(weekOf('2026-11-29T16:00:00Z')).toBe('2026-11-30'); // Monday 00:00 in China
  });
});

describe('各下级单位: the same month by the unit below that each case arose under', () => {
  const range = { from: '2026-11-01', to: '2026-11-30' };

  it('gives the township a row per community, and one for what arose at the township itself', () => {
    const rows = statsByChild(month(), units, 'hp', range);
    expect(rows.map((r) => [r.unitId, r.name, r.total, r.open])).toEqual([
      // 幸福社区: C1 C2 C3 C6 (阳光小区) and C8 (翠苑小区); C3 reopened is the one still open.
      ['hp-xf', '幸福社区', 5, 1],
      // 和谐社区: C4 (和谐家园) and C7 (柳湾).
      ['hp-hx', '和谐社区', 2, 0],
      // C5, at no known unit, arose at the township.
      ['hp', '和平街道', 1, 1],
    ]);
    const [xf, hx, township] = rows;
    // 幸福社区, C6 withdrawn: 已化解 C1 C2 C8 of C1 C2 C3 C8; all three resolved on time; 满意/基本满意 2 of 3 回访.
    expect([xf?.resolutionRate, xf?.onTimeRate, xf?.satisfactionRate]).toEqual([
      { numerator: 3, denominator: 4, rate: 0.75 },
      { numerator: 3, denominator: 3, rate: 1 },
      { numerator: 2, denominator: 3, rate: 0.6667 },
    ]);
    // 和谐社区: C7 已化解 (late), C4 无法化解 (on time); no 回访.
    expect([hx?.resolutionRate, hx?.onTimeRate, hx?.satisfactionRate.rate]).toEqual([
      { numerator: 1, denominator: 2, rate: 0.5 },
      { numerator: 1, denominator: 2, rate: 0.5 },
      null,
    ]);
    expect(township?.resolutionRate).toEqual({ numerator: 0, denominator: 1, rate: 0 });
  });

  it('lists every unit below, even those with no cases, and adds up to the whole', () => {
    const rows = statsByChild(month(), units, 'hp-xf-yg', range);
    expect(rows.map((r) => [r.unitId, r.total])).toEqual([
      ['hp-xf-yg-1', 2],
      ['hp-xf-yg-2', 1],
      ['hp-xf-yg-3', 1],
    ]);
    const underXf = month().filter((c) => units.isWithin(c.originUnitId, 'hp-xf'));
    const byCompound = statsByChild(underXf, units, 'hp-xf', range);
    expect(byCompound.reduce((n, r) => n + r.total, 0)).toBe(underXf.length);
    expect(statsByChild([], units, 'hp-hx-lw', range).map((r) => [r.unitId, r.total])).toEqual([['hp-hx-lw-1', 0], ['hp-hx-lw-2', 0]]);
  });

  it('property: for any unit and any cases, every case that arose under the unit is in exactly one row', () => {
    const all = month();
    fc.assert(
      fc.property(fc.constantFrom(...units.all().map((u) => u.id)), fc.subarray(all), (unitId, cases) => {
        const rows = statsByChild(cases, units, unitId, range);
        const under = cases.filter((c) => units.isWithin(c.originUnitId, unitId));
        expect(rows.reduce((n, r) => n + r.total, 0)).toBe(under.length);
        expect(new Set(rows.map((r) => r.unitId)).size).toBe(rows.length);
        for (const child of units.children(unitId)) expect(rows.map((r) => r.unitId)).toContain(child.id);
      }),
    );
  });
});

describe('the figures of issue 11, each from the log', () => {
  const day = { from: '2026-11-01', to: '2026-11-30' };
  const resolveHere = (s: CaseState, at: Date, outcome: 'resolved' | 'partial' = 'resolved') =>
    act(act(s, { type: 'accept' }, user(s.unitId), at), { type: 'resolve', outcome, summary: '已办理' }, user(s.unitId), at);

  it('满意率 counts every 回访: 不满意, then 满意 after the second resolution, is 1 of 2', () => {
    let c = file('S1', { location: { unitId: 'hp-xf-yg-1' } });
    c = resolveHere(c, t(1));
    c = act(c, { type: 'follow_up', satisfaction: 'dissatisfied' }, above(c), t(2));
    c = resolveHere(c, t(3));
    c = act(c, { type: 'follow_up', satisfaction: 'satisfied' }, above(c), t(4));
    expect(c.followUps.map((f) => f.satisfaction)).toEqual(['dissatisfied', 'satisfied']);
    expect(computeStats([c], day).satisfactionRate).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
  });

  it('a reopen clears the current satisfaction, and the 回访 before it still counts', () => {
    let c = file('S2', { location: { unitId: 'hp-xf-yg-1' } });
    c = resolveHere(c, t(1));
    c = act(c, { type: 'follow_up', satisfaction: 'satisfied' }, above(c), t(2));
    c = act(c, { type: 'reopen', reason: '问题复发' }, user('hp-xf-yg'), t(3));
    expect(c.followUp).toBeUndefined();
    expect(c.status).toBe('pending');
    const stats = computeStats([c], day);
    expect(stats.satisfactionRate).toEqual({ numerator: 1, denominator: 1, rate: 1 });
    expect(stats.closureRate.numerator).toBe(0);
  });

  it('就地化解 is 已化解 by the unit where the matter arose: a sibling building resolving it does not count', () => {
    let c = file('S3', { location: { unitId: 'hp-xf-yg-1' } });
    c = act(c, { type: 'escalate', reason: '需要小区协调' }, user(c.unitId), t(1));
    c = act(c, { type: 'move_up', reason: 'manual' }, system, t(1));
    c = act(c, { type: 'dispatch', toUnitId: 'hp-xf-yg-2' }, user('hp-xf-yg'), t(2));
    // Sent down after an escalation: it still arose at 1栋.
    expect(c.originUnitId).toBe('hp-xf-yg-1');
    c = resolveHere(c, t(3));
    expect(c.resolution).toMatchObject({ level: 'building', unitId: 'hp-xf-yg-2' });
    expect(computeStats([c], day).localResolutionRate).toEqual({ numerator: 0, denominator: 1, rate: 0 });
  });

  it('after 退回 of a mis-routed matter it arose where it went back to; a matter sent down after escalation keeps where it arose', () => {
    // Filed at the community, dispatched to 1栋 (which then counts as where it arose), returned: mis-routed.
    let c = file('S4', { location: { unitId: 'hp-xf' } });
    c = act(c, { type: 'dispatch', toUnitId: 'hp-xf-yg-1' }, user('hp-xf'), t(1));
    expect(c.originUnitId).toBe('hp-xf-yg-1');
    c = act(c, { type: 'return', reason: '不属于本楼栋' }, user('hp-xf-yg-1', 'liaison'), t(2));
    expect(c).toMatchObject({ unitId: 'hp-xf', originUnitId: 'hp-xf', originLevel: 'community' });
    expect(statsByChild([c], units, 'hp-xf', day).find((r) => r.total > 0)?.unitId).toBe('hp-xf');
    // Arose at 1栋, escalated, sent down to 2栋, returned: it still arose at 1栋.
    let d = file('S5', { location: { unitId: 'hp-xf-yg-1' } });
    d = act(d, { type: 'escalate', reason: '需要小区协调' }, user(d.unitId), t(1));
    d = act(d, { type: 'move_up', reason: 'manual' }, system, t(1));
    d = act(d, { type: 'dispatch', toUnitId: 'hp-xf-yg-2' }, user('hp-xf-yg'), t(2));
    d = act(d, { type: 'return', reason: '不是本楼栋的事' }, user('hp-xf-yg-2', 'liaison'), t(3));
    expect(d).toMatchObject({ unitId: 'hp-xf-yg', originUnitId: 'hp-xf-yg-1' });
  });

  it('counts by China day: a case received at 07:00 on 1 December in China is December’s, one at 07:00 on 1 November is November’s', () => {
    const at = (local: string) => ({ ...file(local, {}), createdAt: new Date(`${local}+08:00`).toISOString() });
    const cases = [at('2026-11-01T07:00:00'), at('2026-11-30T23:30:00'), at('2026-12-01T07:00:00')];
    expect(computeStats(cases, day).total).toBe(2);
    expect(computeStats(cases, { from: '2026-12-01', to: '2026-12-01' }).total).toBe(1);
    expect(weekOf('2026-11-30')).toBe('2026-11-30');
  });
});
