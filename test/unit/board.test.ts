/** 红黄牌: units ranked by how they keep their deadlines, counted by hand and as properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, evolve, redYellowBoard, workdaysBetween, type Actor, type CaseState, type Command, type OpenEntry } from '../../shared/domain/index.ts';
import { ctx, hotline, intake, policy, system, units, user } from '../support/domain.ts';

const T0 = new Date('2026-11-25T01:00:00Z'); // Wednesday 09:00 China time
const range = { from: '2026-11-01', to: '2026-12-30' };
const timing = policy.timing;

function file(id: string, unitId: string): CaseState {
  const d = decide(undefined, { type: 'receive', id, trackingNo: id, trackingCode: '000000', input: intake({ location: { unitId } }) }, ctx(hotline, T0));
  if (!d.ok) throw d.error;
  return evolve(undefined, d.event);
}
function act(s: CaseState, command: Command, actor: Actor, at: Date): CaseState {
  const d = decide(s, command, ctx(actor, at));
  if (!d.ok) throw d.error;
  return evolve(s, d.event);
}

describe('红黄牌', () => {
  it('counts working days the way a township does: weekends and holidays left out', () => {
    // Friday to Monday is one working day; a week is five.
    expect(workdaysBetween(timing, new Date('2026-11-27T02:00:00Z'), new Date('2026-11-30T02:00:00Z'))).toBe(1);
    expect(workdaysBetween(timing, new Date('2026-11-25T02:00:00Z'), new Date('2026-11-25T08:00:00Z'))).toBe(0);
    expect(workdaysBetween(timing, new Date('2026-11-23T02:00:00Z'), new Date('2026-11-30T02:00:00Z'))).toBe(5);
  });

  it('a building that let a case go overdue, resolved five working days later above, gets the red card; 临期 gives yellow', () => {
    // Case A at 阳光小区1栋 misses its 签收 deadline and goes up; the compound resolves it on 2 December.
    let a = file('BOARD00001', 'hp-xf-yg-1');
    const missed = new Date(a.clocks?.acceptDueAt ?? '');
    a = act(a, { type: 'move_up', reason: 'overdue' }, system, missed);
    a = act(a, { type: 'accept' }, user('hp-xf-yg'), new Date('2026-11-26T01:00:00Z'));
    a = act(a, { type: 'resolve', outcome: 'resolved', summary: '已化解' }, user('hp-xf-yg'), new Date('2026-12-02T02:00:00Z'));
    const now = new Date('2026-12-03T02:00:00Z');
    // 翠苑小区 has one open case close to its deadline; 幸福社区 itself one that is fine.
    const open: OpenEntry[] = [
      { unitPath: '/zj/hp/hp-xf/hp-xf-cy/hp-xf-cy-1/', dueAt: '2026-12-03T03:00:00.000Z', clockStart: '2026-11-30T01:00:00.000Z' },
      { unitPath: '/zj/hp/hp-xf/', dueAt: '2026-12-20T03:00:00.000Z', clockStart: '2026-12-02T01:00:00.000Z' },
    ];
    const rows = redYellowBoard({ units, unitId: 'hp-xf', now, timing, redAfterDays: 2, open, cases: [a], range });
    expect(rows.map((r) => [r.unitId, r.card])).toEqual([
      ['hp-xf-yg', 'red'],
      ['hp-xf-cy', 'yellow'],
      ['hp-xf', 'green'],
    ]);
    expect(rows[0]).toMatchObject({ missed: 1, worstDelayDays: 5, overdueNow: 0, received: 1, onTimeRate: { numerator: 1, denominator: 1 } });
    expect(rows[1]).toMatchObject({ open: 1, nearDeadline: 1 });
    // With a higher bar the same delay is a yellow card.
    const lenient = redYellowBoard({ units, unitId: 'hp-xf', now, timing, redAfterDays: 10, open, cases: [a], range });
    expect(lenient.find((r) => r.unitId === 'hp-xf-yg')?.card).toBe('yellow');
  });

  it('ranks every unit below exactly once, red before yellow before green, whatever the cases', () => {
    const paths = units.all().map((u) => u.path);
    const entry = fc.record({
      unitPath: fc.constantFrom(...paths),
      dueHours: fc.integer({ min: -24 * 20, max: 24 * 20 }),
      spanHours: fc.integer({ min: 1, max: 24 * 20 }),
    });
    fc.assert(
      fc.property(fc.constantFrom('hp', 'hp-xf', 'hp-hx', 'hp-xf-yg'), fc.array(entry, { maxLength: 40 }), fc.integer({ min: 0, max: 10 }), (unitId, entries, redAfterDays) => {
        const now = new Date('2026-12-03T02:00:00Z');
        const open = entries.map((e) => ({
          unitPath: e.unitPath,
          dueAt: new Date(now.getTime() + e.dueHours * 3_600_000).toISOString(),
          clockStart: new Date(now.getTime() + (e.dueHours - e.spanHours) * 3_600_000).toISOString(),
        }));
        const rows = redYellowBoard({ units, unitId, now, timing, redAfterDays, open, cases: [], range });
        const children = units.children(unitId).map((u) => u.id);
        expect(rows.map((r) => r.unitId).filter((id) => id !== unitId).sort()).toEqual([...children].sort());
        const order = { red: 0, yellow: 1, green: 2 };
        rows.forEach((r, i) => i > 0 && expect(order[rows[i - 1]!.card]).toBeLessThanOrEqual(order[r.card]));
        const under = (r: { unitId: string }) => open.filter((o) => o.unitPath.startsWith(units.get(r.unitId)!.path) && (r.unitId !== unitId || !children.some((c) => o.unitPath.startsWith(units.get(c)!.path))));
        for (const r of rows) {
          expect(r.open).toBe(under(r).length);
          const overdue = under(r).filter((o) => o.dueAt < now.toISOString());
          expect(r.overdueNow).toBe(overdue.length);
          if (r.card === 'green') expect(r.overdueNow + r.nearDeadline).toBe(0);
          if (overdue.length === 0) expect(r.card).not.toBe('red');
        }
      }),
    );
  });
});
