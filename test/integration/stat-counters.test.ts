/**
 * The statistics counters against a recount: for random histories (退回,
 * escalations, reopening, several 回访…), counted as the relay counts them —
 * states delivered in any order, delivered again, two counts of a case at
 * once, and DynamoDB calls failing before or after they took effect — the
 * rows in the table equal the sum of each case's final contribution, and so
 * do the figures GET /v1/stats makes of them.
 */
import { DeleteItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OWN,
  SUB,
  bucketOfRow,
  bucketsOfRows,
  contribution,
  counterDelta,
  counterRowsOf,
  evolve,
  statsOf,
  UnitTree,
  type CaseState,
  type CounterRow,
} from '../../shared/domain/index.ts';
import { DEMO_UNITS } from '../../infra/local/demo-data.ts';
import { StatCounters } from '../../shared/store/stat-counters.ts';
import { itemBytes } from '../../shared/store/codec.ts';
import { units } from '../support/domain.ts';
import { dumpTable, startTable, type TestTable } from '../support/dynamo.ts';
import { history, play } from '../support/histories.ts';

let table: TestTable;
beforeAll(async () => {
  table = await startTable('counters');
});
afterAll(() => table.stop());

/** A client whose call number `failAt` throws, before it reaches the table or after it took effect. */
function flaky(db: DynamoDBClient) {
  const state = { calls: 0, failAt: -1, afterEffect: false };
  const client = {
    send: async (command: never) => {
      const n = state.calls++;
      if (n === state.failAt && !state.afterEffect) throw new Error('injected: lost before the table');
      const out = await db.send(command);
      if (n === state.failAt && state.afterEffect) throw new Error('injected: answer lost');
      return out;
    },
  };
  return { client: client as unknown as DynamoDBClient, state };
}

