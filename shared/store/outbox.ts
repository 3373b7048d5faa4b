/**
 * Every message sent to a person, recorded before it is sent: the audit of
 * who was told what, the local stand-in for SMS/WeChat, and the notifier's
 * idempotency (a redelivered notify message finds its entries already sent).
 */
import { PutItemCommand, QueryCommand, UpdateItemCommand, ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { decodeCursor, encodeCursor, type Page } from './case-store.ts';
import { PK, SK } from './schema.ts';
import { withoutCodes } from '../domain/privacy.ts';
import { ValidationFailed } from '../domain/errors.ts';

export interface OutboxEntry {
  readonly at: string;
  readonly caseId: string;
  readonly seq: number;
  /** Position among the messages of one event, so the key is deterministic. */
  readonly n: number;
  readonly topic: string;
  /** The channel used: `wechat` (to an openId) or `sms` (to a phone). */
  readonly channel: string;
  /** Who carried it: `console` (locally, and until a provider is configured), `wechat`, `twilio`. */
  readonly provider?: string;
  /** For a channel's answer to a resident's message: the message answered (instead of seq/n). */
  readonly ref?: string;
  readonly to: string;
  readonly recipientName: string;
  readonly text: string;
  /** The case's unit when the message was sent: admins read the messages of their own jurisdiction. */
  readonly unitId?: string;
  /** `undeliverable`: no channel takes it (WeChat's window closed and no phone); `reason` says why. */
  readonly status: 'sending' | 'sent' | 'undeliverable';
  readonly reason?: string;
  /** Set when the message went by SMS because WeChat would not take it. */
  readonly fallbackFrom?: string;
}

/** How an entry finally went, when not as claimed. */
type Outcome = Partial<Pick<OutboxEntry, 'channel' | 'provider' | 'to' | 'fallbackFrom' | 'reason'>>;

const dayOf = (iso: string) => iso.slice(0, 10);

export class Outbox {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  private key(e: Pick<OutboxEntry, 'at' | 'caseId' | 'seq' | 'n' | 'ref'>) {
    const sk = e.ref !== undefined ? `${e.at}|reply|${e.ref}` : `${e.at}|${e.caseId}|${String(e.seq).padStart(10, '0')}|${e.n}`;
    return { [PK]: `OUTBOX#${dayOf(e.at)}`, [SK]: sk };
  }

  /** Record an entry about to be sent. False when it was already sent (a redelivery). */
  async claim(entry: Omit<OutboxEntry, 'status'>): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          // A 提取码 or 验证码 went to the person only: the record keeps the text without it.
          Item: marshall({ ...this.key(entry), ...entry, text: withoutCodes(entry.text), status: 'sending' }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#pk) OR #status <> :sent',
          ExpressionAttributeNames: { '#pk': PK, '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':sent': 'sent' }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async markSent(entry: Pick<OutboxEntry, 'at' | 'caseId' | 'seq' | 'n' | 'ref'>, outcome: Outcome = {}): Promise<void> {
    await this.settle(entry, 'sent', outcome);
  }

  async markUndeliverable(entry: Pick<OutboxEntry, 'at' | 'caseId' | 'seq' | 'n' | 'ref'>, reason: string): Promise<void> {
    await this.settle(entry, 'undeliverable', { reason });
  }

  private async settle(entry: Pick<OutboxEntry, 'at' | 'caseId' | 'seq' | 'n' | 'ref'>, status: OutboxEntry['status'], outcome: Outcome): Promise<void> {
    const fields = Object.entries({ status, ...outcome }).filter(([, value]) => value !== undefined);
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: marshall(this.key(entry)),
        UpdateExpression: `SET ${fields.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(fields.map(([name], i) => [`#f${i}`, name])),
        ExpressionAttributeValues: marshall(Object.fromEntries(fields.map(([, value], i) => [`:v${i}`, value]))),
      }),
    );
  }

  /**
   * The messages of one China day, newest first. Entries are kept by UTC day,
   * so a China day is the evening (from 16:00 UTC) of the UTC day before and
   * the rest of its own: two ranges read in turn, the cursor naming which.
   */
  async list(day: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<OutboxEntry>> {
    const before = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const parts = [
      { pk: `OUTBOX#${day}`, condition: '#sk < :edge', edge: `${day}T16:00:00.000Z`, within: (sk: string) => sk < `${day}T16:00:00.000Z` },
      { pk: `OUTBOX#${before}`, condition: '#sk >= :edge', edge: `${before}T16:00:00.000Z`, within: (sk: string) => sk >= `${before}T16:00:00.000Z` },
    ];
    const limit = options.limit ?? 100;
    const invalid = () => new ValidationFailed('the cursor is not valid', [{ path: 'cursor', message: 'not a cursor this list returned' }]);
    // `<part>.<key>`: which of the two ranges, and the last key read in it (none: from its newest).
    const m = options.cursor === undefined ? undefined : /^([01])\.(.*)$/.exec(options.cursor);
    if (options.cursor !== undefined && !m) throw invalid();
    let part = m ? Number(m[1]) : 0;
    let start = m?.[2] ? (decodeCursor(m[2], { equal: { [PK]: parts[part]!.pk } }) as Record<string, { S: string }>) : undefined;
    if (start && !parts[part]!.within(start[SK]?.S ?? '')) throw invalid();
    const items: OutboxEntry[] = [];
    while (part < parts.length && items.length < limit) {
      const { pk, condition, edge } = parts[part] as (typeof parts)[number];
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: `#pk = :pk AND ${condition}`,
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: marshall({ ':pk': pk, ':edge': edge }),
          ScanIndexForward: false,
          Limit: limit - items.length,
          ExclusiveStartKey: start as Record<string, never> | undefined,
        }),
      );
      for (const raw of result.Items ?? []) {
        const { [PK]: _pk, [SK]: _sk, ...entry } = unmarshall(raw);
        items.push(entry as OutboxEntry);
      }
      start = result.LastEvaluatedKey as Record<string, { S: string }> | undefined;
      if (!start) part++;
    }
    return { items, cursor: part < parts.length ? `${part}.${encodeCursor(start) ?? ''}` : undefined };
  }
}
