/**
 * Fixed-window failure counters (e.g. wrong 提取码 guesses). One item per key
 * and window; the TTL attribute lets DynamoDB drop old windows in AWS, and
 * nothing relies on it (an old window simply is not read again).
 */
import { BatchGetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { PK, SK } from './schema.ts';

export interface LimitRule {
  readonly scope: string;
  readonly max: number;
  readonly windowSeconds: number;
}

export class FailureLimiter {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  private key(rule: LimitRule, subject: string, now: Date) {
    const window = Math.floor(now.getTime() / 1000 / rule.windowSeconds);
    return { [PK]: `LIMIT#${rule.scope}#${subject}#${window}`, [SK]: 'LIMIT' };
  }

  /** Seconds until the caller may try again, or 0 when every rule still allows it. */
  async blockedFor(checks: readonly { rule: LimitRule; subject: string }[], now: Date): Promise<number> {
    const keys = checks.map((c) => this.key(c.rule, c.subject, now));
    const result = await this.db.send(
      new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys.map((k) => marshall(k)) } } }),
    );
    const counts = new Map((result.Responses?.[this.table] ?? []).map((raw) => {
      const item = unmarshall(raw);
      return [String(item[PK]), Number(item.count ?? 0)] as const;
    }));
    let wait = 0;
    checks.forEach((c, i) => {
      if ((counts.get(String(keys[i]?.[PK])) ?? 0) >= c.rule.max) {
        const windowEnd = (Math.floor(now.getTime() / 1000 / c.rule.windowSeconds) + 1) * c.rule.windowSeconds;
        wait = Math.max(wait, Math.ceil(windowEnd - now.getTime() / 1000));
      }
    });
    return wait;
  }

  async recordFailure(checks: readonly { rule: LimitRule; subject: string }[], now: Date): Promise<void> {
    await Promise.all(
      checks.map((c) =>
        this.db.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: marshall(this.key(c.rule, c.subject, now)),
            UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
            ExpressionAttributeNames: { '#count': 'count', '#ttl': 'expiresAt' },
            ExpressionAttributeValues: marshall({ ':one': 1, ':ttl': Math.floor(now.getTime() / 1000) + 2 * c.rule.windowSeconds }),
          }),
        ),
      ),
    );
  }
}
