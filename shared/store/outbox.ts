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

  /** One day's messages, newest first. */
  async list(day: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<OutboxEntry>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: marshall({ ':pk': `OUTBOX#${day}` }),
        ScanIndexForward: false,
        Limit: options.limit ?? 100,
        ExclusiveStartKey: decodeCursor(options.cursor, { equal: { [PK]: `OUTBOX#${day}` } }),
      }),
    );
    return {
      items: (result.Items ?? []).map((raw) => {
        const { [PK]: _pk, [SK]: _sk, ...entry } = unmarshall(raw);
        return entry as OutboxEntry;
      }),
      cursor: encodeCursor(result.LastEvaluatedKey),
    };
  }
}
