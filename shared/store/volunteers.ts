/**
 * 双报到 registrations and the communities' service menus. Registrations are
 * one small partition per township (a township has hundreds of volunteers,
 * not millions: one Query lists them); each is keyed by an id derived from
 * its community and phone, so a registration sent twice is written once.
 * Menus are one partition for the deployment, read whole (a menu per
 * community at most).
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Registration, ServiceItem } from '../domain/index.ts';
import { queryAll } from './query.ts';
import { PK, SK } from './schema.ts';

const regKey = (rootId: string, id: string) => ({ [PK]: `VOLUNTEERS#${rootId}`, [SK]: `REG#${id}` });
const strip = ({ [PK]: _pk, [SK]: _sk, ...rest }: Record<string, unknown>) => rest;

export class VolunteerStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** Write a new registration unless one with its id exists; either way, the registration as stored. */
  async register(reg: Registration): Promise<{ registration: Registration; created: boolean }> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({ ...regKey(reg.rootId, reg.id), ...reg }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return { registration: reg, created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.registration(reg.rootId, reg.id);
      if (!existing) throw error;
      return { registration: existing, created: false };
    }
  }

  async registration(rootId: string, id: string): Promise<Registration | undefined> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.table, Key: marshall(regKey(rootId, id)), ConsistentRead: true }));
    return result.Item ? (strip(unmarshall(result.Item)) as unknown as Registration) : undefined;
  }

  /** Every registration of a township. */
  async registrations(rootId: string): Promise<Registration[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :reg)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: marshall({ ':pk': `VOLUNTEERS#${rootId}`, ':reg': 'REG#' }),
    });
    return items.map((i) => strip(i) as unknown as Registration);
  }

  /** Record a decision on a registration that is still pending (false: someone decided first). */
  async decide(reg: Registration): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({ ...regKey(reg.rootId, reg.id), ...reg }, { removeUndefinedValues: true }),
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':pending': 'pending' }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Every menu a unit keeps, by unit id. */
  async menus(): Promise<Map<string, readonly ServiceItem[]>> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: marshall({ ':pk': 'SERVICES' }),
    });
    return new Map(items.map((i) => [String(i.unitId), i.items as ServiceItem[]]));
  }

  async putMenu(unitId: string, items: readonly ServiceItem[], by: string, at: string): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall({ [PK]: 'SERVICES', [SK]: `UNIT#${unitId}`, unitId, items, by, at }, { removeUndefinedValues: true }),
      }),
    );
  }
}
