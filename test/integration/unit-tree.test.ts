/**
 * The unit tree changes atomically and its cases follow: versioned snapshots
 * with a stamp flipped last (a reader sees the tree before or after a change,
 * never a mix; a change cut short leaves the old one), one GetItem per check
 * of the stamp and a whole read (a GetItem a part) only after a change, a
 * county's 50,000 units read whole and right, also while the tree changes
 * twice during a read, and a moved compound's
 * cases re-indexed by the sweeper into the new community's lists and stats.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_UNITS } from '../../infra/local/demo-data.ts';
import { ensureTable } from '../../infra/local/resources.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import type { UnitRecord } from '../../shared/domain/index.ts';
import { Directory } from '../../shared/store/directory.ts';
import { TreeChanged } from '../../shared/store/unit-tree.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, deliverPending, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
let admin: { headers: Record<string, string> };

beforeAll(async () => {
  stack = await startTestStack();
  admin = { headers: { authorization: `Bearer ${await login(stack, 'admin')}` } };
});
afterAll(() => stack.stop());

/** A DynamoDB client of its own that counts the commands it sends, by name, and may fail chosen ones. */
function countingClient(fail?: (command: string, input: Record<string, unknown>) => boolean) {
  const db = new DynamoDBClient({ endpoint: stack.dynamodbEndpoint });
  const counts: Record<string, number> = {};
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      counts[name] = (counts[name] ?? 0) + 1;
      if (fail?.(name, args.input as Record<string, unknown>)) throw new Error(`injected failure of ${name}`);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return { db, counts, reset: () => Object.keys(counts).forEach((k) => delete counts[k]) };
}

describe('reading the tree', () => {
  it('checks the stamp with one GetItem and reads the whole tree (a GetItem a part: one here) only when it changed', async () => {
    let now = 1_000_000;
    const reader = countingClient();
    const directory = new Directory(reader.db, stack.tableName, 30_000, () => now, 10_000);
    expect((await directory.units()).get('hp-xf-yg')).toBeDefined();
    expect(reader.counts).toEqual({ GetItemCommand: 2 });

    reader.reset();
    now += 5_000;
    await Promise.all([directory.units(), directory.units(), directory.units()]);
    expect(reader.counts).toEqual({});

    now += 10_000;
    await Promise.all([directory.units(), directory.units()]);
    expect(reader.counts).toEqual({ GetItemCommand: 1 });

    // Another container changes the tree: the next check reads it again.
    await new Directory(stack.dynamodb, stack.tableName).putUnits([{ id: 'hp-hx-jy-9', name: '9栋', level: 'building', parentId: 'hp-hx-jy' }]);
    reader.reset();
    now += 10_000;
    expect((await directory.units()).get('hp-hx-jy-9')?.fullName).toBe('和平街道 和谐社区 和谐家园 9栋');
    expect(reader.counts).toEqual({ GetItemCommand: 2 });
    reader.db.destroy();
  });
});

describe('a county of 50,000 units', () => {
  const TABLE = 'county-tree';
  // Ids that do not compress, so that the packed snapshot takes more than one part.
  const county = (tag: string): UnitRecord[] => {
    const out: UnitRecord[] = [...DEMO_UNITS];
    const random = () => randomBytes(6).toString('hex');
    for (let t = 0; out.length < 50_000; t++) {
      const township = `t${t}-${tag}`;
      out.push({ id: township, name: `第${t}镇`, level: 'township', parentId: 'zj', kind: t % 2 ? 'rural' : 'urban', contacts: [{ name: '矛调中心', phone: '07174200100' }] });
      for (let c = 0; c < 30; c++) {
        const community = `${township}-${random()}`;
        out.push({ id: community, name: `第${c}村`, level: 'community', parentId: township });
        for (let g = 0; g < 20; g++) {
          const compound = `${community.slice(0, 30)}-${random()}`;
          out.push({ id: compound, name: `${g}组`, level: 'compound', parentId: community });
          for (let b = 0; b < 10; b++) out.push({ id: `${compound.slice(0, 40)}-${random()}`, name: `${b}号`, level: 'building', parentId: compound });
        }
      }
    }
    return out;
  };

  beforeAll(() => ensureTable(stack.dynamodb, TABLE));

  it('is read whole and right from its parts by a cold reader, and from the newer tree when two changes remove the snapshot it was reading', async () => {
    const writer = new Directory(stack.dynamodb, TABLE);
    const first = county('a');
    const stamp = await writer.putUnits(first);
    expect(stamp.parts).toBeGreaterThan(1);

    const reader = countingClient();
    const units = await new Directory(reader.db, TABLE).units();
    expect(reader.counts).toEqual({ GetItemCommand: 1 + stamp.parts });
    expect(units.size).toBe(first.length);
    expect(units.all().map((u) => u.id).sort()).toEqual(first.map((r) => r.id).sort());
    const building = first.at(-1) as UnitRecord;
    const compound = first.find((r) => r.id === building.parentId) as UnitRecord;
    const community = first.find((r) => r.id === compound.parentId) as UnitRecord;
    expect(units.get(building.id)).toMatchObject({ path: `/zj/${community.parentId}/${community.id}/${compound.id}/${building.id}/`, branchKind: expect.any(String) });
    expect(units.children(compound.id).map((u) => u.id)).toEqual(first.filter((r) => r.parentId === compound.id).map((r) => r.id));
    expect((await writer.treeSnapshot()).records).toEqual(first);

    // Two changes come into force after a reader read the stamp: the snapshot it names is removed meanwhile.
    const second = county('b');
    await writer.putUnits(second.slice(DEMO_UNITS.length, DEMO_UNITS.length + 100));
    const last = await writer.putUnits(second.slice(DEMO_UNITS.length + 100, DEMO_UNITS.length + 200));
    const gone = (await dumpTable(stack.dynamodb, TABLE)).filter((i) => i.pk === `TREE#${stamp.snapshot}`);
    expect(gone).toEqual([]);
    const late = await new Directory(stack.dynamodb, TABLE).trees.tree(stamp);
    expect(late.stamp.version).toBe(last.version);
    expect(late.units.size).toBe(first.length + 200);
    reader.db.destroy();
  });
});

