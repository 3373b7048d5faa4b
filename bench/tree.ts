/**
 * What a function pays to keep the unit tree current: a check of the stamp
 * (one GetItem of a small item) against a whole read (the stamp and one Query
 * of the snapshot's parts), for a township of 5,000 units, counted on the
 * client and sized as DynamoDB sizes items (UTF-8).
 */
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DEMO_UNITS } from '../infra/local/demo-data.ts';
import { ensureTable } from '../infra/local/resources.ts';
import { startDynamo } from '../infra/local/servers.ts';
import type { UnitRecord } from '../shared/domain/index.ts';
import { itemBytes } from '../shared/store/codec.ts';
import { Directory } from '../shared/store/directory.ts';
import { snapshotPk } from '../shared/store/unit-tree.ts';

export interface TreeFigures {
  readonly units: number;
  readonly parts: number;
  readonly stampBytes: number;
  readonly treeBytes: number;
  /** Calls of a check when nothing changed, and of a whole read. */
  readonly check: Record<string, number>;
  readonly whole: Record<string, number>;
}

const UNITS = 5000;

export async function treeCosts(): Promise<TreeFigures> {
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
    // A township of 5,000 units: its communities' compounds and their buildings, with contacts.
    const extra: UnitRecord[] = Array.from({ length: UNITS - DEMO_UNITS.length }, (_, i) => ({
      id: `hp-xf-yg-x${i}`,
      name: `阳光小区第${i + 1}号楼`,
      level: 'building',
      parentId: 'hp-xf-yg',
      contacts: [{ name: `联户长 ${i}`, phone: '13800000000' }],
    }));
    await new Directory(db, 'bench-tree').putUnits([...DEMO_UNITS, ...extra]);
    let now = 0;
    const directory = new Directory(db, 'bench-tree', 30_000, () => now, 10_000);
    const snapshot = async () => {
      for (const key of Object.keys(counts)) delete counts[key];
      return { ...counts };
    };
    await snapshot();
    await directory.units();
    const whole = { ...counts };
    await snapshot();
    now += 10_000;
    await directory.units();
    const check = { ...counts };
    const stamp = unmarshall((await db.send(new GetItemCommand({ TableName: 'bench-tree', Key: marshall({ pk: 'TREE', sk: 'CURRENT' }) }))).Item ?? {});
    const parts = (await db.send(new QueryCommand({ TableName: 'bench-tree', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: marshall({ ':pk': snapshotPk(String(stamp.snapshot)) }) }))).Items ?? [];
    return {
      units: UNITS,
      parts: Number(stamp.parts),
      stampBytes: itemBytes(stamp),
      treeBytes: parts.reduce((n, p) => n + itemBytes(unmarshall(p)), 0),
      check,
      whole,
    };
  } finally {
    db.destroy();
    await dynamo.stop();
  }
}
