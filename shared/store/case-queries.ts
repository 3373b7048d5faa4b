/**
 * The read side of the key design: a unit's queue, a subtree with filters,
 * and the cases created in a date range. Queries only — never a Scan.
 */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CaseState } from '../domain/index.ts';
import type { CaseStore, Page } from './case-store.ts';
import { decodeCursor, encodeCursor } from './case-store.ts';
import { lastUnitOf } from './codec.ts';
import { queryAll } from './query.ts';
import { INDEXES, PK } from './schema.ts';

export interface SubtreeFilter {
  readonly status?: readonly string[];
  readonly center?: string;
  readonly level?: string;
  readonly risk?: boolean;
  /** Open cases whose nearest deadline is before this instant. */
  readonly overdueAt?: string;
  readonly createdFrom?: string;
  readonly createdTo?: string;
}

/** A filtered page may read many index entries; this caps the work of one request. */
const MAX_READ_PER_PAGE = 2000;

const idOf = (item: Record<string, unknown>) => String(item[PK]).slice('CASE#'.length);

export class CaseQueries {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    private readonly store: CaseStore,
  ) {}

  /** A unit's open cases, nearest deadline first. */
  async queue(unitId: string, limit: number, cursor?: string): Promise<Page<CaseState>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEXES.queue.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': INDEXES.queue.pk },
        ExpressionAttributeValues: marshall({ ':pk': `Q#${unitId}` }),
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, { index: INDEXES.queue, equal: { [INDEXES.queue.pk]: `Q#${unitId}` } }),
      }),
    );
    const ids = (result.Items ?? []).map((i) => idOf(unmarshall(i)));
    return { items: await this.store.getMany(ids), cursor: encodeCursor(result.LastEvaluatedKey) };
  }

  /** Every case whose current unit lies under `unitPath`, newest first within each unit, filtered. */
  async subtree(rootId: string, unitPath: string, filter: SubtreeFilter, limit: number, cursor?: string): Promise<Page<CaseState>> {
    const names: Record<string, string> = { '#pk': INDEXES.subtree.pk, '#sk': INDEXES.subtree.sk };
    const values: Record<string, unknown> = { ':pk': `T#${rootId}`, ':path': unitPath };
    const conditions: string[] = [];
    if (filter.status?.length) {
      names['#status'] = 'status';
      conditions.push(`#status IN (${filter.status.map((s, i) => ((values[`:s${i}`] = s), `:s${i}`)).join(', ')})`);
    }
    if (filter.center) {
      names['#center'] = 'center';
      values[':center'] = filter.center;
      conditions.push('#center = :center');
    }
    if (filter.level) {
      names['#level'] = 'level';
      values[':level'] = filter.level;
      conditions.push('#level = :level');
    }
    if (filter.risk) {
      names['#risk'] = 'riskLevel';
      conditions.push('attribute_exists(#risk)');
    }
    if (filter.overdueAt) {
      names['#due'] = 'dueAt';
      names['#status'] = 'status';
      values[':now'] = filter.overdueAt;
      values[':pending'] = 'pending';
      values[':working'] = 'in_progress';
      conditions.push('#due < :now AND #status IN (:pending, :working)');
    }
    if (filter.createdFrom) {
      names['#created'] = 'createdAt';
      values[':from'] = filter.createdFrom;
      conditions.push('#created >= :from');
    }
    if (filter.createdTo) {
      names['#created'] = 'createdAt';
      values[':to'] = filter.createdTo;
      conditions.push('#created < :to');
    }
    const ids: string[] = [];
    let start = decodeCursor(cursor, {
      index: INDEXES.subtree,
      equal: { [INDEXES.subtree.pk]: `T#${rootId}` },
      prefix: { [INDEXES.subtree.sk]: unitPath },
    });
    let read = 0;
    page: do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEXES.subtree.name,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :path)',
          FilterExpression: conditions.length ? conditions.join(' AND ') : undefined,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values),
          ScanIndexForward: false,
          Limit: Math.min(limit * 4, 500),
          ExclusiveStartKey: start,
        }),
      );
      read += result.ScannedCount ?? 0;
      start = result.LastEvaluatedKey as Record<string, never> | undefined;
      for (const raw of result.Items ?? []) {
        ids.push(idOf(unmarshall(raw)));
        if (ids.length === limit) {
          // The next page resumes right after the last case this one returns.
          const { [PK]: pk, sk, [INDEXES.subtree.pk]: tpk, [INDEXES.subtree.sk]: tsk } = raw;
          start = { [PK]: pk, sk, [INDEXES.subtree.pk]: tpk, [INDEXES.subtree.sk]: tsk } as unknown as Record<string, never>;
          break page;
        }
      }
    } while (start && read < MAX_READ_PER_PAGE);
    return { items: await this.store.getMany(ids), cursor: encodeCursor(start) };
  }

  /**
   * Ids of the cases created in [from, to) under a root, oldest first: the
   * byMonth index, one Query per month touched. `originWithin` keeps those
   * whose origin unit (the last id of the projected originPath, which a move
   * never changes) it accepts — checked against the tree as it is now, so a
   * unit moved within the root takes its cases along at once. `limit` stops
   * reading once that many are found.
   */
  async createdBetween(
    rootId: string,
    from: string,
    to: string,
    options: { originWithin?: (unitId: string) => boolean; limit?: number } = {},
  ): Promise<string[]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const keep = options.originWithin;
    const ids: string[] = [];
    for (const month of monthsBetween(from, to)) {
      if (ids.length >= limit) break;
      // Keys are `<createdAt>|<id>`: BETWEEN from AND to takes [from, to).
      const items = await queryAll(
        this.db,
        {
          TableName: this.table,
          IndexName: INDEXES.month.name,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': INDEXES.month.pk, '#sk': INDEXES.month.sk },
          ExpressionAttributeValues: marshall({ ':pk': `M#${rootId}#${month}`, ':from': from, ':to': to }),
        },
        keep ? undefined : limit - ids.length,
      );
      for (const item of items) {
        if (keep && !keep(lastUnitOf(String(item.originPath ?? '')))) continue;
        ids.push(idOf(item));
      }
    }
    return ids.slice(0, limit);
  }
}

/** yyyy-mm of every month touched by [from, to). */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const end = to.slice(0, 7);
  for (let i = 0; i < 1200; i++) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > end) break;
    out.push(month);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}