describe('changing the tree', () => {
  it('a change cut short before its stamp is flipped leaves the old tree in force, and every reader sees it whole', async () => {
    const before = await new Directory(stack.dynamodb, stack.tableName).treeSnapshot();
    // Many units with names that do not compress, so the snapshot takes several parts; the write of the stamp fails (the process dies there).
    const many: UnitRecord[] = Array.from({ length: 3000 }, (_, i) => ({ id: `hp-hx-lw-x${i}`, name: `${i + 1}号院 ${randomBytes(150).toString('base64')}`, level: 'building', parentId: 'hp-hx-lw' }));
    const crashing = countingClient((name, input) => name === 'PutItemCommand' && JSON.stringify(input).includes('"CURRENT"'));
    await expect(new Directory(crashing.db, stack.tableName).putUnits(many)).rejects.toThrow(/injected failure/);
    expect(crashing.counts.PutItemCommand).toBeGreaterThan(3);
    crashing.db.destroy();
    const after = await new Directory(stack.dynamodb, stack.tableName).treeSnapshot();
    expect(after.stamp.version).toBe(before.stamp.version);
    expect(after.records).toEqual(before.records);

    // Now for real, while readers in other containers read: each sees the old tree or the new one, whole.
    const readers = Array.from({ length: 12 }, () => new Directory(stack.dynamodb, stack.tableName, 30_000, Date.now, 0));
    const writing = new Directory(stack.dynamodb, stack.tableName).putUnits(many);
    const sizes = new Set<number>();
    for (let round = 0; round < 5; round++) for (const size of await Promise.all(readers.map(async (r) => (await r.units()).size))) sizes.add(size);
    await writing;
    for (const size of await Promise.all(readers.map(async (r) => (await r.units()).size))) sizes.add(size);
    expect([...sizes].every((size) => size === before.records.length || size === before.records.length + 3000)).toBe(true);
    expect(sizes).toContain(before.records.length + 3000);
  });

  it('of two changes based on the same version, one is in force and the other is refused whole (409)', async () => {
    const one = new Directory(stack.dynamodb, stack.tableName);
    const base = await one.treeSnapshot();
    const a = one.replaceTree(base, [...base.records, { id: 'hp-xf-yg-a', name: 'A栋', level: 'building', parentId: 'hp-xf-yg' }]);
    const b = one.replaceTree(base, [...base.records, { id: 'hp-xf-yg-b', name: 'B栋', level: 'building', parentId: 'hp-xf-yg' }]);
    const results = await Promise.allSettled([a, b]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(TreeChanged);
    const now = (await one.treeSnapshot()).records.map((r) => r.id);
    expect(now.filter((id) => id === 'hp-xf-yg-a' || id === 'hp-xf-yg-b')).toHaveLength(1);
    // Only the winner's snapshot is kept (the loser removed its parts).
    const parts = (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => String(i.pk).startsWith(`TREE#${String(base.stamp.version + 1).padStart(10, '0')}`));
    expect(new Set(parts.map((i) => i.pk)).size).toBe(1);
  });

  it('refuses a change of a unit’s level (400) and writes nothing', async () => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const reply = await call(stack, 'POST', '/v1/units/import', { ...admin, body: { units: [{ id: 'hp-hx-lw', name: '柳湾村', level: 'community', parentId: 'hp' }] } });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.error.issues[0].path).toBe('units.hp-hx-lw.level');
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });
});

