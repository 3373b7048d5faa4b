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
  UpdateItemCommand,
  type ConsumedCapacity,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ValidationFailed, VersionConflict, evolve, type CaseEvent, type CaseState } from '../domain/index.ts';
import {
  EMPTY_META,
  eventFromItem,
  eventItem,
  eventRowFromItem,
  nextMeta,
  rehydrate,
  stateFromItem,
  stateItem,
  textSources,
  type CodecContext,
  type EffectKind,
  type EventRow,
  type RequestRecord,
  type StateMeta,
  type TextRefs,
} from './codec.ts';
import { queryAll } from './query.ts';
import { INDEXES, PK, SK, STATE_SK, eventSk, type IndexDef } from './schema.ts';

export interface Loaded {
  /** The whole case: texts kept by reference are read back from their events. */
  readonly state: CaseState;
  readonly meta: StateMeta;
  /** STATE was missing or behind the log and has been rewritten. */
  readonly repaired: boolean;
  /** The newest event (read with STATE at no extra cost). */
  readonly last?: CaseEvent;
}

export interface CapacityMeter {
  record(operation: string, consumed: ConsumedCapacity | undefined): void;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly cursor?: string;
}

/** An event whose effects the relay has not delivered yet. */
export interface PendingEffects {
  /** The case's id, or the notice's when `subject` is `notice` (a 宣传 notice to households rides the same relay). */
  readonly caseId: string;
  readonly subject?: 'notice';
  readonly seq: number;
  readonly effects: readonly EffectKind[];
}

export interface AppendOptions {
  /** Recorded on the event item (a marker even when empty); the relay clears it once delivered. */
  readonly effects?: readonly EffectKind[];
  /** The request that caused the event, remembered for its Idempotency-Key. */
  readonly request?: RequestRecord;
  /** The status change it makes for a 12345 system (JSON), or null: kept so the callback worker need not fold the log. */
  readonly change?: string | null;
}

const BATCH_GET_LIMIT = 100;

/** What a marked item's keys name: a case's event, or a notice (NOTICE#<id>); undefined for anything else. */
export function pendingOfKeys(pk: string, sk: string, effects: readonly EffectKind[]): PendingEffects {
  const seq = Number(sk.slice('EVT#'.length));
  return pk.startsWith('NOTICE#') ? { caseId: pk.slice('NOTICE#'.length), subject: 'notice', seq, effects } : { caseId: pk.slice('CASE#'.length), seq, effects };
}

