/**
 * Slow-changing records every request needs: the unit tree, API clients,
 * accounts and editable policy. The tree is checked by its stamp (one GetItem)
 * at most every few seconds and read whole only when it changed; API clients,
 * callbacks and policy documents are kept for a short while per process;
 * accounts are read at every request.
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createHash } from 'node:crypto';
import { UnitTree, movedUnits, type UnitRecord } from '../domain/index.ts';
import { queryAll } from './query.ts';
import { PK, SK } from './schema.ts';
import { TreeChanged, UnitTreeStore, type TreeSnapshot, type TreeStamp } from './unit-tree.ts';

export interface ApiClient {
  readonly name: string;
  /** Values of `source` this client may file under. */
  readonly sources: readonly string[];
  readonly scopes: readonly string[];
  /** The root (township) whose units the client files into. */
  readonly rootUnitId?: string;
  readonly disabled?: boolean;
  /** Where status changes are pushed back (12345 two-way). */
  readonly callbackUrl?: string;
  /** Key of the callbacks' HMAC-SHA256 signature (shared/channels/callback.ts). */
  readonly callbackSecret?: string;
}

/** A client's callback settings, kept by name so a case (which records who filed it) can find them. */
export interface CallbackProfile {
  readonly name: string;
  readonly callbackUrl?: string;
  readonly callbackSecret?: string;
  readonly disabled?: boolean;
}

export interface Account {
  readonly username: string;
  readonly displayName: string;
  readonly role: string;
  readonly unitId: string;
  readonly passwordHash: string;
  /** Where notifications to the user go (a volunteer's task offers). */
  readonly phone?: string;
  readonly disabled?: boolean;
  /**
   * TOTP set up (set once the first code was right): from then on every
   * sign-in asks for a code. `secret` is kept locally only; in AWS Cognito
   * keeps it and asks.
   */
  readonly mfa?: { readonly enrolledAt: string; readonly secret?: string };
}

export const hashApiKey = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

interface Cached<T> {
  readonly value: T;
  readonly until: number;
}

/** A change of the tree made by merging records in, retried this often when another change comes first. */
const MERGE_ATTEMPTS = 3;

