/**
 * Statistics counters (shared/domain/stats.ts `CounterRow`): one item per
 * (unit, China day), kept by the relay from the cases as they change, so a
 * unit's figures over a year are one Query of ≤ 366 items per unit read.
 *
 *   STATS#<unitId>  <yyyy-mm-dd>   the counters (`sub:…`, `own:…`), a few tokens, a fence
 *   COUNTED#<id>    COUNTED        what the case is counted as: its version and rows, an intent
 *
 * Without transactions (dynalite has none), a count is made exactly-once in
 * three writes' worth of steps: the case's COUNTED record takes an intent (the
 * new rows, n one more than the last) on the state it read; each row gets the
 * delta from the committed rows to the new ones with a token `c:<caseId>` = n,
 * on the condition its token for the case is below n; then the record commits
 * the intent. A count cut short anywhere is finished by the next one (a
 * redelivery, the sweeper's relay pass, a statistics read), which applies only
 * the rows whose token is below n, and two counts of a case at once agree. A
 * count that changes no counter (a 公开答复) only moves the record's version:
 * one write, on the condition that nothing is pending and the version is older.
 *
 * The tokens do not stay: a row keeps a case's token only until the count is
 * committed, so a row holds a few tokens, not one per case of its day (which
 * made a busy day's county row ~25 bytes × its cases, every write of it billed
 * on that size). A write that finds more than TOKENS_KEPT other cases' tokens
 * on a row clears those whose COUNTED record has committed past them, and
 * moves the row's fence. A late writer cannot then add an intent again: every
 * row write is conditional on the fence read before the writer saw its intent
 * still pending (its own intent write, or a read of the record), and a token is
 * cleared only after its intent is committed, which never becomes pending again
 * — so either the writer saw the token, or it saw the intent done, or the fence
 * moved under it and it reads the row again.
 *
 * Why not fewer, larger items (a township's day holding every unit under it,
 * one write per count): DynamoDB bills a write on the whole item, and a busy
 * township's day holds tens of units — more units billed per count than the
 * ~4 rows written here. Why not TransactWriteItems (DynamoDB, not dynalite):
 * it bills each item twice, so a count of 3 rows costs 8 units against 5 here.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { OWN, SUB, contribution, counterDelta, counterRowsOf, type CaseState, type CounterRow, type UnitTree } from '../domain/index.ts';
import { queryAll } from './query.ts';
import { PK, SK } from './schema.ts';

interface Intent {
  readonly n: number;
  readonly version: number;
  readonly rows: readonly CounterRow[];
}

/**
 * Rows as the COUNTED record keeps them: `counterRowsOf`'s shape — the unit where the case arose with
 * its `sub:` and `own:` counters, the units above with the `sub:` ones — is the bucket once and the
 * units above (a fifth of the bytes, and each count of the case rewrites the record twice). Rows of
 * another shape are kept as they are.
 */
type StoredRows = readonly CounterRow[] | { readonly unitId: string; readonly day: string; readonly counts: Record<string, number>; readonly above: readonly string[] };

function storedRows(rows: readonly CounterRow[]): StoredRows {
  const [first, ...above] = rows;
  if (!first) return rows;
  const counts = Object.fromEntries(Object.entries(first.counts).filter(([k]) => k.startsWith(OWN)).map(([k, v]) => [k.slice(OWN.length), v]));
  const compact = { unitId: first.unitId, day: first.day, counts, above: above.map((r) => r.unitId) };
  return sameRowsInOrder(rowsOf(compact), rows) ? compact : rows;
}

function rowsOf(stored: StoredRows): CounterRow[] {
  if (Array.isArray(stored)) return stored as CounterRow[];
  const { unitId, day, counts, above } = stored as Exclude<StoredRows, readonly CounterRow[]>;
  const prefixed = (prefix: string) => Object.fromEntries(Object.entries(counts).map(([k, v]) => [prefix + k, v]));
  return [{ unitId, day, counts: { ...prefixed(SUB), ...prefixed(OWN) } }, ...above.map((id) => ({ unitId: id, day, counts: prefixed(SUB) }))];
}