describe('moving a compound with 200 cases to another community', () => {
  const ids: string[] = [];
  const escalated: string[] = [];
  const buildings = ['hp-xf-cy-1', 'hp-xf-cy-2', 'hp-xf-cy'];
  let officer: { headers: Record<string, string> } | undefined;
  const township = async () => (officer ??= { headers: { authorization: `Bearer ${await login(stack, 'township-mediator')}` } });

  async function listed(unitId: string): Promise<Set<string>> {
    const out = new Set<string>();
    let cursor: string | null = null;
    do {
      const reply: { status: number; body: { items: { id: string }[]; cursor: string | null } } = await call(
        stack,
        'GET',
        `/v1/cases?scope=subtree&unitId=${unitId}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        await township(),
      );
      expect(reply.status).toBe(200);
      for (const item of reply.body.items) out.add(item.id);
      cursor = reply.body.cursor;
    } while (cursor);
    return out;
  }
  const stats = async (unitId: string) => (await call(stack, 'GET', `/v1/stats?unitId=${unitId}`, await township())).body;

  beforeAll(async () => {
    for (let i = 0; i < 200; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: `翠苑小区第${i + j}件诉求`, location: { unitId: buildings[(i + j) % 3] } } }),
        ),
      );
      for (const reply of batch) {
        expect(reply.status, reply.text).toBe(201);
        ids.push(reply.body.id as string);
      }
    }
    // Five filed at the compound itself are escalated to the community: they stay there, but arose in the compound.
    const runtime = await import('../../shared/service/runtime.ts');
    const compound = { kind: 'user', id: 'cy-mediator', name: '翠苑网格员', role: 'mediator', unitId: 'hp-xf-cy' } as const;
    for (const id of ids.filter((_, i) => i % 3 === 2).slice(0, 5)) {
      await runtime.cases.act(id, { type: 'escalate', reason: '需要社区协调' }, compound);
      const { state } = await runtime.cases.act(id, { type: 'move_up', reason: 'manual' }, { kind: 'system', id: 'escalation-worker' });
      expect(state.unitId).toBe('hp-xf');
      escalated.push(id);
    }
    // Counted, as the relay keeps up: the figures before the move are whole.
    await deliverPending(stack);
  });

  it('its cases leave the old community’s lists and statistics and appear in the new one’s', async () => {
    const onTheMove = ids.filter((id) => !escalated.includes(id));
    const before = await listed('hp-xf');
    for (const id of ids) expect(before.has(id)).toBe(true);
    const [xfBefore, hxBefore] = [await stats('hp-xf'), await stats('hp-hx')];

    const moved = await call(stack, 'POST', '/v1/units/import', { ...admin, body: { units: [{ id: 'hp-xf-cy', name: '翠苑小区', level: 'compound', parentId: 'hp-hx' }] } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ updated: ['hp-xf-cy'], moved: ['hp-xf-cy'] });

    // Statistics follow at once: which cases arose under a unit is read against the tree in force.
    const [xfNow, hxNow] = [await stats('hp-xf'), await stats('hp-hx')];
    expect(xfBefore.total - xfNow.total).toBe(200);
    expect(hxNow.total - hxBefore.total).toBe(200);
    expect(hxNow.byChild.find((r: { unitId: string }) => r.unitId === 'hp-xf-cy')?.total).toBe(200);

    // The lists follow once the sweeper has re-indexed them, with its progress shown meanwhile.
    const owed = (await call(stack, 'GET', '/v1/units', admin)).body.reindex as { version: number; status: string }[];
    expect(owed).toEqual([expect.objectContaining({ version: moved.body.version, status: 'waiting' })]);
    await new Promise((r) => setTimeout(r, 1100));
    const sweep = await stack.handlerOf<() => Promise<{ reindexOwed: number; reindexed: number }>>('sweeper');
    const result = await sweep();
    expect(result).toMatchObject({ reindexOwed: 0, reindexed: 200 });
    expect((await call(stack, 'GET', '/v1/units', admin)).body.reindex).toEqual([]);

    const [xf, hx] = [await listed('hp-xf'), await listed('hp-hx')];
    for (const id of onTheMove) {
      expect(xf.has(id), id).toBe(false);
      expect(hx.has(id), id).toBe(true);
    }
    // The escalated five are worked at the old community still, and count where they arose.
    for (const id of escalated) expect([xf.has(id), hx.has(id)]).toEqual([true, false]);
    const items = await dumpTable(stack.dynamodb, stack.tableName);
    for (const id of escalated) {
      expect(items.find((i) => i.pk === `CASE#${id}` && i.sk === 'STATE')).toMatchObject({ unitPath: '/zj/hp/hp-xf/', originPath: expect.stringMatching(/^\/zj\/hp\/hp-hx\/hp-xf-cy\//) });
    }
    // The community that had them no longer reads them; the new one does.
    const old = { headers: { authorization: `Bearer ${await login(stack, 'community-mediator')}` } };
    expect((await call(stack, 'GET', `/v1/cases/${onTheMove[0]}`, old)).status).toBe(404);
    // A second sweep has nothing left to do.
    expect(await sweep()).toMatchObject({ reindexOwed: 0, reindexed: 0 });
  });
});
