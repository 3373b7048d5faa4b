/**
 * 联户 in the table. A building's roster and its visits share one partition,
 * so a 联户长's page is one Query and a month's statistics of a building
 * another:
 *
 *   HOUSEHOLDS#<unitId>  HH#<id>                    a household
 *   HOUSEHOLDS#<unitId>  VISIT#<date>#<visitId>     a 走访 (date: China day)
 *   HH#<id>              HH                         where a household lives (its building), for routes by id
 *   NOTICE#<id>          EVT#0000000001             a 宣传 notice, with the pending-effects marker the relay delivers
 *   OPTOUT#<reporter key> OPTOUT                    a phone or openId that replied 退订
 *   AUDIT#HH#<id>        <at>|<user>                a household's phone shown in full (see audit.ts)
 */
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Household, NoticeKind, Visit } from '../domain/index.ts';
import { queryAll } from './query.ts';
import { PK, SK, eventSk } from './schema.ts';
import { dueShard } from './codec.ts';

export interface Notice {
  readonly id: string;
  readonly unitId: string;
  readonly kind: NoticeKind;
  /** What each household receives (the words and the 退订 line). */
  readonly text: string;
  readonly at: string;
  readonly by: string;
  readonly byName: string;
  /** The households it goes to, fixed when it was sent: a redelivery numbers them the same. */
  readonly householdIds: readonly string[];
  /** The body's hash, for the Idempotency-Key. */
  readonly hash: string;
}

const rosterPk = (unitId: string) => `HOUSEHOLDS#${unitId}`;
const strip = ({ [PK]: _pk, [SK]: _sk, fx: _fx, fxPk: _fxPk, fxSk: _fxSk, ...rest }: Record<string, unknown>) => rest;
/** BatchWriteItem takes 25 requests. */
const BATCH = 25;

export class HouseholdStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** One building's households, and its visits from `since` (a China date) on. */
  async roster(unitId: string, since?: string): Promise<{ households: Household[]; visits: Visit[] }> {
    const query = (prefix: string, from?: string) =>
      queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: from ? '#pk = :pk AND #sk BETWEEN :from AND :to' : '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: marshall(from ? { ':pk': rosterPk(unitId), ':from': `${prefix}${from}`, ':to': `${prefix}~` } : { ':pk': rosterPk(unitId), ':prefix': prefix }),
      });
    const [households, visits] = await Promise.all([query('HH#'), since === undefined ? [] : query('VISIT#', since)]);
    return { households: households.map((i) => strip(i) as unknown as Household), visits: visits.map((i) => strip(i) as unknown as Visit) };
  }

  /** A household by id (its pointer, then the item), or undefined. */
  async get(id: string): Promise<Household | undefined> {
    const pointer = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: `HH#${id}`, [SK]: 'HH' }), ConsistentRead: true }));
    const unitId = pointer.Item ? (unmarshall(pointer.Item).unitId as string) : undefined;
    if (unitId === undefined) return undefined;
    const item = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: rosterPk(unitId), [SK]: `HH#${id}` }), ConsistentRead: true }));
    return item.Item ? (strip(unmarshall(item.Item)) as unknown as Household) : undefined;
  }

  /** Where households live now (their pointers), for an import to tell new from moved. */
  async buildingsOf(ids: readonly string[]): Promise<Map<string, string>> {
    const found = await Promise.all(
      ids.map(async (id) => {
        const pointer = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: `HH#${id}`, [SK]: 'HH' }), ConsistentRead: true }));
        return pointer.Item ? ([id, unmarshall(pointer.Item).unitId as string] as const) : undefined;
      }),
    );
    return new Map(found.filter((f): f is readonly [string, string] => f !== undefined));
  }

  /**
   * Write households: each pointer, then the household. A crash between the
   * two leaves a pointer to an item not yet there, which the same import
   * written again completes (both writes are puts of the same values).
   */
  async putMany(households: readonly Household[]): Promise<void> {
    const requests: WriteRequest[] = households.flatMap((h) => [
      { PutRequest: { Item: marshall({ [PK]: `HH#${h.id}`, [SK]: 'HH', unitId: h.unitId }) } },
      { PutRequest: { Item: marshall({ [PK]: rosterPk(h.unitId), [SK]: `HH#${h.id}`, ...h }, { removeUndefinedValues: true }) } },
    ]);
    for (let i = 0; i < requests.length; i += BATCH) {
      let pending: WriteRequest[] | undefined = requests.slice(i, i + BATCH);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 6)));
        const result: BatchWriteItemCommandOutput = await this.db.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }));
        pending = result.UnprocessedItems?.[this.table];
      }
    }
  }

  /** A visit, once: false when one with its id (the same Idempotency-Key) is already there. */
  async addVisit(visit: Visit): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({ [PK]: rosterPk(visit.unitId), [SK]: `VISIT#${visit.date}#${visit.id}`, ...visit }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async visit(unitId: string, date: string, id: string): Promise<Visit | undefined> {
    const item = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: rosterPk(unitId), [SK]: `VISIT#${date}#${id}` }), ConsistentRead: true }));
    return item.Item ? (strip(unmarshall(item.Item)) as unknown as Visit) : undefined;
  }

  /** The case raised from a visit (set once; the same case again is a no-op). */
  async linkCase(visit: Pick<Visit, 'unitId' | 'date' | 'id'>, caseId: string): Promise<void> {
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: marshall({ [PK]: rosterPk(visit.unitId), [SK]: `VISIT#${visit.date}#${visit.id}` }),
        UpdateExpression: 'SET caseId = :id',
        ExpressionAttributeValues: marshall({ ':id': caseId }),
      }),
    );
  }

  /**
   * A notice, once, with the marker of its delivery (the relay sends it to
   * the notifier): false when its id is taken (the same Idempotency-Key).
   */
  async addNotice(notice: Notice): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({
            [PK]: `NOTICE#${notice.id}`,
            [SK]: eventSk(1),
            ...notice,
            fx: ['notify'],
            fxPk: `FX#${dueShard(notice.id)}`,
            fxSk: `${notice.at}|NOTICE#${notice.id}|${eventSk(1)}`,
          }),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async notice(id: string): Promise<Notice | undefined> {
    const item = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: `NOTICE#${id}`, [SK]: eventSk(1) }), ConsistentRead: true }));
    return item.Item ? (strip(unmarshall(item.Item)) as unknown as Notice) : undefined;
  }

  /** 退订: the person behind a reporter key wants no more notices (replying again changes nothing). */
  async optOut(key: string, at: string): Promise<void> {
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: marshall({ [PK]: `OPTOUT#${key}`, [SK]: 'OPTOUT', at }) }));
  }

  async optedOut(key: string): Promise<boolean> {
    const item = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: `OPTOUT#${key}`, [SK]: 'OPTOUT' }), ConsistentRead: true }));
    return item.Item !== undefined;
  }
}