/** Same rows, whatever the order of rows and counters. */
const sameRows = (a: readonly CounterRow[], b: readonly CounterRow[]) => counterDelta(a, b).length === 0;

const sameRowsInOrder = (a: readonly CounterRow[], b: readonly CounterRow[]) =>
  a.length === b.length && a.every((r, i) => r.unitId === b[i]?.unitId && r.day === b[i]?.day && sameRows([r], [b[i] as CounterRow]));

/** An intent as stored: its rows compact (the delta is made again from the committed rows, which it was made from). */
const storedIntent = (intent: Intent) => JSON.stringify({ n: intent.n, version: intent.version, rows: storedRows(intent.rows) });

export interface Counted {
  readonly version: number;
  readonly n: number;
  readonly rows: readonly CounterRow[];
  readonly intent?: Intent;
}

/** An intent as read: older records carry their delta too, which is the one made again from the committed rows. */
const intentOf = (stored: { n: number; version: number; rows: StoredRows }): Intent => ({ n: stored.n, version: stored.version, rows: rowsOf(stored.rows) });

const countedKey = (id: string) => ({ [PK]: `COUNTED#${id}`, [SK]: 'COUNTED' });
const rowKey = (unitId: string, day: string) => ({ [PK]: `STATS#${unitId}`, [SK]: day });
const rowKeyOf = (row: { unitId: string; day: string }) => `${row.unitId}|${row.day}`;
const TOKEN = 'c:';
const token = (caseId: string) => `${TOKEN}${caseId}`;
const FENCE = 'fence';
const ATTEMPTS = 8;
/** Other cases' tokens a row may keep before a write clears the committed ones (a clearing moves the fence, which sends writers in flight on the row back to read it). */
const TOKENS_KEPT = 8;
/** Tokens cleared by one write at most (a row from before the clearing kept one per case of its day). */
const TOKENS_CLEARED = 24;
/** DynamoDB's limit on the keys of one BatchGetItem. */
const BATCH_GET_KEYS = 100;

/** A row as a writer saw it: its fence, and the count each case's token names. */
interface RowSeen {
  readonly fence: number;
  readonly tokens: ReadonlyMap<string, number>;
}

/** The intent was committed or replaced by another count while this one was applying it. */
class NoLongerPending extends Error {}

