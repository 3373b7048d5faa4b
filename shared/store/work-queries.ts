/**
 * The work queue (我的待办's tabs and their counts), the officers' watch list,
 * and keyword search: every one a Query on an index made for it (schema.ts),
 * bounded and paged — never a Scan. Each Query reads only what the tab can
 * show: a unit's open cases, the cases another unit awaits, a township's risk
 * and overdue cases, the words of the months searched.
 */
import { QueryCommand, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ValidationFailed, deadlineMarks, type AwaitedFor, type WorkTab } from '../domain/index.ts';
import type { CapacityMeter, CaseStore, Page } from './case-store.ts';
import { decodeCursor, encodeCursor } from './case-store.ts';
import { monthsBetween } from './case-queries.ts';
import { searchable } from './codec.ts';
import { INDEXES, PK } from './schema.ts';

/** Index entries one request reads at most (a filtered page, or a count). */
export const MAX_READ = 2000;

const idOf = (item: Record<string, unknown>) => String(item[PK]).slice('CASE#'.length);
/** `<dueAt>|<id>` (with a one-letter prefix on the watch index): the deadline. */
const dueOf = (sk: unknown, prefixed = false) => {
  const due = String(sk).slice(prefixed ? 1 : 0).split('|')[0] ?? '~';
  return due === '~' ? undefined : due;
};

export interface TabCount {
  readonly tab: WorkTab;
  readonly count: number;
  readonly overdue: number;
  readonly nearDeadline: number;
  /** More entries than one request reads: the count is at least this. */
  readonly capped?: boolean;
}

/** Which awaited cases each awaited tab lists. */
const AWAITED_FOR: Readonly<Partial<Record<WorkTab, readonly AwaitedFor[]>>> = {
  approval: ['extension', 'return_decision'],
  follow_up: ['follow_up'],
};

interface Scope {
  readonly rootId: string;
  /** The user's unit path: the watch list keeps what lies under it. */
  readonly path: string;
}

