/** 联户 rules without I/O: the sheet's rows and their errors, who sees a household, the month's figures, 退订. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { householdCsvIssue, householdImportSchema, householdsFromCsv, visitSchema } from '../../shared/contract/households.ts';
import { parseWith } from '../../shared/contract/zod.ts';
import { parseCommand } from '../../shared/channels/commands.ts';
import { DUTY_CODES, ValidationFailed, canEditHousehold, canSeeHousehold, canSendNotice, householdStats, noticeText, type Household, type Visit } from '../../shared/domain/index.ts';
import { units, user } from '../support/domain.ts';

const HOUSEHOLD: Household = { id: 'h1', unitId: 'hp-xf-yg-1', liaisonId: 'zhang', address: '1栋101', head: '周', people: 1, updatedAt: '2026-12-01T00:00:00Z' };

describe('the household sheet', () => {
  it('reads Chinese headers, spaces in phones, people as numbers, and leaves empty optional cells out', async () => {
    const { households, headers } = await householdsFromCsv('\uFEFF户编号,楼栋编号,地址,户主,电话,人数,备注\n,hp-xf-yg-1,1栋101,周桂芳,139 1234 5601,2,独居老人\nh2,hp-xf-yg-1,1栋102,吴,,3,\n');
    expect(headers.get('head')).toBe('户主');
    const parsed = parseWith(householdImportSchema, { households }, 'import');
    expect(parsed).not.toBeInstanceOf(ValidationFailed);
    expect((parsed as { households: unknown[] }).households).toEqual([
      { unitId: 'hp-xf-yg-1', address: '1栋101', head: '周桂芳', phone: '13912345601', people: 2, notes: '独居老人' },
      { id: 'h2', unitId: 'hp-xf-yg-1', address: '1栋102', head: '吴', people: 3 },
    ]);
  });

  it('names every bad row by its line and its column as the sheet has them, in Chinese', async () => {
    const { households, headers } = await householdsFromCsv('楼栋编号,地址,户主,电话,人数\nhp-xf-yg-1,1栋101,周,13912345601,2\nhp-xf-yg-1,,吴,123,0\n');
    const parsed = parseWith(householdImportSchema, { households }, 'import');
    expect(parsed).toBeInstanceOf(ValidationFailed);
    const issues = (parsed as ValidationFailed).issues.map((i) => householdCsvIssue(i, headers));
    expect(issues.map((i) => `${i.row}:${i.column}`).sort()).toEqual(['3:人数', '3:地址', '3:电话']);
    expect(issues.find((i) => i.column === '人数')?.message).toBe('第 3 行「人数」：人数须为 1–50 的整数');
  });

  it('refuses control characters naming the row and the column, and a sheet that is not CSV', async () => {
    const refused = householdsFromCsv('楼栋编号,地址,户主,人数\nhp-xf-yg-1,1栋\u0007101,周,2\n');
    await expect(refused).rejects.toThrow(ValidationFailed);
    expect(((await refused.catch((error: unknown) => error)) as ValidationFailed).issues[0]).toMatchObject({ row: 2, column: '地址' });
    await expect(householdsFromCsv('a,b\n"unclosed,2\n')).rejects.toThrow(ValidationFailed);
  });

  it('refuses a visit both settled and raised, and a duty not among the six', () => {
    expect(parseWith(visitSchema, { date: '2026-12-01', summary: 'x', duty: 'dispute', settled: true, raiseCase: { center: 'mediation' } }, 'v')).toBeInstanceOf(ValidationFailed);
    expect(parseWith(visitSchema, { date: '2026-12-01', summary: 'x', duty: 'gossip' }, 'v')).toBeInstanceOf(ValidationFailed);
    expect(parseWith(visitSchema, { date: '2026-12-01', summary: 'x', duty: 'safety' }, 'v')).toMatchObject({ settled: false });
  });
});

describe('who sees a household', () => {
  it('its own 联户长, and those above its building; never another 联户长 or a volunteer; leaders only read', () => {
    expect(canSeeHousehold(user('hp-xf-yg-1', 'liaison', 'zhang'), HOUSEHOLD, units)).toBe(true);
    expect(canSeeHousehold(user('hp-xf-yg-1', 'liaison', 'he'), HOUSEHOLD, units)).toBe(false);
    expect(canSeeHousehold(user('hp-xf', 'mediator'), HOUSEHOLD, units)).toBe(true);
    expect(canSeeHousehold(user('hp-hx', 'mediator'), HOUSEHOLD, units)).toBe(false);
    expect(canSeeHousehold(user('hp-xf', 'volunteer'), HOUSEHOLD, units)).toBe(false);
    expect(canSeeHousehold(user('hp', 'leader'), HOUSEHOLD, units)).toBe(true);
    expect(canEditHousehold(user('hp', 'leader'), HOUSEHOLD, units)).toBe(false);
    expect(canSendNotice(user('hp-xf-yg-1', 'liaison'), 'hp-xf-yg-1', units)).toBe(true);
    expect(canSendNotice(user('hp-xf-yg-1', 'liaison'), 'hp-xf', units)).toBe(false);
  });
});

describe('the month\'s figures', () => {
  const liaisons = ['a', 'b', 'c'];
  const buildings = ['hp-xf-yg-1', 'hp-xf-yg-2'];
  const world = fc
    .array(fc.record({ liaison: fc.constantFrom(...liaisons), unit: fc.constantFrom(...buildings) }), { minLength: 1, maxLength: 12 })
    .chain((hs) =>
      fc.tuple(
        fc.constant(hs.map((h, i): Household => ({ ...HOUSEHOLD, id: `h${i}`, liaisonId: h.liaison, unitId: h.unit }))),
        fc.array(
          fc.record({
            h: fc.nat({ max: hs.length - 1 }),
            day: fc.constantFrom('2026-11-30', '2026-12-01', '2026-12-15', '2027-01-01'),
            duty: fc.constantFrom(...DUTY_CODES),
            outcome: fc.constantFrom('none', 'settled', 'raised'),
          }),
          { maxLength: 30 },
        ),
      ),
    );

  it('adds up: per 联户长 and per building sum to the total; matters ≥ settled; visited ≤ households; only the month counts', () => {
    fc.assert(
      fc.property(world, ([households, raw]) => {
        const visits: Visit[] = raw.map((v, i) => {
          const h = households[v.h] as Household;
          return { id: `v${i}`, householdId: h.id, unitId: h.unitId, liaisonId: h.liaisonId, date: v.day, summary: 's', duty: v.duty, settled: v.outcome === 'settled', ...(v.outcome === 'raised' ? { caseId: `c${i}` } : {}), at: '' };
        });
        const stats = householdStats('2026-12', households, visits);
        const inMonth = raw.filter((v) => v.day.startsWith('2026-12'));
        expect(stats.total.visits).toBe(inMonth.length);
        expect(stats.total.settled).toBe(inMonth.filter((v) => v.outcome === 'settled').length);
        expect(stats.total.matters).toBe(inMonth.filter((v) => v.outcome !== 'none').length);
        for (const rows of [stats.byLiaison, stats.byUnit]) {
          for (const field of ['households', 'householdsVisited', 'visits', 'matters', 'settled'] as const) {
            expect(rows.reduce((n, r) => n + r[field], 0)).toBe(stats.total[field]);
          }
          for (const r of rows) {
            expect(r.matters).toBeGreaterThanOrEqual(r.settled);
            expect(r.householdsVisited).toBeLessThanOrEqual(r.households);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('宣传 and 退订', () => {
  it('tells every household how to stop them', () => {
    expect(noticeText('safety', '1栋', '今晚大风')).toBe('【1栋安全提示】今晚大风 回复“退订”不再接收。');
  });

  it.each(['退订', ' 退订。', 'TD', 'td', '取消订阅', 'ＴＤ'])('reads %j as 退订', (text) => {
    expect(parseCommand(text)).toEqual({ kind: 'unsubscribe' });
  });

  it.each(['退订了吗怎么还收到', '我要退订单', 'tdk'])('reads %j as a matter, not a command', (text) => {
    expect(parseCommand(text).kind).toBe('new');
  });
});
