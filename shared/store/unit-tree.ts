/**
 * The unit tree as versioned snapshots with a pointer flipped last, so that a
 * reader sees the tree before a change or after it, never a mix, and a change
 * cut short leaves the old tree in force.
 *
 *   TREE        CURRENT        the stamp: version, snapshot id, parts, and the
 *                              re-indexing still owed, by version
 *   TREE#<id>   PART#<n>       the records packed (columns, gzipped: a county's
 *                              54,000 units are ~160 KB), cut in parts of 300 KB
 *   TREE#<id>   META           what the change moved (the paths whose cases
 *                              must follow), the snapshot it replaced
 *   TREE        JOB#<version>  a re-index's progress (shared/service/reindex.ts)
 *
 * A change writes a snapshot of its own (its id is new each time, so two
 * changes at once never mix parts), then flips CURRENT on the version it
 * read; the loser of a race gets TreeChanged and nothing of it is in force.
 * A reader checks the stamp with one GetItem and reads the parts (a GetItem
 * each, at once) only when the version changed. The records were checked as a
 * tree when written, so a reader builds the tree without checking them again
 * (a cold function loads a county in ~130 ms of CPU).
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
import { gunzipSync, gzipSync } from 'node:zlib';
import { DomainError, UnitTree, fromColumns, toColumns, type UnitColumns, type UnitRecord } from '../domain/index.ts';
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
  /** The parts are one packing of the records (pack); absent for snapshots written before, each part a JSON array of records. */
  readonly packed?: boolean;
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

/** A part of the snapshot a stamp named is gone: two changes came into force while it was read. */
class SnapshotGone extends Error {}

const STAMP = { [PK]: 'TREE', [SK]: 'CURRENT' };
/** Bytes of one part: well under DynamoDB's 400 KB item. */
const PART_BYTES = 300_000;
const EMPTY: TreeStamp = { version: 0, parts: 0, reindex: {} };
/** Two changes in force while a reader reads one snapshot are rare; more in a row is a fault. */
const LOAD_ATTEMPTS = 3;

export const snapshotPk = (snapshot: string) => `TREE#${snapshot}`;
const partSk = (n: number) => `PART#${String(n).padStart(4, '0')}`;

/** The records as columns, gzipped (a county's 54,000 units: ~1.9 MB of JSON, ~160 KB). */
export const pack = (records: readonly UnitRecord[]): Buffer => gzipSync(JSON.stringify(toColumns(records)));

export const unpack = (packed: Uint8Array): UnitColumns => JSON.parse(gunzipSync(packed).toString('utf8')) as UnitColumns;

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
      ...(item.packed === true ? { packed: true } : {}),
      at: String(item.at),
      reindex: (item.reindex ?? {}) as TreeStamp['reindex'],
    };
  }

  /** The tree a stamp names, as columns: its parts, a GetItem each, at once (the pre-snapshot rows for version 0: one Query). */
  private async columns(stamp: TreeStamp): Promise<UnitColumns> {
    if (stamp.snapshot === undefined) {
      const legacy = await queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: marshall({ ':pk': 'UNITS' }),
        ConsistentRead: true,
      });
      return toColumns(legacy.map(({ [PK]: _pk, [SK]: _sk, ...rest }) => rest as unknown as UnitRecord));
    }
    const pk = snapshotPk(stamp.snapshot);
    const parts = await Promise.all(
      Array.from({ length: stamp.parts }, async (_, n) => {
        // Consistent: the parts are written just before the stamp that names them.
        const { Item } = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: pk, [SK]: partSk(n) }), ConsistentRead: true }));
        if (!Item) throw new SnapshotGone(`unit tree ${stamp.snapshot}: part ${n} of ${stamp.parts} not found`);
        return unmarshall(Item);
      }),
    );
    if (stamp.packed === true) return unpack(Buffer.concat(parts.map((p) => p.chunk as Uint8Array)));
    return toColumns(parts.flatMap((p) => JSON.parse(String(p.units)) as UnitRecord[]));
  }

  /** The tree a stamp names; the one then in force when two changes meanwhile removed its snapshot. */
  private async read(named: TreeStamp): Promise<{ readonly stamp: TreeStamp; readonly columns: UnitColumns }> {
    let stamp = named;
    for (let attempt = 1; ; attempt++) {
      try {
        return { stamp, columns: await this.columns(stamp) };
      } catch (error) {
        if (!(error instanceof SnapshotGone) || attempt >= LOAD_ATTEMPTS) throw error;
        const now = await this.stamp(true);
        // The stamp in force names a snapshot with a part missing: no race, a fault.
        if (now.snapshot === stamp.snapshot) throw error;
        stamp = now;
      }
    }
  }

  /**
   * The tree a stamp names (or a newer one, see read), to look units up in.
   * A snapshot's records were checked as a tree when written: taken as they are.
   */
  async tree(named: TreeStamp): Promise<{ readonly stamp: TreeStamp; readonly units: UnitTree }> {
    const { stamp, columns } = await this.read(named);
    return { stamp, units: new UnitTree(columns, { checked: stamp.snapshot !== undefined }) };
  }

  /** The tree in force now, read consistently (for a change to be based on). */
  async current(): Promise<TreeSnapshot> {
    const { stamp, columns } = await this.read(await this.stamp(true));
    return { stamp, records: fromColumns(columns) };
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
    const packed = pack(records);
    const parts = Array.from({ length: Math.max(1, Math.ceil(packed.length / PART_BYTES)) }, (_, n) => packed.subarray(n * PART_BYTES, (n + 1) * PART_BYTES));
    const at = now.toISOString();
    const meta: SnapshotMeta = { version, moved, ...(base.snapshot ? { previous: base.snapshot } : {}) };
    await Promise.all([
      ...parts.map((chunk, n) => this.put({ [PK]: snapshotPk(snapshot), [SK]: partSk(n), chunk })),
      this.put({ [PK]: snapshotPk(snapshot), [SK]: 'META', ...meta }),
    ]);
    const reindex = moved.length > 0 ? { ...base.reindex, [String(version)]: { snapshot, at } } : base.reindex;
    const stamp: TreeStamp = { version, snapshot, parts: parts.length, packed: true, at, reindex };
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