export class WorkQueries {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    private readonly store: CaseStore,
    private readonly meter?: CapacityMeter,
  ) {}

  private async query(input: QueryCommandInput, label: string) {
    const result = await this.db.send(new QueryCommand({ ...input, TableName: this.table, ...(this.meter ? { ReturnConsumedCapacity: 'TOTAL' } : {}) }));
    this.meter?.record(label, result.ConsumedCapacity);
    return result;
  }

  /** Every entry of a Query (up to MAX_READ), unmarshalled. */
  private async all(input: QueryCommandInput, label: string): Promise<{ items: Record<string, unknown>[]; capped: boolean }> {
    const items: Record<string, unknown>[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const result = await this.query({ ...input, ExclusiveStartKey: start, Limit: Math.min(1000, MAX_READ - items.length) }, label);
      for (const raw of result.Items ?? []) items.push(unmarshall(raw));
      start = result.LastEvaluatedKey;
    } while (start && items.length < MAX_READ);
    return { items, capped: start !== undefined };
  }

  /**
   * One page of ids matching a filtered Query, in index order: reads pages
   * until `limit` match or MAX_READ entries were read; the cursor resumes
   * right after the last entry returned (or read).
   */
  private async page(input: QueryCommandInput, label: string, limit: number, cursor: string | undefined, expect: Parameters<typeof decodeCursor>[1]): Promise<{ ids: string[]; cursor?: string }> {
    const ids: string[] = [];
    let start = decodeCursor(cursor, expect) as QueryCommandInput['ExclusiveStartKey'];
    let read = 0;
    do {
      const result = await this.query({ ...input, ExclusiveStartKey: start, Limit: Math.min(limit * 4, 500) }, label);
      read += result.ScannedCount ?? 0;
      start = result.LastEvaluatedKey;
      for (const raw of result.Items ?? []) {
        ids.push(idOf(unmarshall(raw)));
        if (ids.length === limit) {
          // The next page resumes right after this entry: its table key and its index key.
          const index = Object.values(INDEXES).find((i) => i.name === input.IndexName);
          const keys = [PK, 'sk', ...(index ? [index.pk, index.sk] : [])];
          start = Object.fromEntries(keys.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]!]));
          return { ids, cursor: encodeCursor(start) };
        }
      }
    } while (start && read < MAX_READ);
    return { ids, cursor: encodeCursor(start) };
  }

  private async cases(page: { ids: string[]; cursor?: string }): Promise<Page<Awaited<ReturnType<CaseStore['getMany']>>[number]>> {
    return { items: await this.store.getMany(page.ids), cursor: page.cursor };
  }

  /** A tab of a unit's own queue (all its open cases when `tab` is undefined), nearest deadline first. */
  async ownTab(unitId: string, tab: WorkTab | undefined, limit: number, cursor?: string) {
    const pk = `Q#${unitId}`;
    const input: QueryCommandInput = {
      TableName: this.table,
      IndexName: INDEXES.queue.name,
      KeyConditionExpression: '#pk = :pk',
      ...(tab ? { FilterExpression: 'contains(#work, :tab)' } : {}),
      ExpressionAttributeNames: { '#pk': INDEXES.queue.pk, ...(tab ? { '#work': 'work' } : {}) },
      ExpressionAttributeValues: marshall({ ':pk': pk, ...(tab ? { ':tab': `|${tab}|` } : {}) }),
    };
    return this.cases(await this.page(input, `Query ${INDEXES.queue.name}`, limit, cursor, { index: INDEXES.queue, equal: { [INDEXES.queue.pk]: pk } }));
  }

  /** What a unit is awaited for (待我审批, 待回访), nearest deadline first. */
  async awaitedTab(unitId: string, tab: WorkTab, limit: number, cursor?: string) {
    const pk = `A#${unitId}`;
    const kinds = AWAITED_FOR[tab] ?? [];
    const values: Record<string, string> = { ':pk': pk };
    kinds.forEach((k, i) => (values[`:k${i}`] = k));
    const input: QueryCommandInput = {
      TableName: this.table,
      IndexName: INDEXES.awaiting.name,
      KeyConditionExpression: '#pk = :pk',
      FilterExpression: `#for IN (${kinds.map((_, i) => `:k${i}`).join(', ')})`,
      ExpressionAttributeNames: { '#pk': INDEXES.awaiting.pk, '#for': 'awaitFor' },
      ExpressionAttributeValues: marshall(values),
    };
    return this.cases(await this.page(input, `Query ${INDEXES.awaiting.name}`, limit, cursor, { index: INDEXES.awaiting, equal: { [INDEXES.awaiting.pk]: pk } }));
  }

  private watchInput(scope: Scope, range: { from: string; to?: string; prefix?: string }): QueryCommandInput {
    const underRoot = scope.path === `/${scope.rootId}/`;
    const values: Record<string, string> = { ':pk': `W#${scope.rootId}`, ...(underRoot ? {} : { ':path': scope.path }) };
    let condition: string;
    if (range.prefix !== undefined) {
      values[':prefix'] = range.prefix;
      condition = 'begins_with(#sk, :prefix)';
    } else {
      values[':from'] = range.from;
      values[':to'] = range.to ?? '';
      condition = '#sk BETWEEN :from AND :to';
    }
    return {
      TableName: this.table,
      IndexName: INDEXES.watch.name,
      KeyConditionExpression: `#pk = :pk AND ${condition}`,
      ...(underRoot ? {} : { FilterExpression: 'begins_with(#path, :path)' }),
      ExpressionAttributeNames: { '#pk': INDEXES.watch.pk, '#sk': INDEXES.watch.sk, ...(underRoot ? {} : { '#path': 'unitPath' }) },
      ExpressionAttributeValues: marshall(values),
    };
  }

  /** 超期件: open cases under the scope past their deadline — two exact key ranges (risk, then the rest), most overdue first. */
  private async overdueEntries(scope: Scope, now: Date) {
    const iso = now.toISOString();
    const [risk, rest] = await Promise.all(
      ['R', 'N'].map((p) => this.all(this.watchInput(scope, { from: p, to: `${p}${iso}` }), `Query ${INDEXES.watch.name} overdue`)),
    );
    const items = [...risk!.items, ...rest!.items].sort((a, b) => String(a.watchSk).slice(1).localeCompare(String(b.watchSk).slice(1)));
    return { items, capped: risk!.capped || rest!.capped };
  }

  /** 风险件 (paged by the key) or 超期件 (a small set: read whole, then paged by position). */
  async watchTab(scope: Scope, tab: 'risk' | 'overdue', now: Date, limit: number, cursor?: string) {
    if (tab === 'risk') {
      const input = this.watchInput(scope, { from: '', prefix: 'R' });
      return this.cases(await this.page(input, `Query ${INDEXES.watch.name} risk`, limit, cursor, { index: INDEXES.watch, equal: { [INDEXES.watch.pk]: `W#${scope.rootId}` } }));
    }
    const offset = cursor === undefined ? 0 : Number.parseInt(cursor, 10);
    if (!Number.isInteger(offset) || offset < 0 || (cursor !== undefined && String(offset) !== cursor)) {
      throw new ValidationFailed('the cursor is not valid', [{ path: 'cursor', message: 'not a cursor this list returned' }]);
    }
    const { items } = await this.overdueEntries(scope, now);
    const slice = items.slice(offset, offset + limit);
    return { items: await this.store.getMany(slice.map(idOf)), cursor: offset + limit < items.length ? String(offset + limit) : undefined };
  }

  /** The count of every tab the user has, with how many are overdue or 临期, from the indexes alone. */
  async counts(unitId: string, watch: Scope | undefined, now: Date): Promise<TabCount[]> {
    const tally = (tab: WorkTab, entries: { due?: string; start?: string }[], capped: boolean): TabCount => {
      let overdue = 0;
      let near = 0;
      for (const e of entries) {
        const m = deadlineMarks(e.due, e.start, now);
        if (m.overdue) overdue++;
        else if (m.nearDeadline) near++;
      }
      return { tab, count: entries.length, overdue, nearDeadline: near, ...(capped ? { capped } : {}) };
    };
    const [own, awaited] = await Promise.all([
      this.all(
        {
          TableName: this.table,
          IndexName: INDEXES.queue.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': INDEXES.queue.pk },
          ExpressionAttributeValues: marshall({ ':pk': `Q#${unitId}` }),
        },
        `Query ${INDEXES.queue.name} counts`,
      ),
      this.all(
        {
          TableName: this.table,
          IndexName: INDEXES.awaiting.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': INDEXES.awaiting.pk },
          ExpressionAttributeValues: marshall({ ':pk': `A#${unitId}` }),
        },
        `Query ${INDEXES.awaiting.name} counts`,
      ),
    ]);
    const ownEntries = own.items.map((i) => ({ work: String(i.work ?? ''), due: dueOf(i[INDEXES.queue.sk]), start: i.clockStart as string | undefined }));
    const awaitedEntries = awaited.items.map((i) => ({ for: i.awaitFor as AwaitedFor, due: dueOf(i[INDEXES.awaiting.sk]), start: i.awaitFrom as string | undefined }));
    const out: TabCount[] = [
      ...(['pending', 'in_progress'] as const).map((tab) => tally(tab, ownEntries.filter((e) => e.work.includes(`|${tab}|`)), own.capped)),
      ...(['approval', 'follow_up'] as const).map((tab) => tally(tab, awaitedEntries.filter((e) => (AWAITED_FOR[tab] ?? []).includes(e.for)), awaited.capped)),
      ...(['returned', 'reopened', 'supervised'] as const).map((tab) => tally(tab, ownEntries.filter((e) => e.work.includes(`|${tab}|`)), own.capped)),
    ];
    if (watch) {
      const [risk, overdue] = await Promise.all([
        this.all(this.watchInput(watch, { from: '', prefix: 'R' }), `Query ${INDEXES.watch.name} risk`),
        this.overdueEntries(watch, now),
      ]);
      const entries = (items: Record<string, unknown>[]) => items.map((i) => ({ due: dueOf(i[INDEXES.watch.sk], true), start: i.clockStart as string | undefined }));
      out.push(tally('risk', entries(risk.items), risk.capped), tally('overdue', entries(overdue.items), overdue.capped));
    }
    return out;
  }

  /** Every open case of a township under `scope.path` (the 红黄牌 board's "now"): deadline, clock start and unit path. */
  async openUnder(scope: Scope) {
    const [risk, rest] = await Promise.all(['R', 'N'].map((p) => this.all(this.watchInput(scope, { from: '', prefix: p }), `Query ${INDEXES.watch.name} board`)));
    return {
      capped: risk!.capped || rest!.capped,
      items: [...risk!.items, ...rest!.items].map((i) => ({
        id: idOf(i),
        unitPath: String(i.unitPath ?? ''),
        dueAt: dueOf(i[INDEXES.watch.sk], true),
        clockStart: i.clockStart as string | undefined,
        risk: String(i[INDEXES.watch.sk]).startsWith('R'),
      })),
    };
  }

  /**
   * Keyword search: the words of cases received in [from, to) under a
   * township, newest month first, each word a `contains` filter. A page stops
   * at `limit` matches or MAX_READ entries read; the cursor goes on from there
   * (month and key). The caller keeps the matches the user may read.
   */
  async search(rootId: string, words: readonly string[], from: string, to: string, limit: number, cursor?: string): Promise<{ ids: string[]; cursor?: string; read: number }> {
    const months = monthsBetween(from, to).reverse();
    let position: { m: string; k?: string } | undefined;
    if (cursor !== undefined) {
      try {
        position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { m: string; k?: string };
      } catch {
        position = undefined;
      }
      if (!position || typeof position.m !== 'string' || !months.includes(position.m)) {
        throw new ValidationFailed('the cursor is not valid', [{ path: 'cursor', message: 'not a cursor this list returned' }]);
      }
    }
    const names: Record<string, string> = { '#pk': INDEXES.search.pk, '#sk': INDEXES.search.sk, '#text': 'searchText' };
    const ids: string[] = [];
    let read = 0;
    for (const month of months.slice(position ? months.indexOf(position.m) : 0)) {
      const pk = `S#${rootId}#${month}`;
      let start = position?.m === month && position.k !== undefined ? (decodeCursor(position.k, { index: INDEXES.search, equal: { [INDEXES.search.pk]: pk } }) as QueryCommandInput['ExclusiveStartKey']) : undefined;
      position = undefined;
      do {
        const values: Record<string, string> = { ':pk': pk, ':from': from, ':to': to };
        words.forEach((w, i) => (values[`:w${i}`] = searchable(w)));
        const result = await this.query(
          {
            TableName: this.table,
            IndexName: INDEXES.search.name,
            // Keys are `<receivedAt>|<id>`: BETWEEN from AND to takes [from, to).
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            FilterExpression: words.map((_, i) => `contains(#text, :w${i})`).join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: marshall(values),
            ScanIndexForward: false,
            Limit: 200,
            ExclusiveStartKey: start,
          },
          `Query ${INDEXES.search.name}`,
        );
        read += result.ScannedCount ?? 0;
        start = result.LastEvaluatedKey;
        for (const raw of result.Items ?? []) {
          ids.push(idOf(unmarshall(raw)));
          if (ids.length === limit) {
            const key = { [PK]: raw[PK]!, sk: raw.sk!, [INDEXES.search.pk]: raw[INDEXES.search.pk]!, [INDEXES.search.sk]: raw[INDEXES.search.sk]! };
            return { ids, read, cursor: Buffer.from(JSON.stringify({ m: month, k: encodeCursor(key) })).toString('base64url') };
          }
        }
        if (read >= MAX_READ) {
          const next = start ? { m: month, k: encodeCursor(start) } : months[months.indexOf(month) + 1] !== undefined ? { m: months[months.indexOf(month) + 1]! } : undefined;
          return { ids, read, ...(next ? { cursor: Buffer.from(JSON.stringify(next)).toString('base64url') } : {}) };
        }
      } while (start);
    }
    return { ids, read };
  }
}
