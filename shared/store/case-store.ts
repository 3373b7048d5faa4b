/**
 * The event log + projection of DESIGN §3. A change puts EVT#(v+1) only if it
 * does not exist, then puts STATE only if it is still at v. A reader that finds
 * STATE behind the log folds the missing events and repairs it, so a crash
 * between the two writes heals on the next read or write.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type ConsumedCapacity,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ValidationFailed, VersionConflict, evolve, fold, type CaseEvent, type CaseState } from '../domain/index.ts';
import { eventFromItem, eventItem, stateFromItem, stateItem, type CodecContext } from './codec.ts';
import { queryAll } from './query.ts';
import { INDEXES, PK, SK, STATE_SK, eventSk } from './schema.ts';

export interface Loaded {
  readonly state: CaseState;
  /** STATE was missing or behind the log and has been rewritten. */
  readonly repaired: boolean;
  readonly descriptionTruncated: boolean;
}

export interface CapacityMeter {
  record(operation: string, consumed: ConsumedCapacity | undefined): void;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly cursor?: string;
}

const BATCH_GET_LIMIT = 100;

export class CaseStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    private readonly codec: () => Promise<CodecContext> | CodecContext,
    private readonly meter?: CapacityMeter,
  ) {}

  private get capacity() {
    return this.meter ? ('TOTAL' as const) : undefined;
  }

  /** The case with STATE repaired if it lagged; undefined when no event exists. */
  async load(id: string): Promise<Loaded | undefined> {
    const head = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: marshall({ ':pk': `CASE#${id}` }),
        ScanIndexForward: false,
        Limit: 2,
        ConsistentRead: true,
      }),
    );
    const items = (head.Items ?? []).map((i) => unmarshall(i));
    const stateRow = items.find((i) => i[SK] === STATE_SK);
    const lastEvent = items.find((i) => String(i[SK]).startsWith('EVT#'));
    if (!stateRow && !lastEvent) return undefined;
    const stored = stateRow ? stateFromItem(stateRow) : undefined;
    const version = stored?.state.version ?? 0;
    if (stored && (!lastEvent || Number(lastEvent.seq) <= version)) {
      return { state: stored.state, repaired: false, descriptionTruncated: stored.descriptionTruncated };
    }
    const missing = await this.eventsAfter(id, version);
    const state = fold(missing, stored?.state);
    if (!state) return undefined;
    await this.putState(state, stored ? version : undefined);
    return { state, repaired: true, descriptionTruncated: false };
  }

  /** Load with the full description from the intake event. */
  async get(id: string): Promise<Loaded | undefined> {
    const loaded = await this.load(id);
    if (!loaded || !loaded.descriptionTruncated) return loaded;
    const first = await this.db.send(
      new GetItemCommand({
        TableName: this.table,
        Key: marshall({ [PK]: `CASE#${id}`, [SK]: eventSk(1) }),
        ProjectionExpression: '#e',
        ExpressionAttributeNames: { '#e': 'event' },
      }),
    );
    const received = first.Item ? eventFromItem(unmarshall(first.Item)) : undefined;
    const description = received?.type === 'received' ? received.data.description : loaded.state.description;
    return { ...loaded, state: { ...loaded.state, description }, descriptionTruncated: false };
  }

  /**
   * Append one event decided against `state` (undefined for a new case).
   * Throws VersionConflict when another writer took that version first.
   */
  async append(state: CaseState | undefined, event: CaseEvent): Promise<CaseState> {
    const id = state?.id ?? (event.type === 'received' ? event.data.id : undefined);
    if (id === undefined) throw new TypeError('the first event of a case must be received');
    const expected = state?.version ?? 0;
    if (event.seq !== expected + 1) throw new TypeError(`event seq ${event.seq} does not follow version ${expected}`);
    try {
      const put = await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(eventItem(id, event), { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
          ReturnConsumedCapacity: this.capacity,
        }),
      );
      this.meter?.record('PutItem event', put.ConsumedCapacity);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new VersionConflict(expected);
      throw error;
    }
    const next = evolve(state, event);
    await this.putState(next, state?.version);
    return next;
  }

  /** Write STATE if it is still at `previous` (absent when undefined). Losing means someone else already moved it on. */
  private async putState(state: CaseState, previous: number | undefined): Promise<void> {
    const item = stateItem(state, await this.codec());
    try {
      const put = await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(item, { removeUndefinedValues: true }),
          ConditionExpression: previous === undefined ? 'attribute_not_exists(#pk)' : '#v = :v',
          ExpressionAttributeNames: previous === undefined ? { '#pk': PK } : { '#v': 'version' },
          ExpressionAttributeValues: previous === undefined ? undefined : marshall({ ':v': previous }),
          ReturnConsumedCapacity: this.capacity,
        }),
      );
      this.meter?.record('PutItem state', put.ConsumedCapacity);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The events 1..seq, for the state a case had right after event `seq`. */
  async eventsUpTo(id: string, seq: number): Promise<CaseEvent[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: marshall({ ':pk': `CASE#${id}`, ':from': eventSk(1), ':to': eventSk(seq) }),
      ConsistentRead: true,
    });
    return items.map(eventFromItem);
  }

  async eventsAfter(id: string, seq: number): Promise<CaseEvent[]> {
    const out: CaseEvent[] = [];
    let page: Page<CaseEvent> = { items: [] };
    do {
      page = await this.events(id, { after: seq, limit: 500, cursor: page.cursor, consistent: true });
      out.push(...page.items);
    } while (page.cursor);
    return out;
  }

  /** The timeline, oldest first, paged. */
  async events(
    id: string,
    options: { after?: number; limit?: number; cursor?: string; consistent?: boolean } = {},
  ): Promise<Page<CaseEvent>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: marshall({
          ':pk': `CASE#${id}`,
          ':from': eventSk((options.after ?? 0) + 1),
          ':to': 'EVT#~',
        }),
        Limit: options.limit ?? 100,
        ExclusiveStartKey: decodeCursor(options.cursor, `CASE#${id}`),
        ConsistentRead: options.consistent ?? false,
      }),
    );
    return {
      items: (result.Items ?? []).map((i) => eventFromItem(unmarshall(i))),
      cursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  /** STATE items by id, in the order asked, skipping missing ones. */
  async getMany(ids: readonly string[]): Promise<CaseState[]> {
    const found = new Map<string, CaseState>();
    for (let i = 0; i < ids.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = [...new Set(ids.slice(i, i + BATCH_GET_LIMIT))].map((id) =>
        marshall({ [PK]: `CASE#${id}`, [SK]: STATE_SK }),
      );
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const result = await this.db.send(
          new BatchGetItemCommand({
            RequestItems: { [this.table]: { Keys: keys as never, ProjectionExpression: '#s', ExpressionAttributeNames: { '#s': 'state' } } },
          }),
        );
        for (const raw of result.Responses?.[this.table] ?? []) {
          const { state } = stateFromItem(unmarshall(raw));
          found.set(state.id, state);
        }
        keys = result.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  /** Ids of cases whose next timer is at or before `until`, from one shard of the sparse due index. */
  async dueIds(shard: number, until: string, limit = 1000): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEXES.due.name,
          KeyConditionExpression: '#pk = :pk AND #sk <= :until',
          ExpressionAttributeNames: { '#pk': INDEXES.due.pk, '#sk': INDEXES.due.sk },
          ExpressionAttributeValues: marshall({ ':pk': `D#${shard}`, ':until': `${until}|~` }),
          ExclusiveStartKey: start as never,
          Limit: Math.min(limit - ids.length, 1000),
        }),
      );
      for (const raw of result.Items ?? []) ids.push(String(unmarshall(raw)[PK]).slice('CASE#'.length));
      start = result.LastEvaluatedKey;
    } while (start && ids.length < limit);
    return ids;
  }
}

