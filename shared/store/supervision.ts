/**
 * Units put under 督办 by a person (a township officer or a leader): a note
 * and the date by which the unit must put things right. One small partition
 * per deployment (a township has tens of orders, not thousands), read in one
 * Query; lifting an order keeps it, marked, as the record of what was asked.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { queryAll } from './query.ts';
import { PK, SK } from './schema.ts';

export interface UnitSupervisionOrder {
  readonly unitId: string;
  readonly rootId: string;
  readonly note: string;
  /** yyyy-mm-dd, China. */
  readonly until: string;
  readonly at: string;
  readonly by: string;
  readonly byName: string;
  readonly byUnitId: string;
  readonly liftedAt?: string;
  readonly liftedBy?: string;
}

export class UnitSupervision {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** The orders in force in a township. */
  async active(rootId: string): Promise<UnitSupervisionOrder[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: marshall({ ':pk': `SUPERVISION#${rootId}` }),
    });
    return items.map(({ [PK]: _pk, [SK]: _sk, ...rest }) => rest as unknown as UnitSupervisionOrder).filter((o) => o.liftedAt === undefined);
  }

  /** Put a unit under 督办 (a new order replaces the one in force). */
  async order(order: UnitSupervisionOrder): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall({ [PK]: `SUPERVISION#${order.rootId}`, [SK]: `UNIT#${order.unitId}`, ...order }, { removeUndefinedValues: true }),
      }),
    );
  }
}