/** Each run on counters of its own. */
async function clearCounters(): Promise<void> {
  for (const item of await dumpTable(table.db, table.tableName)) {
    if (/^(STATS|COUNTED)#/.test(String(item.pk))) await table.db.send(new DeleteItemCommand({ TableName: table.tableName, Key: marshall({ pk: item.pk, sk: item.sk }) }));
  }
}

async function rowsInTable(): Promise<CounterRow[]> {
  return (await dumpTable(table.db, table.tableName))
    .filter((item) => String(item.pk).startsWith('STATS#'))
    .map((item) => ({
      unitId: String(item.pk).slice('STATS#'.length),
      day: String(item.sk),
      counts: Object.fromEntries(Object.entries(item).filter(([k]) => k.startsWith(SUB) || k.startsWith(OWN)) as [string, number][]),
    }));
}

const delivery = fc.record({
  pick: fc.nat(),
  prefix: fc.nat(),
  /** Another count of the same case at the same moment. */
  together: fc.option(fc.nat(), { nil: undefined }),
  fail: fc.option(fc.record({ at: fc.nat(12), afterEffect: fc.boolean() }), { nil: undefined }),
});

describe('statistics counters', () => {
  let run = 0;

  // Hundreds of DynamoDB calls a run: the default 30 s is too short on a loaded machine.
  it('property (25 runs): counted in any order, again, at once and through failures, the rows equal a recount from the cases', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(history, { minLength: 1, maxLength: 4 }), fc.array(delivery, { maxLength: 14 }), async (histories, deliveries) => {
        run++;
        await clearCounters();
        const expected = new Map<string, CounterRow[]>();
        const finals = new Map<string, CaseState>();
        const states = histories.map((h, i) => {
          const prefixes: CaseState[] = [];
          for (const e of play(`R${String(run).padStart(4, '0')}C${i}`, h)) prefixes.push(evolve(prefixes.at(-1), e));
          return prefixes;
        });
        const { client, state: failures } = flaky(table.db);
        const counters = new StatCounters(client, table.tableName);
        const count = (s: CaseState) => counters.count(s, units).catch((error: unknown) => {
          if (!String(error).includes('injected')) throw error;
        });
        for (const d of deliveries) {
          const prefixes = states[d.pick % states.length]!;
          failures.failAt = d.fail ? failures.calls + d.fail.at : -1;
          failures.afterEffect = d.fail?.afterEffect ?? false;
          await Promise.all([count(prefixes[d.prefix % prefixes.length]!), ...(d.together === undefined ? [] : [count(prefixes[d.together % prefixes.length]!)])]);
        }
        // The relay's last delivery of each case, and a redelivery of it.
        failures.failAt = -1;
        for (const prefixes of states) {
          await counters.count(prefixes.at(-1)!, units);
          await counters.count(prefixes.at(-1)!, units);
          expected.set(prefixes.at(-1)!.id, counterRowsOf(contribution(prefixes.at(-1)!), units));
          finals.set(prefixes.at(-1)!.id, prefixes.at(-1)!);
        }
        const actual = await rowsInTable();
        expect(counterDelta([...expected.values()].flat(), actual)).toEqual([]);
        // GET /v1/stats over the county: the figures of its rows are those of the cases.
        const range = { from: '2026-10-01', to: '2026-12-31' };
        for (const unitId of ['zj', 'hp', 'hp-xf', 'hp-xf-yg']) {
          const below = new Set(units.children(unitId).map((u) => u.id));
          const fromRows = statsOf(bucketsOfRows(actual.filter((r) => r.unitId === unitId), actual.filter((r) => below.has(r.unitId))), range);
          const fromCases = statsOf([...finals.values()].map(contribution).filter((b) => units.isWithin(b.unitId, unitId)), range);
          expect(fromRows).toEqual(fromCases);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a case counted again with a tree where its compound moved leaves the old community’s rows for the new one’s (the re-index path)', async () => {
    await clearCounters();
    const counters = new StatCounters(table.db, table.tableName);
    const events = play('MOVEDCASE1', { receivedAfterMinutes: 60, at: 'hp-xf-cy-1', steps: [[{ kind: 'resolve', outcome: 'resolved' }, 30], [{ kind: 'follow_up', satisfaction: 'satisfied' }, 60]] });
    const state = events.reduce<CaseState | undefined>(evolve, undefined)!;
    const rowsOf = async (unitId: string) => (await counters.rows(unitId, '2026-01-01', '2026-12-31')).flatMap((r) => bucketOfRow(r, SUB) ?? []);
    const before = { xf: (await rowsOf('hp-xf')).length, hx: (await rowsOf('hp-hx')).length };
    await counters.count(state, units);
    const moved = new UnitTree(DEMO_UNITS.map((u) => (u.id === 'hp-xf-cy' ? { ...u, parentId: 'hp-hx' } : u)));
    await counters.count(state, moved);
    await counters.count(state, moved);
    const xf = statsOf(await rowsOf('hp-xf'), { from: '2026-01-01', to: '2026-12-31' });
    const hx = statsOf(await rowsOf('hp-hx'), { from: '2026-01-01', to: '2026-12-31' });
    const own = statsOf([contribution(state)], { from: '2026-01-01', to: '2026-12-31' });
    expect(before).toEqual({ xf: 0, hx: 0 });
    expect(xf.total).toBe(0);
    expect(hx).toEqual(own);
    expect(hx.resolutionRate.numerator).toBe(1);
  });

  /** A plain case received at 阳光小区 on the test day, 签收 and 化解. */
  const plainCase = (id: string) =>
    play(id, { receivedAfterMinutes: 60, at: 'hp-xf-yg', steps: [[{ kind: 'accept' }, 30], [{ kind: 'resolve', outcome: 'resolved' }, 30]] }).reduce<CaseState | undefined>(evolve, undefined)!;
  const tokensOf = (item: Record<string, unknown> | undefined) => Object.keys(item ?? {}).filter((k) => k.startsWith('c:'));
  const rowItem = async (unitId: string) => (await dumpTable(table.db, table.tableName)).find((item) => item.pk === `STATS#${unitId}`);

  it('a count that changes no counter (a 公开答复) writes the COUNTED record once and no row', async () => {
    await clearCounters();
    const writes: string[] = [];
    const counting = { send: (command: { input: { Key?: { pk?: { S?: string } } } }) => {
      if (command instanceof UpdateItemCommand) writes.push(String(command.input.Key?.pk?.S));
      return table.db.send(command as never);
    } } as unknown as DynamoDBClient;
    const counters = new StatCounters(counting, table.tableName);
    const state = plainCase('NOCHANGE01');
    await counters.count(state, units);
    writes.length = 0;
    await counters.count({ ...state, version: state.version + 1 }, units);
    expect(writes).toEqual(['COUNTED#NOCHANGE01']);
    // An older state read before it comes too late: the version moved, so it is not counted.
    await counters.count({ ...state, version: state.version + 1, status: 'pending' }, units);
    await counters.count({ ...state, version: state.version + 2 }, units);
    expect(counterDelta(counterRowsOf(contribution(state), units), await rowsInTable())).toEqual([]);
  });

  it('reads the COUNTED records of more cases than one BatchGetItem takes, an id given twice once', async () => {
    await clearCounters();
    const counters = new StatCounters(table.db, table.tableName);
    const [a, b] = [plainCase('MANYREC001'), plainCase('MANYREC002')];
    await counters.count(a, units);
    await counters.count(b, units);
    const never = Array.from({ length: 150 }, (_, i) => `NEVER${String(i).padStart(5, '0')}`);
    const records = await counters.countedMany([...never.slice(0, 99), a.id, a.id, ...never.slice(99), b.id]);
    expect([...records.keys()].sort()).toEqual([a.id, b.id]);
    expect(records.get(b.id)).toMatchObject({ version: b.version, n: 1 });
  });

  it('rows keep a few tokens, not one per case of their day, and still equal a recount', { timeout: 120_000 }, async () => {
    await clearCounters();
    const counters = new StatCounters(table.db, table.tableName);
    const states = Array.from({ length: 30 }, (_, i) => plainCase(`FEWTOKEN${String(i).padStart(2, '0')}`));
    for (const state of states) await counters.count(state, units);
    expect(counterDelta(states.flatMap((s) => counterRowsOf(contribution(s), units)), await rowsInTable())).toEqual([]);
    for (const unitId of ['hp-xf-yg', 'hp-xf', 'hp']) {
      const tokens = tokensOf(await rowItem(unitId));
      expect(tokens.length).toBeGreaterThan(0);
      expect(tokens.length).toBeLessThanOrEqual(10);
    }
  });

  it('a row write held back until its token was cleared does not count the case again (the fence)', async () => {
    await clearCounters();
    const late = plainCase('LATEWRITE1');
    // The first count's write of the compound's row is held "in the network" until released.
    let release = () => {};
    let reached = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const heldReached = new Promise<void>((resolve) => (reached = resolve));
    const holding = { send: async (command: { input: { Key?: { pk?: { S?: string } }; ExpressionAttributeNames?: Record<string, string> } }) => {
      if (command instanceof UpdateItemCommand && command.input.Key?.pk?.S === 'STATS#hp-xf-yg' && command.input.ExpressionAttributeNames?.['#tok'] === 'c:LATEWRITE1') {
        reached();
        await held;
      }
      return table.db.send(command as never);
    } } as unknown as DynamoDBClient;
    const first = new StatCounters(holding, table.tableName).count(late, units);
    await heldReached;
    // A redelivery finishes the count, and other cases' counts clear its token from the row.
    const counters = new StatCounters(table.db, table.tableName);
    await counters.count(late, units);
    const others = Array.from({ length: 12 }, (_, i) => plainCase(`LATEOTHER${String(i).padStart(2, '0')}`));
    for (const state of others) await counters.count(state, units);
    expect(tokensOf(await rowItem('hp-xf-yg'))).not.toContain('c:LATEWRITE1');
    release();
    await first;
    expect(counterDelta([late, ...others].flatMap((s) => counterRowsOf(contribution(s), units)), await rowsInTable())).toEqual([]);
  });

  it('keeps a case\'s COUNTED record within one write unit, each count rewriting it twice (bench/cost.ts)', async () => {
    await clearCounters();
    const counters = new StatCounters(table.db, table.tableName);
    const events = play('SMALLREC01', { receivedAfterMinutes: 60, at: 'hp-xf-yg-1', steps: [[{ kind: 'accept' }, 30], [{ kind: 'resolve', outcome: 'resolved' }, 30]] });
    const state = events.reduce<CaseState | undefined>(evolve, undefined)!;
    await counters.count(state, units);
    const record = (await dumpTable(table.db, table.tableName)).find((item) => item.pk === 'COUNTED#SMALLREC01');
    // Four rows (the building and the levels above it but the county at the top), each with the case's counters.
    expect((await counters.counted('SMALLREC01')).rows).toHaveLength(4);
    expect(itemBytes(record ?? {})).toBeLessThanOrEqual(1024);
  });
});
