/**
 * The unit tree as versioned snapshots with a pointer flipped last, so that a
 * reader sees the tree before a change or after it, never a mix, and a change
 * cut short leaves the old tree in force.
 *
 *   TREE        CURRENT        the stamp: version, snapshot id, parts, and the
 *                              re-indexing still owed, by version
 *   TREE#<id>   PART#<n>       the records, ~300 KB of JSON a part
 *   TREE#<id>   META           what the change moved (the paths whose cases
 *                              must follow), the snapshot it replaced
 *   TREE        JOB#<version>  a re-index's progress (shared/service/reindex.ts)
 *
 * A change writes a snapshot of its own (its id is new each time, so two
 * changes at once never mix parts), then flips CURRENT on the version it
 * read; the loser of a race gets TreeChanged and nothing of it is in force.
 * A reader checks the stamp with one GetItem and reads the parts (one Query)
 * only when the version changed.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomBytes } from 'node:crypto';
import { DomainError, UnitTree, type UnitRecord } from '../domain/index.ts';
import { utf8Bytes } from './codec.ts';
import { queryAll } from './query.ts';
import { PK, SK } from './schema.ts';

/** A path the cases under which must be re-indexed: where a moved unit was. */
export interface MovedPath {
  readonly rootId: string;
  readonly path: string;
}

/** The stamp a reader checks. */
export interface TreeStamp {
  readonly version: number;
  /** Absent for a tree stored before snapshots (UNITS/UNIT#… rows, read as version 0). */
  readonly snapshot?: string;
  readonly parts: number;
  readonly at?: string;
  /** Re-indexing owed: version → the snapshot that moved units, and when it came into force. */
  readonly reindex: Readonly<Record<string, { readonly snapshot: string; readonly at: string }>>;
}

export interface TreeSnapshot {
  readonly stamp: TreeStamp;
  readonly records: readonly UnitRecord[];
}

export interface SnapshotMeta {
  readonly version: number;
  readonly moved: readonly MovedPath[];
  readonly previous?: string;
}

/** Another change of the tree came into force first: read it again and redo the change. */
export class TreeChanged extends DomainError {
  readonly code = 'version_conflict';
}

const STAMP = { [PK]: 'TREE', [SK]: 'CURRENT' };
/** Bytes of records in one part: well under DynamoDB's 400 KB item, counted as it counts (UTF-8). */
const PART_BYTES = 300_000;
const EMPTY: TreeStamp = { version: 0, parts: 0, reindex: {} };

export const snapshotPk = (snapshot: string) => `TREE#${snapshot}`;

/** Records in parts of at most PART_BYTES of JSON each. */
export function partition(records: readonly UnitRecord[]): UnitRecord[][] {
  const parts: UnitRecord[][] = [[]];
  let bytes = 0;
  for (const r of records) {
    const size = utf8Bytes(JSON.stringify(r)) + 1;
    if (bytes + size > PART_BYTES && (parts.at(-1)?.length ?? 0) > 0) {
      parts.push([]);
      bytes = 0;
    }
    parts.at(-1)?.push(r);
    bytes += size;
  }
  return parts;
}