const KEY_ATTRIBUTES = new Set([PK, SK, ...Object.values(INDEXES).flatMap((x) => [x.pk, x.sk])]);

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/**
 * A cursor is the last key of the previous page. It comes back from a client,
 * so it must be a key of this table and of the partition being read.
 */
export function decodeCursor(
  cursor: string | undefined,
  partition?: string,
  expect: { readonly equal?: Record<string, string>; readonly prefix?: Record<string, string> } = {},
): Record<string, never> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const entries = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.entries(parsed) : [];
  const valid =
    entries.length > 0 &&
    entries.every(
      ([name, value]) =>
        KEY_ATTRIBUTES.has(name) &&
        value !== null &&
        typeof value === 'object' &&
        typeof (value as { S?: unknown }).S === 'string' &&
        ((value as { S: string }).S.length <= 1024) &&
        Object.keys(value).length === 1,
    ) &&
    (partition === undefined || (parsed as Record<string, { S: string }>)[PK]?.S === partition) &&
    Object.entries(expect.equal ?? {}).every(([name, value]) => (parsed as Record<string, { S: string }>)[name]?.S === value) &&
    Object.entries(expect.prefix ?? {}).every(([name, value]) => (parsed as Record<string, { S: string }>)[name]?.S.startsWith(value));
  if (!valid) throw new ValidationFailed('the cursor is not valid', [{ path: 'cursor', message: 'not a cursor this list returned' }]);
  return parsed as Record<string, never>;
}
