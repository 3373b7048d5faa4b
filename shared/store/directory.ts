/**
 * Slow-changing records every request needs: the unit tree, API clients,
 * accounts and editable policy. Read by Query/GetItem and kept for a short
 * while per process, so a request path costs no extra reads most of the time.
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createHash } from 'node:crypto';
import { UnitTree, type UnitRecord } from '../domain/index.ts';
import { queryAll } from './query.ts';
import { PK, SK } from './schema.ts';

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
}

export const hashApiKey = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

interface Cached<T> {
  readonly value: T;
  readonly until: number;
}

/** Unit writes in flight at once during an import. */
const PUT_CONCURRENCY = 16;

export class Directory {
  private readonly cache = new Map<string, Cached<unknown>>();

  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    private readonly ttlMs = 30_000,
    private readonly clock: () => number = Date.now,
  ) {}

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
  }

  units(): Promise<UnitTree> {
    return this.cached('units', async () => new UnitTree(await this.queryAll('UNITS')));
  }

  /**
   * Writes units PUT_CONCURRENCY at a time: a township's sheet of thousands
   * fits in the function's timeout, with PutItem alone (no BatchWriteItem grant).
   */
  async putUnits(units: readonly UnitRecord[]): Promise<void> {
    for (let i = 0; i < units.length; i += PUT_CONCURRENCY) {
      await Promise.all(units.slice(i, i + PUT_CONCURRENCY).map((unit) => this.put({ [PK]: 'UNITS', [SK]: `UNIT#${unit.id}`, ...unit })));
    }
    this.cache.delete('units');
  }

  /** The unit records as stored, for merging an import into them. */
  unitRecords(): Promise<UnitRecord[]> {
    return this.queryAll<UnitRecord>('UNITS');
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