export class UnitTreeStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** The stamp (one GetItem); version 0 when the tree predates snapshots or is empty. */
  async stamp(consistent = false): Promise<TreeStamp> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall(STAMP), ConsistentRead: consistent }));
    if (!result.Item) return EMPTY;
    const item = unmarshall(result.Item);
    return {
      version: Number(item.version),
      snapshot: String(item.snapshot),
      parts: Number(item.parts),
      at: String(item.at),
      reindex: (item.reindex ?? {}) as TreeStamp['reindex'],
    };
  }

  /** The records of the tree a stamp names (one Query; the pre-snapshot rows for version 0). */
  async records(stamp: TreeStamp): Promise<UnitRecord[]> {
    if (stamp.snapshot === undefined) {
      const legacy = await queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: marshall({ ':pk': 'UNITS' }),
        ConsistentRead: true,
      });
      return legacy.map(({ [PK]: _pk, [SK]: _sk, ...rest }) => rest as unknown as UnitRecord);
    }
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :part)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: marshall({ ':pk': snapshotPk(stamp.snapshot), ':part': 'PART#' }),
      ConsistentRead: true,
    });
    const parts = items.filter((i) => Number(String(i[SK]).slice('PART#'.length)) < stamp.parts);
    if (parts.length !== stamp.parts) throw new Error(`unit tree ${stamp.snapshot}: ${parts.length} of ${stamp.parts} parts found`);
    return parts.flatMap((p) => JSON.parse(String(p.units)) as UnitRecord[]);
  }

  /** The tree in force now, read consistently (for a change to be based on). */
  async current(): Promise<TreeSnapshot> {
    const stamp = await this.stamp(true);
    return { stamp, records: await this.records(stamp) };
  }

  async meta(snapshot: string): Promise<SnapshotMeta | undefined> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: snapshotPk(snapshot), [SK]: 'META' }), ConsistentRead: true }));
    return result.Item ? (unmarshall(result.Item) as unknown as SnapshotMeta) : undefined;
  }

  /**
   * Put `records` in force as the version after `base`, if `base` is still in
   * force (else TreeChanged, and nothing of this change is). `moved` names the
   * paths whose cases must follow; the re-index owed is recorded by the flip
   * itself. Throws ValidationFailed for records that are no tree.
   */
  async replace(base: TreeStamp, records: readonly UnitRecord[], moved: readonly MovedPath[], now: Date): Promise<TreeStamp> {
    new UnitTree(records);
    const version = base.version + 1;
    const snapshot = `${String(version).padStart(10, '0')}-${randomBytes(4).toString('hex')}`;
    const parts = partition(records);
    const at = now.toISOString();
    const meta: SnapshotMeta = { version, moved, ...(base.snapshot ? { previous: base.snapshot } : {}) };
    await Promise.all([
      ...parts.map((units, n) => this.put({ [PK]: snapshotPk(snapshot), [SK]: `PART#${String(n).padStart(4, '0')}`, units: JSON.stringify(units) })),
      this.put({ [PK]: snapshotPk(snapshot), [SK]: 'META', ...meta }),
    ]);
    const reindex = moved.length > 0 ? { ...base.reindex, [String(version)]: { snapshot, at } } : base.reindex;
    const stamp: TreeStamp = { version, snapshot, parts: parts.length, at, reindex };
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({ ...STAMP, ...stamp }, { removeUndefinedValues: true }),
          ConditionExpression: base.snapshot === undefined ? 'attribute_not_exists(#pk)' : '#v = :v',
          ExpressionAttributeNames: base.snapshot === undefined ? { '#pk': PK } : { '#v': 'version' },
          ExpressionAttributeValues: base.snapshot === undefined ? undefined : marshall({ ':v': base.version }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await this.drop(snapshot).catch(() => undefined);
      throw new TreeChanged('the unit tree was changed by someone else meanwhile; nothing of this change was written — read it again and retry');
    }
    // Kept: this snapshot and the one it replaced (a reader may have just read its stamp).
    const replaced = base.snapshot === undefined ? undefined : await this.meta(base.snapshot);
    if (replaced?.previous !== undefined) await this.drop(replaced.previous).catch(() => undefined);
    return stamp;
  }

  /** The re-index of `version` is done: it is no longer owed. */
  async settled(version: number): Promise<void> {
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: marshall(STAMP),
        UpdateExpression: 'REMOVE #r.#v',
        ConditionExpression: 'attribute_exists(#r)',
        ExpressionAttributeNames: { '#r': 'reindex', '#v': String(version) },
      }),
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  private async drop(snapshot: string): Promise<void> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: marshall({ ':pk': snapshotPk(snapshot) }),
      ProjectionExpression: '#pk, #sk',
    });
    await Promise.all(items.map((i) => this.db.send(new DeleteItemCommand({ TableName: this.table, Key: marshall({ [PK]: i[PK], [SK]: i[SK] }) }))));
  }

  private async put(item: Record<string, unknown>): Promise<void> {
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: marshall(item, { removeUndefinedValues: true }) }));
  }
}
