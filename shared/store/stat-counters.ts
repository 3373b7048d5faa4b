/**
 * Statistics counters (shared/domain/stats.ts `CounterRow`): one item per
 * (unit, China day), kept by the relay from the cases as they change, so a
 * unit's figures over a year are one Query of ≤ 366 items.
 *
 *   STATS#<unitId>  <yyyy-mm-dd>   the counters (`sub:…`, `own:…`)
 *   COUNTED#<id>    COUNTED        what the case is counted as: its version and rows
 *
 * Without transactions (dynalite has none), a count is made idempotent in
 * two steps: the case's COUNTED record takes an intent (the new rows and a
 * number n one more than the last) on the state it read; each row gets the
 * delta from the committed rows to the new ones with a token `c:<caseId>` = n, on the condition its token
 * for the case is below n; then the record commits the intent. A count cut
 * short anywhere is finished by the next one (a redelivery, the sweeper's
 * relay pass, a statistics read), which applies only the rows whose token is
 * below n — so no row adds an intent twice, however late a retry arrives,
 * and two counts of a case at once agree. The tokens stay (one per case a
 * row counts, ~25 bytes): taking them away could let a late retry in again.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
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

const sameRowsInOrder = (a: readonly CounterRow[], b: readonly CounterRow[]) =>
  a.length === b.length && a.every((r, i) => r.unitId === b[i]?.unitId && r.day === b[i]?.day && sameRows([r], [b[i] as CounterRow]));

/** An intent as stored: its rows compact (the delta is made again from the committed rows, which it was made from). */
const storedIntent = (intent: Intent) => JSON.stringify({ n: intent.n, version: intent.version, rows: storedRows(intent.rows) });

interface Counted {
  readonly version: number;
  readonly n: number;
  readonly rows: readonly CounterRow[];
  readonly intent?: Intent;
}

/** An intent as read: older records carry their delta too, which is the one made again from the committed rows. */
const intentOf = (stored: { n: number; version: number; rows: StoredRows }): Intent => ({ n: stored.n, version: stored.version, rows: rowsOf(stored.rows) });

const countedKey = (id: string) => ({ [PK]: `COUNTED#${id}`, [SK]: 'COUNTED' });
const rowKey = (unitId: string, day: string) => ({ [PK]: `STATS#${unitId}`, [SK]: day });
const token = (caseId: string) => `c:${caseId}`;
const ATTEMPTS = 8;

/** Same rows, whatever the order of rows and counters. */
const sameRows = (a: readonly CounterRow[], b: readonly CounterRow[]) => counterDelta(a, b).length === 0;

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
      if (counted.intent) counted = await this.finish(state.id, counted, counted.intent);
      if (!counted || counted.version > state.version || (counted.version === state.version && sameRows(counted.rows, rows))) return;
      const intent: Intent = { n: counted.n + 1, version: state.version, rows };
      try {
        await this.db.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: marshall(countedKey(state.id)),
            UpdateExpression: 'SET #intent = :intent, #in = :in',
            ConditionExpression: counted.n === 0 ? 'attribute_not_exists(#n) AND attribute_not_exists(#in)' : '#n = :n AND attribute_not_exists(#in)',
            ExpressionAttributeNames: { '#intent': 'intent', '#in': 'intentN', '#n': 'n' },
            ExpressionAttributeValues: marshall({ ':intent': storedIntent(intent), ':in': intent.n, ...(counted.n === 0 ? {} : { ':n': counted.n }) }),
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) continue;
        throw error;
      }
      await this.finish(state.id, counted, intent);
      return;
    }
    throw new Error(`case ${state.id}: counting kept conflicting with other counts`);
  }

  /** What a case is counted as (its last committed count; an intent not yet committed). */
  async counted(id: string): Promise<Counted> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall(countedKey(id)), ConsistentRead: true }));
    if (!result.Item) return { version: 0, n: 0, rows: [] };
    const item = unmarshall(result.Item);
    return {
      version: Number(item.version ?? 0),
      n: Number(item.n ?? 0),
      rows: typeof item.rows === 'string' ? rowsOf(JSON.parse(item.rows) as StoredRows) : [],
      ...(typeof item.intent === 'string' ? { intent: intentOf(JSON.parse(item.intent) as { n: number; version: number; rows: StoredRows }) } : {}),
    };
  }

  /** The rows of a unit for the China days [from, to]. */
  async rows(unitId: string, from: string, to: string): Promise<CounterRow[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: marshall({ ':pk': `STATS#${unitId}`, ':from': from, ':to': to }),
    });
    return items.map((item) => ({
      unitId,
      day: String(item[SK]),
      counts: Object.fromEntries(Object.entries(item).filter(([k]) => k.startsWith('sub:') || k.startsWith('own:')) as [string, number][]),
    }));
  }

  /**
   * Apply an intent's rows that lack its token and commit it. `committed` is the record the intent
   * was written on (its condition held the committed count still), so the delta is the same each time.
   */
  private async finish(caseId: string, committed: Counted, intent: Intent): Promise<Counted> {
    const names = { '#tok': token(caseId) };
    // Every row's write settles before this returns or throws: none is left running after a failure.
    const applied = await Promise.allSettled(
      counterDelta(committed.rows, intent.rows).map(async (row) => {
        const counters = Object.entries(row.counts);
        try {
          await this.db.send(
            new UpdateItemCommand({
              TableName: this.table,
              Key: marshall(rowKey(row.unitId, row.day)),
              UpdateExpression: `SET #tok = :n ADD ${counters.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
              ConditionExpression: 'attribute_not_exists(#tok) OR #tok < :n',
              ExpressionAttributeNames: { ...names, ...Object.fromEntries(counters.map(([k], i) => [`#c${i}`, k])) },
              ExpressionAttributeValues: marshall({ ':n': intent.n, ...Object.fromEntries(counters.map(([, v], i) => [`:c${i}`, v])) }),
            }),
          );
        } catch (error) {
          // The row has this intent already (an earlier attempt got this far).
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }),
    );
    const failed = applied.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const done: Counted = { version: intent.version, n: intent.n, rows: intent.rows };
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
    return done;
  }
}
