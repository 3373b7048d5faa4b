/**
 * What a function pays for the unit tree of a county (the demo county grown
 * to ~54,000 units, bench/county-units.ts): a check of the stamp (one GetItem
 * of a small item) against a whole read (the stamp and a GetItem per part of
 * the packed snapshot), counted on the client and sized as DynamoDB sizes
 * items; and the cold load a new function does (Directory.units: read,
 * unpacked, taken as the tree), its time and the heap it holds.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEMO_UNITS } from '../infra/local/demo-data.ts';
import { ensureTable } from '../infra/local/resources.ts';
import { startDynamo } from '../infra/local/servers.ts';
import { itemBytes } from '../shared/store/codec.ts';
import { Directory } from '../shared/store/directory.ts';
import { snapshotPk } from '../shared/store/unit-tree.ts';
import { countySheets } from './county-units.ts';

export interface TreeFigures {
  readonly units: number;
  readonly parts: number;
  readonly stampBytes: number;
  readonly treeBytes: number;
  /** Calls of a check when nothing changed, and of a whole read. */
  readonly check: Record<string, number>;
  readonly whole: Record<string, number>;
  /** Cold loads (a new Directory each), sorted by time. */
  readonly loads: readonly { readonly ms: number; readonly cpuMs: number }[];
  /** Heap held by a loaded tree after one lookup, and once every unit was made (Directory.units().all()). */
  readonly heapBytes: number;
  readonly heapAllBytes: number;
}

const LOADS = 7;

export async function treeCosts(): Promise<TreeFigures> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const dynamo = await startDynamo();
  const db = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'cn-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const counts: Record<string, number> = {};
  db.middlewareStack.add(
    (next, context) => (args) => {
      counts[String(context.commandName)] = (counts[String(context.commandName)] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'count' },
  );
  try {
    await ensureTable(db, 'bench-tree');
    const county = [...DEMO_UNITS, ...countySheets().flatMap((s) => s.units)];
    await new Directory(db, 'bench-tree').putUnits(county);
    let now = 0;
    const directory = new Directory(db, 'bench-tree', 30_000, () => now, 10_000);
    const reset = () => Object.keys(counts).forEach((key) => delete counts[key]);
    reset();
    await directory.units();
    const whole = { ...counts };
    reset();
    now += 10_000;
    await directory.units();
    const check = { ...counts };
    const stamp = unmarshall((await db.send(new GetItemCommand({ TableName: 'bench-tree', Key: marshall({ pk: 'TREE', sk: 'CURRENT' }) }))).Item ?? {});
    const parts = await Promise.all(
      Array.from({ length: Number(stamp.parts) }, async (_, n) =>
        unmarshall((await db.send(new GetItemCommand({ TableName: 'bench-tree', Key: marshall({ pk: snapshotPk(String(stamp.snapshot)), sk: `PART#${String(n).padStart(4, '0')}` }) }))).Item ?? {}),
      ),
    );

    // Cold loads, as a new function does them: each a Directory of its own, nothing cached. Measured in a
    // function of its own, so that no tree of the round before is still held when the heap is read.
    const coldLoad = async () => {
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      const cpu = process.cpuUsage();
      const began = performance.now();
      const tree = await new Directory(db, 'bench-tree').units();
      tree.get('mjd-c3-g4-5');
      const ms = performance.now() - began;
      const used = process.cpuUsage(cpu);
      if (tree.size !== county.length) throw new Error(`the tree loaded ${tree.size} units, not ${county.length}`);
      gc();
      const heap = process.memoryUsage().heapUsed - heapBefore;
      tree.all();
      gc();
      return { ms, cpuMs: (used.user + used.system) / 1000, heap, heapAll: process.memoryUsage().heapUsed - heapBefore };
    };
    const rounds: Awaited<ReturnType<typeof coldLoad>>[] = [];
    for (let i = 0; i < LOADS; i++) rounds.push(await coldLoad());
    const heapBytes = Math.max(...rounds.map((r) => r.heap));
    const heapAllBytes = Math.max(...rounds.map((r) => r.heapAll));
    const loads = rounds.map(({ ms, cpuMs }) => ({ ms, cpuMs }));
    return {
      units: county.length,
      parts: Number(stamp.parts),
      stampBytes: itemBytes(stamp),
      treeBytes: parts.reduce((n, p) => n + itemBytes(p), 0),
      check,
      whole,
      loads: loads.sort((a, b) => a.ms - b.ms),
      heapBytes,
      heapAllBytes,
    };
  } finally {
    db.destroy();
    await dynamo.stop();
  }
}
