/**
 * Reply templates and message wordings (shared/domain/templates.ts): one
 * partition for the deployment (`TEMPLATES`, `TPL#<id>`), read whole — a few
 * phrases per unit, not millions — and kept a short while per process, so the
 * notifier reads it at most every 30 seconds rather than per message.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Template } from '../domain/index.ts';
import { queryAll } from './query.ts';
import { PK, SK } from './schema.ts';

const PARTITION = 'TEMPLATES';
const key = (id: string) => ({ [PK]: PARTITION, [SK]: `TPL#${id}` });

export class TemplateStore {
  private cache?: { value: Promise<Template[]>; until: number };

  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    private readonly ttlMs = 30_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Every template, at most ttlMs old. */
  all(): Promise<Template[]> {
    if (this.cache && this.cache.until > this.clock()) return this.cache.value;
    const value = this.read();
    this.cache = { value, until: this.clock() + this.ttlMs };
    value.catch(() => (this.cache = undefined));
    return value;
  }

  /** Every template as stored now (to base a change on). */
  async read(): Promise<Template[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: marshall({ ':pk': PARTITION }),
      ConsistentRead: true,
    });
    return items.map(({ [PK]: _pk, [SK]: _sk, ...rest }) => rest as unknown as Template);
  }

  /** Write a new template (`create`) or replace an existing one; false when it exists (create) or not (replace). */
  async put(template: Template, mode: 'create' | 'replace'): Promise<boolean> {
    return this.conditional(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({ ...key(template.id), ...template }, { removeUndefinedValues: true }),
          ConditionExpression: mode === 'create' ? 'attribute_not_exists(#pk)' : 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      ),
    );
  }

  /** False when there was no such template. */
  async delete(id: string): Promise<boolean> {
    return this.conditional(() =>
      this.db.send(new DeleteItemCommand({ TableName: this.table, Key: marshall(key(id)), ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } })),
    );
  }

  /** Forget the cached list (after a change in this process). */
  invalidate(): void {
    this.cache = undefined;
  }

  private async conditional(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      this.invalidate();
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