export class Directory {
  private readonly cache = new Map<string, Cached<unknown>>();
  readonly trees: UnitTreeStore;
  private tree?: { readonly stamp: TreeStamp; readonly units: UnitTree; readonly checkedAt: number };
  private treeLoading?: Promise<UnitTree>;

  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    private readonly ttlMs = 30_000,
    private readonly clock: () => number = Date.now,
    /** How long a tree is used before its stamp is checked again. */
    private readonly treeCheckMs = 10_000,
  ) {
    this.trees = new UnitTreeStore(db, table);
  }

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key) as Cached<T> | undefined;
    if (hit && hit.until > this.clock()) return hit.value;
    const value = await load();
    this.cache.set(key, { value, until: this.clock() + this.ttlMs });
    return value;
  }

  /** Forget cached records, e.g. after an admin edit in this process. */
  invalidate(): void {
    this.cache.clear();
    this.tree = undefined;
  }

  /** The tree in force: its stamp checked (one GetItem) at most every treeCheckMs, its parts read only when it changed. */
  units(): Promise<UnitTree> {
    const known = this.tree;
    if (known && this.clock() - known.checkedAt < this.treeCheckMs) return Promise.resolve(known.units);
    this.treeLoading ??= this.refreshTree().finally(() => {
      this.treeLoading = undefined;
    });
    return this.treeLoading;
  }

  /** Whether a change of the tree in force still owes re-indexing (its cases' keys and counters follow it). */
  async reindexOwed(): Promise<boolean> {
    await this.units();
    return Object.keys(this.tree?.stamp.reindex ?? {}).length > 0;
  }

  private async refreshTree(): Promise<UnitTree> {
    const checkedAt = this.clock();
    const stamp = await this.trees.stamp();
    const known = this.tree;
    if (known && known.stamp.version === stamp.version && known.stamp.snapshot === stamp.snapshot) {
      this.tree = { ...known, stamp, checkedAt };
      return known.units;
    }
    const loaded = await this.trees.tree(stamp);
    this.tree = { ...loaded, checkedAt };
    return loaded.units;
  }

  /** The tree in force, read consistently, to base a change on. */
  treeSnapshot(): Promise<TreeSnapshot> {
    return this.trees.current();
  }

  /**
   * Put a whole new tree in force if `base` still is (TreeChanged otherwise);
   * the cases under every unit that moved are re-indexed in the background.
   */
  async replaceTree(base: TreeSnapshot, records: readonly UnitRecord[]): Promise<TreeStamp> {
    const units = new UnitTree(records);
    const moved = movedUnits(new UnitTree(base.records), units);
    const stamp = await this.trees.replace(base.stamp, records, moved, new Date(this.clock()));
    this.tree = { stamp, units, checkedAt: this.clock() };
    return stamp;
  }

  /** Add or change units (by id) in the tree in force, as one change. */
  async putUnits(records: readonly UnitRecord[]): Promise<TreeStamp> {
    for (let attempt = 1; ; attempt++) {
      const base = await this.treeSnapshot();
      const merged = new Map(base.records.map((r) => [r.id, r]));
      for (const r of records) merged.set(r.id, r);
      try {
        return await this.replaceTree(base, [...merged.values()]);
      } catch (error) {
        if (!(error instanceof TreeChanged) || attempt >= MERGE_ATTEMPTS) throw error;
      }
    }
  }

  apiClient(secret: string): Promise<ApiClient | undefined> {
    const hash = hashApiKey(secret);
    return this.cached(`key:${hash}`, () => this.getOne<ApiClient>(`APIKEY#${hash}`, 'APIKEY'));
  }

  async putApiClient(secret: string, client: ApiClient): Promise<void> {
    await this.put({ [PK]: `APIKEY#${hashApiKey(secret)}`, [SK]: 'APIKEY', ...client });
    // Always written (also without a URL), so removing a callback takes effect.
    const profile: CallbackProfile = {
      name: client.name,
      callbackUrl: client.callbackUrl,
      callbackSecret: client.callbackSecret,
      disabled: client.disabled,
    };
    await this.put({ [PK]: 'CALLBACKS', [SK]: `CLIENT#${client.name}`, ...profile });
    this.cache.delete('callbacks');
  }

  /** The callback settings of every client that has some, by client name (one small partition, one Query). */
  callbackProfiles(): Promise<ReadonlyMap<string, CallbackProfile>> {
    return this.cached('callbacks', async () => {
      const rows = await this.queryAll<CallbackProfile>('CALLBACKS');
      return new Map(rows.filter((p) => p.callbackUrl && !p.disabled).map((p) => [p.name, p]));
    });
  }

  /** Read at every call (one GetItem): a changed role, unit or a disabled account applies to the next request, in every container. */
  account(username: string): Promise<Account | undefined> {
    return this.getOne<Account>('USERS', `USER#${username}`);
  }

  /** Every account (a township has hundreds, not millions: one partition, one Query). */
  async accounts(): Promise<Account[]> {
    return this.queryAll<Account>('USERS');
  }

  async putAccount(account: Account): Promise<void> {
    await this.put({ [PK]: 'USERS', [SK]: `USER#${account.username}`, ...account });
  }

  /** A stored configuration document (JSON), or undefined to use the defaults. */
  config(name: string): Promise<unknown> {
    return this.cached(`config:${name}`, async () => {
      const row = await this.getOne<{ value: string }>('CONFIG', name);
      return row ? (JSON.parse(row.value) as unknown) : undefined;
    });
  }

  async putConfig(name: string, value: unknown): Promise<void> {
    await this.put({ [PK]: 'CONFIG', [SK]: name, value: JSON.stringify(value) });
  }

  private async put(item: Record<string, unknown>): Promise<void> {
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: marshall(item, { removeUndefinedValues: true }) }));
  }

  private async getOne<T>(pk: string, sk: string): Promise<T | undefined> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: pk, [SK]: sk }) }));
    if (!result.Item) return undefined;
    const { [PK]: _pk, [SK]: _sk, ...rest } = unmarshall(result.Item);
    return rest as T;
  }

  private async queryAll<T>(pk: string): Promise<T[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: marshall({ ':pk': pk }),
    });
    return items.map(({ [PK]: _pk, [SK]: _sk, ...rest }) => rest as T);
  }

}