export class StatCounters {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  /**
   * Make the counters count `state` where `units` puts its origin: the rows it
   * was counted in lose its old contribution and the rows it is in now gain
   * its new one. Does nothing if it is counted so already or at a later version.
   */
  async count(state: CaseState, units: UnitTree): Promise<void> {
    const rows = counterRowsOf(contribution(state), units);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      let counted = await this.counted(state.id);
      if (counted.intent) {
        counted = await this.finish(state.id, counted, counted.intent);
        // Another count's intent came in meanwhile: finish that one first.
        if (counted.intent) continue;
      }
      if (counted.version > state.version || (counted.version === state.version && sameRows(counted.rows, rows))) return;
      const delta = counterDelta(counted.rows, rows);
      const unchanged = delta.length === 0;
      const intent: Intent = { n: counted.n + 1, version: state.version, rows };
      // Read before the intent is written: its condition is this count's proof that the intent was not committed yet.
      const seen = unchanged ? new Map<string, RowSeen>() : await this.seen(delta);
      const first = counted.n === 0 ? 'attribute_not_exists(#n)' : '#n = :n';
      try {
        await this.db.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: marshall(countedKey(state.id)),
            // No counter changes: the version alone moves, so an older state read before cannot be counted after this one.
            UpdateExpression: unchanged ? 'SET #version = :version' : 'SET #intent = :intent, #in = :in',
            ConditionExpression: `${first} AND attribute_not_exists(#in) AND (attribute_not_exists(#version) OR #version ${unchanged ? '<' : '<='} :version)`,
            ExpressionAttributeNames: { '#in': 'intentN', '#n': 'n', '#version': 'version', ...(unchanged ? {} : { '#intent': 'intent' }) },
            ExpressionAttributeValues: marshall({
              ':version': state.version,
              ...(unchanged ? {} : { ':intent': storedIntent(intent), ':in': intent.n }),
              ...(counted.n === 0 ? {} : { ':n': counted.n }),
            }),
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) continue;
        throw error;
      }
      if (!unchanged) await this.apply(state.id, intent, delta, seen);
      return;
    }
    throw new Error(`case ${state.id}: counting kept conflicting with other counts`);
  }

  /** What a case is counted as (its last committed count; an intent not yet committed). */
  async counted(id: string): Promise<Counted> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall(countedKey(id)), ConsistentRead: true }));
    return result.Item ? countedOf(unmarshall(result.Item)) : { version: 0, n: 0, rows: [] };
  }

  /** The rows of a unit for the China days [from, to]. */
  async rows(unitId: string, from: string, to: string): Promise<CounterRow[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: marshall({ ':pk': `STATS#${unitId}`, ':from': from, ':to': to }),
    });
    return items.map((item) => {
      const counts: Record<string, number> = {};
      for (const key in item) if (key.startsWith(SUB) || key.startsWith(OWN)) counts[key] = item[key] as number;
      return { unitId, day: String(item[SK]), counts };
    });
  }

  /** Finish an intent found pending (its count was cut short, or runs now): the fences are read first, then the intent checked still pending. */
  private async finish(caseId: string, committed: Counted, intent: Intent): Promise<Counted> {
    const delta = counterDelta(committed.rows, intent.rows);
    const seen = await this.seen(delta);
    const now = await this.counted(caseId);
    if (now.intent?.n !== intent.n) return now;
    return this.apply(caseId, intent, delta, seen);
  }

  /**
   * Apply an intent's delta to the rows that lack its token, then commit it. The delta is made from the
   * committed rows the intent was written on (its condition held them still), so it is the same each
   * time; `seen` holds each row as read before the intent was known to be pending.
   */
  private async apply(caseId: string, intent: Intent, delta: readonly CounterRow[], seen: ReadonlyMap<string, RowSeen>): Promise<Counted> {
    // Every row's write settles before this returns or throws: none is left running after a failure.
    const applied = await Promise.allSettled(delta.map((row) => this.applyRow(caseId, intent.n, row, seen.get(rowKeyOf(row)) ?? { fence: 0, tokens: new Map() })));
    if (applied.some((r) => r.status === 'rejected' && r.reason instanceof NoLongerPending)) return this.counted(caseId);
    const failed = applied.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall(countedKey(caseId)),
          UpdateExpression: 'SET #version = :version, #n = :n, #rows = :rows REMOVE #intent, #in',
          ConditionExpression: '#in = :n',
          ExpressionAttributeNames: { '#version': 'version', '#n': 'n', '#rows': 'rows', '#intent': 'intent', '#in': 'intentN' },
          ExpressionAttributeValues: marshall({ ':version': intent.version, ':n': intent.n, ':rows': JSON.stringify(storedRows(intent.rows)) }),
        }),
      );
    } catch (error) {
      // Another count of the case committed it first.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return this.counted(caseId);
    }
    return { version: intent.version, n: intent.n, rows: intent.rows };
  }

  /** Add intent n's counts to one row unless it has them; a moved fence or a token another writer set sends it back to read the row. */
  private async applyRow(caseId: string, n: number, row: CounterRow, first: RowSeen): Promise<void> {
    let seen = first;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if ((seen.tokens.get(caseId) ?? 0) >= n) return;
      try {
        await this.writeRow(caseId, n, row, seen);
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      seen = await this.rowSeen(row, true);
      // The fence is read again first, then the intent checked: only then may the row be written on it.
      if ((seen.tokens.get(caseId) ?? 0) < n && (await this.counted(caseId)).intent?.n !== n) throw new NoLongerPending();
    }
    throw new Error(`case ${caseId}: the row of ${row.unitId} on ${row.day} kept changing under its count`);
  }

  private async writeRow(caseId: string, n: number, row: CounterRow, seen: RowSeen): Promise<void> {
    const counters = Object.entries(row.counts);
    const cleared = await this.clearable(caseId, seen);
    const names: Record<string, string> = { '#tok': token(caseId), '#fence': FENCE };
    const values: Record<string, unknown> = { ':n': n };
    counters.forEach(([k, v], i) => {
      names[`#c${i}`] = k;
      values[`:c${i}`] = v;
    });
    cleared.forEach(([id, m], i) => {
      names[`#t${i}`] = token(id);
      values[`:t${i}`] = m;
    });
    const conditions = ['(attribute_not_exists(#tok) OR #tok < :n)', seen.fence === 0 ? 'attribute_not_exists(#fence)' : '#fence = :fence', ...cleared.map((_, i) => `#t${i} = :t${i}`)];
    if (seen.fence !== 0) values[':fence'] = seen.fence;
    if (cleared.length > 0) values[':moved'] = seen.fence + 1;
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: marshall(rowKey(row.unitId, row.day)),
        UpdateExpression: [
          `SET #tok = :n${cleared.length > 0 ? ', #fence = :moved' : ''}`,
          `ADD ${counters.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
          ...(cleared.length > 0 ? [`REMOVE ${cleared.map((_, i) => `#t${i}`).join(', ')}`] : []),
        ].join(' '),
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshall(values),
      }),
    );
  }

  /** Other cases' tokens on a row that may go: only past TOKENS_KEPT, and only those whose count is committed (their COUNTED record at or past it). */
  private async clearable(caseId: string, seen: RowSeen): Promise<[string, number][]> {
    const others = [...seen.tokens].filter(([id]) => id !== caseId);
    if (others.length <= TOKENS_KEPT) return [];
    const candidates = others.slice(0, TOKENS_CLEARED);
    const records = await this.countedMany(candidates.map(([id]) => id));
    return candidates.filter(([id, m]) => (records.get(id)?.n ?? 0) >= m);
  }

  /** The COUNTED records of these cases, strongly read; a case never counted has none, nor one still unprocessed after ATTEMPTS rounds. */
  async countedMany(ids: readonly string[]): Promise<Map<string, Counted>> {
    const records = new Map<string, Counted>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) await this.readCounted(unique.slice(i, i + BATCH_GET_KEYS), records);
    return records;
  }

  private async readCounted(ids: readonly string[], records: Map<string, Counted>): Promise<void> {
    let keys: Record<string, AttributeValue>[] | undefined = ids.map((id) => marshall(countedKey(id)));
    for (let round = 0; keys && keys.length > 0 && round < ATTEMPTS; round++) {
      const result: BatchGetItemCommandOutput = await this.db.send(new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
      for (const raw of result.Responses?.[this.table] ?? []) {
        const item = unmarshall(raw);
        records.set(String(item[PK]).slice('COUNTED#'.length), countedOf(item));
      }
      keys = result.UnprocessedKeys?.[this.table]?.Keys;
    }
  }

  /** The rows of a delta as they were a moment ago. */
  private async seen(delta: readonly CounterRow[]): Promise<Map<string, RowSeen>> {
    return new Map(await Promise.all(delta.map(async (row) => [rowKeyOf(row), await this.rowSeen(row)] as const)));
  }

  /**
   * A row as it was at some moment before now: eventually consistent (half the read units) is enough,
   * since the writes' conditions are checked on the row as it is — an older fence only fails and
   * reads again, and a token seen was set by a write that happened. After a write failed, strongly
   * (a replica behind would fail it again).
   */
  private async rowSeen(row: { unitId: string; day: string }, consistent = false): Promise<RowSeen> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall(rowKey(row.unitId, row.day)), ConsistentRead: consistent }));
    const item = result.Item ? unmarshall(result.Item) : {};
    const tokens = new Map(Object.entries(item).flatMap(([k, v]) => (k.startsWith(TOKEN) ? [[k.slice(TOKEN.length), Number(v)] as const] : [])));
    return { fence: Number(item[FENCE] ?? 0), tokens };
  }
}

function countedOf(item: Record<string, unknown>): Counted {
  return {
    version: Number(item.version ?? 0),
    n: Number(item.n ?? 0),
    rows: typeof item.rows === 'string' ? rowsOf(JSON.parse(item.rows) as StoredRows) : [],
    ...(typeof item.intent === 'string' ? { intent: intentOf(JSON.parse(item.intent) as { n: number; version: number; rows: StoredRows }) } : {}),
  };
}