export class CaseStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    private readonly codec: () => Promise<CodecContext> | CodecContext,
    private readonly meter?: CapacityMeter,
  ) {}

  /** Asked only when metered (the bench): the table's and each index's units. */
  private get capacity() {
    return this.meter ? ('INDEXES' as const) : undefined;
  }

  /** The whole case, with STATE repaired if it lagged; undefined when no event exists. */
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
    const base = stored ? await this.rehydrate(stored.state, stored.meta.texts) : undefined;
    if (base && stored && (!lastEvent || Number(lastEvent.seq) <= version)) {
      const last = lastEvent && Number(lastEvent.seq) === version ? eventFromItem(lastEvent) : undefined;
      return { state: base, meta: stored.meta, repaired: false, ...(last ? { last } : {}) };
    }
    let state = base;
    let meta = stored?.meta ?? EMPTY_META;
    let last: CaseEvent | undefined;
    for (const row of await this.eventRowsAfter(id, version)) {
      state = evolve(state, row.event);
      meta = nextMeta(meta, row, state);
      last = row.event;
    }
    if (!state) return undefined;
    await this.putState(state, meta, stored ? version : undefined);
    return { state, meta, repaired: true, ...(last ? { last } : {}) };
  }

  /** Put the texts STATE keeps by reference back from their events (one BatchGet; none for most cases). */
  private async rehydrate(state: CaseState, texts: TextRefs): Promise<CaseState> {
    const seqs = textSources(texts);
    if (seqs.length === 0) return state;
    const rows = await this.batchGet(
      seqs.map((seq) => ({ [PK]: `CASE#${state.id}`, [SK]: eventSk(seq) })),
      { consistent: true, projection: ['event'] },
    );
    const events = new Map(rows.map((row) => eventFromItem(row)).map((event) => [event.seq, event]));
    return rehydrate(state, texts, events);
  }

  /**
   * Append one event decided against `previous` (undefined for a new case).
   * Throws VersionConflict when another writer took that version first.
   */
  async append(previous: Pick<Loaded, 'state' | 'meta'> | undefined, event: CaseEvent, options: AppendOptions = {}): Promise<Loaded> {
    const id = previous?.state.id ?? (event.type === 'received' ? event.data.id : undefined);
    if (id === undefined) throw new TypeError('the first event of a case must be received');
    const expected = previous?.state.version ?? 0;
    if (event.seq !== expected + 1) throw new TypeError(`event seq ${event.seq} does not follow version ${expected}`);
    const row: EventRow = {
      event,
      ...(options.request ? { request: options.request } : {}),
      ...(options.effects ? { effects: options.effects } : {}),
      ...(options.change !== undefined ? { change: options.change } : {}),
    };
    // The first event carries the case's words for keyword search (its township from the unit tree).
    const units = event.type === 'received' ? (await this.codec()).units : undefined;
    try {
      const put = await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(eventItem(id, row, units), { removeUndefinedValues: true }),
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
    const state = evolve(previous?.state, event);
    const meta = nextMeta(previous?.meta ?? EMPTY_META, row, state);
    await this.putState(state, meta, previous?.state.version);
    return { state, meta, repaired: false, last: event };
  }

  /**
   * The case right after event `seq`, and that event: from the projection when
   * it is the newest (the usual case: the relay runs right after the write),
   * else folded from the log.
   */
  async at(id: string, seq: number): Promise<{ state: CaseState; event: CaseEvent } | undefined> {
    const loaded = await this.load(id);
    if (loaded?.last && loaded.state.version === seq) return { state: loaded.state, event: loaded.last };
    const history = await this.eventsUpTo(id, seq);
    const state = history.reduce<CaseState | undefined>(evolve, undefined);
    const event = history.at(-1);
    return state && event && event.seq === seq ? { state, event } : undefined;
  }

  /** Events after `seq` with the status change each was written with (the callback worker's read). */
  async changesAfter(id: string, seq: number): Promise<EventRow[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: marshall({ ':pk': `CASE#${id}`, ':from': eventSk(seq + 1), ':to': 'EVT#~' }),
      ConsistentRead: true,
    });
    return items.map(eventRowFromItem);
  }

  /** Write STATE if it is still at `previous` (absent when undefined). Losing means someone else already moved it on. */
  private async putState(state: CaseState, meta: StateMeta, previous: number | undefined): Promise<void> {
    const item = stateItem(state, meta, await this.codec());
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

  /** One event as stored, with its request and undelivered effects. */
  async eventRow(id: string, seq: number): Promise<EventRow | undefined> {
    const result = await this.db.send(
      new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: `CASE#${id}`, [SK]: eventSk(seq) }), ConsistentRead: true }),
    );
    return result.Item ? eventRowFromItem(unmarshall(result.Item)) : undefined;
  }

  /** Events whose effects are still pending, from one shard of the sparse index, written at or before `until`. */
  async pendingEffects(shard: number, until: string, limit = 1000): Promise<PendingEffects[]> {
    const items = await queryAll(
      this.db,
      {
        TableName: this.table,
        IndexName: INDEXES.effects.name,
        KeyConditionExpression: '#pk = :pk AND #sk <= :until',
        ExpressionAttributeNames: { '#pk': INDEXES.effects.pk, '#sk': INDEXES.effects.sk },
        ExpressionAttributeValues: marshall({ ':pk': `FX#${shard}`, ':until': `${until}|~` }),
        Limit: Math.min(limit, 1000),
      },
      limit,
    );
    return items.slice(0, limit).map((item) => pendingOfKeys(String(item[PK]), String(item[SK]), Array.isArray(item.fx) ? (item.fx as EffectKind[]) : []));
  }

  /** The relay delivered an event's effects: its marker goes (and with it the index entry). */
  async clearEffects(id: string, seq: number, subject?: 'notice'): Promise<void> {
    try {
      const cleared = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall({ [PK]: `${subject === 'notice' ? 'NOTICE' : 'CASE'}#${id}`, [SK]: eventSk(seq) }),
          UpdateExpression: 'REMOVE #fx, #pk, #sk',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#fx': 'fx', '#pk': INDEXES.effects.pk, '#sk': INDEXES.effects.sk },
          ReturnConsumedCapacity: this.capacity,
        }),
      );
      this.meter?.record('UpdateItem effects', cleared.ConsumedCapacity);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async eventRowsAfter(id: string, seq: number): Promise<EventRow[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: marshall({ ':pk': `CASE#${id}`, ':from': eventSk(seq + 1), ':to': 'EVT#~' }),
      ConsistentRead: true,
    });
    return items.map(eventRowFromItem);
  }

  private async batchGet(
    keys: readonly Record<string, string>[],
    options: { consistent?: boolean; projection?: readonly string[] } = {},
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + BATCH_GET_LIMIT).map((k) => marshall(k));
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const names = options.projection?.map((_, n) => `#p${n}`);
        const result = await this.db.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.table]: {
                Keys: pending as never,
                ConsistentRead: options.consistent,
                ...(names && options.projection
                  ? {
                      ProjectionExpression: names.join(', '),
                      ExpressionAttributeNames: Object.fromEntries(names.map((n, k) => [n, options.projection![k]!])),
                    }
                  : {}),
              },
            },
          }),
        );
        for (const raw of result.Responses?.[this.table] ?? []) out.push(unmarshall(raw));
        pending = result.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return out;
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
        ExclusiveStartKey: decodeCursor(options.cursor, { equal: { [PK]: `CASE#${id}` } }),
        ConsistentRead: options.consistent ?? false,
      }),
    );
    return {
      items: (result.Items ?? []).map((i) => eventFromItem(unmarshall(i))),
      cursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  /**
   * STATE items by id, in the order asked, skipping missing ones. For lists
   * and timers: texts kept by reference are excerpts here (`load` has them whole).
   */
  async getMany(ids: readonly string[]): Promise<CaseState[]> {
    const unique = [...new Set(ids)];
    const rows = await this.batchGet(
      unique.map((id) => ({ [PK]: `CASE#${id}`, [SK]: STATE_SK })),
      { projection: ['state'] },
    );
    const found = new Map(rows.map((row) => stateFromItem(row).state).map((state) => [state.id, state]));
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  /** The versions of cases, by id (none for a case not found): the sweeper's check of what it already sent. */
  async versions(ids: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.batchGet(
      [...new Set(ids)].map((id) => ({ [PK]: `CASE#${id}`, [SK]: STATE_SK })),
      { projection: [PK, 'version'] },
    );
    return new Map(rows.map((row) => [String(row[PK]).slice('CASE#'.length), Number(row.version)]));
  }

  /**
   * `states` as getMany read them, each description whole again (from its `received` event where STATE keeps
   * an excerpt): for a list whose rows are the requests themselves, as Open311's GET requests is.
   */
  async withWholeDescriptions(states: readonly CaseState[]): Promise<CaseState[]> {
    const keys = [...new Set(states.map((s) => s.id))].map((id) => ({ [PK]: `CASE#${id}`, [SK]: STATE_SK }));
    const refs = (await this.batchGet(keys, { projection: [PK, 'texts'] })).flatMap((row) => {
      const seq = typeof row.texts === 'string' ? (JSON.parse(row.texts) as TextRefs).description : undefined;
      return seq === undefined ? [] : [{ [PK]: String(row[PK]), [SK]: eventSk(seq) }];
    });
    if (refs.length === 0) return [...states];
    const received = new Map((await this.batchGet(refs, { projection: [PK, 'event'] })).map((row) => [String(row[PK]), eventFromItem(row)]));
    return states.map((state) => {
      const event = received.get(`CASE#${state.id}`);
      return event ? rehydrate(state, { description: event.seq }, new Map([[event.seq, event]])) : state;
    });
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

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/**
 * A cursor is the last key of the previous page. It comes back from a client,
 * so it must be a whole key of what is being read — the table's key, plus the
 * index's when reading an index, and nothing else — in the partition being
 * read (`equal`) and within the range (`prefix`); anything else is a 400.
 */
export function decodeCursor(
  cursor: string | undefined,
  expect: { readonly index?: IndexDef; readonly equal?: Record<string, string>; readonly prefix?: Record<string, string> },
): Record<string, never> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const entries = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.entries(parsed) : [];
  const names = [PK, SK, ...(expect.index ? [expect.index.pk, expect.index.sk] : [])];
  const values = new Map(
    entries.flatMap(([name, value]) =>
      value !== null && typeof value === 'object' && Object.keys(value).length === 1 && typeof (value as { S?: unknown }).S === 'string'
        ? [[name, (value as { S: string }).S] as const]
        : [],
    ),
  );
  const valid =
    entries.length === names.length &&
    values.size === names.length &&
    names.every((name) => values.has(name) && (values.get(name) ?? '').length > 0 && (values.get(name) ?? '').length <= 1024) &&
    Object.entries(expect.equal ?? {}).every(([name, value]) => values.get(name) === value) &&
    Object.entries(expect.prefix ?? {}).every(([name, value]) => values.get(name)?.startsWith(value) === true);
  if (!valid) throw new ValidationFailed('the cursor is not valid', [{ path: 'cursor', message: 'not a cursor this list returned' }]);
  return parsed as Record<string, never>;
}
