/**
 * Fixed-window attempt limits (wrong 提取码 guesses, failed logins, codes sent
 * by SMS). One item per key and window; the TTL attribute lets DynamoDB drop
 * old windows in AWS, and nothing relies on it (an old window simply is not
 * read again).
 *
 * Atomic: an attempt is taken with one conditional write per rule that adds 1
 * only while the count is below the limit — the increment and the check are
 * the same write, so 100 parallel guesses against a limit of 5 let exactly 5
 * through and the rest are refused. An attempt that turns out right is given
 * back, so only wrong ones count.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { PK, SK } from './schema.ts';

export interface LimitRule {
  readonly scope: string;
  readonly max: number;
  readonly windowSeconds: number;
  /** Seconds the windows run ahead of UTC: a day counted from China's midnight is 8 h (28,800). */
  readonly offsetSeconds?: number;
}

export interface LimitCheck {
  readonly rule: LimitRule;
  readonly subject: string;
}

export class AttemptLimiter {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  private window(rule: LimitRule, now: Date): number {
    return Math.floor((now.getTime() / 1000 + (rule.offsetSeconds ?? 0)) / rule.windowSeconds);
  }

  private key(c: LimitCheck, now: Date) {
    return marshall({ [PK]: `LIMIT#${c.rule.scope}#${c.subject}#${this.window(c.rule, now)}`, [SK]: 'LIMIT' });
  }

  /** Seconds until `rule`'s window ends. */
  private waitFor(rule: LimitRule, now: Date): number {
    return Math.max(1, Math.ceil((this.window(rule, now) + 1) * rule.windowSeconds - (rule.offsetSeconds ?? 0) - now.getTime() / 1000));
  }

  /** Count one attempt under one rule, if it is below its limit: the increment and the check in one write. */
  private async takeOne(c: LimitCheck, now: Date): Promise<'refused' | 'first' | 'counted'> {
    try {
      const result = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(c, now),
          UpdateExpression: 'ADD #count :one SET #ttl = if_not_exists(#ttl, :ttl)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
          ExpressionAttributeNames: { '#count': 'count', '#ttl': 'expiresAt' },
          ExpressionAttributeValues: marshall({ ':one': 1, ':max': c.rule.max, ':ttl': Math.floor(now.getTime() / 1000) + 2 * c.rule.windowSeconds }),
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return result.Attributes?.count === undefined ? 'first' : 'counted';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'refused';
      throw error;
    }
  }

  /** Undo one attempt: the window's item goes again if this attempt made it and none came since, else its count drops by one. */
  private async giveBackOne(c: LimitCheck, now: Date, first: boolean): Promise<void> {
    const names = { '#count': 'count' };
    try {
      if (first) {
        await this.db.send(
          new DeleteItemCommand({ TableName: this.table, Key: this.key(c, now), ConditionExpression: '#count = :one', ExpressionAttributeNames: names, ExpressionAttributeValues: marshall({ ':one': 1 }) }),
        );
        return;
      }
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(c, now),
          UpdateExpression: 'ADD #count :minus',
          ConditionExpression: '#count > :zero',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall({ ':minus': -1, ':zero': 0 }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Take one attempt under every rule. `wait` is 0 when all allowed it;
   * otherwise the seconds to wait, and the attempts taken under the other
   * rules are already given back, so a refused request counts nowhere.
   * `giveBack` undoes an attempt that turned out right (the code matched, the
   * password was good): a right attempt with no wrong ones before it leaves
   * the table as it was.
   */
  async take(checks: readonly LimitCheck[], now: Date): Promise<Attempt> {
    const taken = await Promise.all(checks.map((c) => this.takeOne(c, now)));
    const giveBack = async () => {
      await Promise.all(checks.map((c, i) => (taken[i] === 'refused' ? undefined : this.giveBackOne(c, now, taken[i] === 'first'))));
    };
    if (!taken.includes('refused')) return { wait: 0, giveBack };
    await giveBack();
    return { wait: Math.max(...checks.filter((_, i) => taken[i] === 'refused').map((c) => this.waitFor(c.rule, now))), giveBack: async () => undefined };
  }
}

export interface Attempt {
  /** Seconds until the caller may try again; 0 when this attempt may go ahead. */
  readonly wait: number;
  readonly giveBack: () => Promise<void>;
}
