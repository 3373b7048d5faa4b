/**
 * What the resident channels keep besides cases:
 *
 *   CONTACT#<reporter key>   CONTACT    one resident across channels (a verified phone linked to an
 *                                       openId, remembered building, a case waiting for its building)
 *   VERIFY#<reporter key>    VERIFY     a phone being linked: the code's keyed hash, its expiry and tries
 *   INBOUND#<channel>#<key>  INBOUND    a provider message already handled and the reply it got,
 *                                       so the provider's retries change nothing and get the same reply
 *   CALLBACK#<caseId>        SEQ#<seq>  a status change a hotline has acknowledged (never sent again)
 *
 * The reporter key is the keyed hash of runtime.ts `reporterKey()`, so no
 * phone number or openId is readable from a key. TTL attributes are set for
 * AWS housekeeping only; nothing relies on them.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { INDEXES, PK, SK } from './schema.ts';

export interface Contact {
  /** The reporter key this contact is stored under. */
  readonly key: string;
  readonly openId?: string;
  /**
   * A phone linked to a WeChat openId, once the resident has typed back the
   * code we sent it by SMS. (Contacts before 0.3 may hold a `phone` they were
   * told and never verified: it is never read.)
   */
  readonly verifiedPhone?: string;
  readonly phoneVerifiedAt?: string;
  /** The unit (building) the resident said they live in. */
  readonly unitId?: string;
  /** A case filed without a building: the resident's next message may name it. */
  readonly awaitingCaseId?: string;
  readonly awaitingUntil?: string;
  readonly updatedAt: string;
}

/** A phone being linked to an openId: the code is kept only as a keyed hash. */
export interface PendingVerification {
  readonly phone: string;
  readonly codeHash: string;
  /** ISO time after which the code is refused. */
  readonly validUntil: string;
  /** Codes checked so far (each check is counted before it is made). */
  readonly tries: number;
}

export interface InboundRecord {
  readonly reply?: string;
  readonly caseId?: string;
  readonly at: string;
}

const INBOUND_TTL_SECONDS = 7 * 86_400;

const strip = (item: Record<string, unknown>) => {
  const { [PK]: _pk, [SK]: _sk, expiresAt: _ttl, ...rest } = item;
  return rest;
};

export class ChannelStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  async contact(key: string): Promise<Contact | undefined> {
    const result = await this.db.send(
      new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: `CONTACT#${key}`, [SK]: 'CONTACT' }), ConsistentRead: true }),
    );
    return result.Item ? (strip(unmarshall(result.Item)) as unknown as Contact) : undefined;
  }

  async putContact(contact: Contact): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall({ [PK]: `CONTACT#${contact.key}`, [SK]: 'CONTACT', ...contact }, { removeUndefinedValues: true }),
      }),
    );
  }

  /**
   * Take the contact's waiting case, remembering the unit it now has. Only one
   * of two concurrent deliveries of the same answer wins; the other gets false.
   */
  async takeAwaiting(key: string, caseId: string, unitId: string, now: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall({ [PK]: `CONTACT#${key}`, [SK]: 'CONTACT' }),
          UpdateExpression: 'REMOVE #await, #until SET #unit = :unit, #updated = :now',
          ConditionExpression: '#await = :case',
          ExpressionAttributeNames: { '#await': 'awaitingCaseId', '#until': 'awaitingUntil', '#unit': 'unitId', '#updated': 'updatedAt' },
          ExpressionAttributeValues: marshall({ ':case': caseId, ':unit': unitId, ':now': now }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Start (or restart) linking a phone: a new code replaces any earlier one, with its tries. */
  async startVerification(key: string, pending: Omit<PendingVerification, 'tries'>): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall({ [PK]: `VERIFY#${key}`, [SK]: 'VERIFY', ...pending, tries: 0, expiresAt: Math.floor(Date.parse(pending.validUntil) / 1000) + 86_400 }),
      }),
    );
  }

  async verification(key: string): Promise<PendingVerification | undefined> {
    const result = await this.db.send(
      new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: `VERIFY#${key}`, [SK]: 'VERIFY' }), ConsistentRead: true }),
    );
    return result.Item ? (strip(unmarshall(result.Item)) as unknown as PendingVerification) : undefined;
  }

  /**
   * Count one try of the pending code, in one conditional write that also
   * checks it is live and has tries left: of any number of parallel guesses,
   * at most `maxTries` get the record back to compare; the rest get undefined,
   * as does an expired, used or absent code.
   */
  async tryVerification(key: string, now: string, maxTries: number): Promise<PendingVerification | undefined> {
    try {
      const result = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall({ [PK]: `VERIFY#${key}`, [SK]: 'VERIFY' }),
          UpdateExpression: 'ADD #tries :one',
          ConditionExpression: 'attribute_exists(#pk) AND #tries < :max AND #expires > :now',
          ExpressionAttributeNames: { '#pk': PK, '#tries': 'tries', '#expires': 'validUntil' },
          ExpressionAttributeValues: marshall({ ':one': 1, ':max': maxTries, ':now': now }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ? (strip(unmarshall(result.Attributes)) as unknown as PendingVerification) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Use up the code that matched; false when another delivery used it first. */
  async finishVerification(key: string, codeHash: string): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: marshall({ [PK]: `VERIFY#${key}`, [SK]: 'VERIFY' }),
          ConditionExpression: '#hash = :hash',
          ExpressionAttributeNames: { '#hash': 'codeHash' },
          ExpressionAttributeValues: marshall({ ':hash': codeHash }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async inbound(channel: string, key: string): Promise<InboundRecord | undefined> {
    const result = await this.db.send(
      new GetItemCommand({ TableName: this.table, Key: marshall({ [PK]: `INBOUND#${channel}#${key}`, [SK]: 'INBOUND' }), ConsistentRead: true }),
    );
    return result.Item ? (strip(unmarshall(result.Item)) as unknown as InboundRecord) : undefined;
  }

  /** Remember a handled message; the first record wins, so every retry gets the first reply. */
  async recordInbound(channel: string, key: string, record: InboundRecord): Promise<InboundRecord> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(
            {
              [PK]: `INBOUND#${channel}#${key}`,
              [SK]: 'INBOUND',
              ...record,
              expiresAt: Math.floor(Date.parse(record.at) / 1000) + INBOUND_TTL_SECONDS,
            },
            { removeUndefinedValues: true },
          ),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return record;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.inbound(channel, key)) ?? record;
    }
  }

  /**
   * The newest status change of a case its hotline has acknowledged (0 for none).
   * Changes are delivered in order, so every one before it is through too: one item read, however long the case.
   */
  async lastDelivered(caseId: string): Promise<number> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: marshall({ ':pk': `CALLBACK#${caseId}` }),
        ProjectionExpression: '#sk',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const newest = result.Items?.[0];
    return newest ? Number(String(unmarshall(newest)[SK]).slice('SEQ#'.length)) : 0;
  }

  async markDelivered(caseId: string, seq: number, detail: { readonly url: string; readonly status: number; readonly at: string; readonly attempts: number }): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall({ [PK]: `CALLBACK#${caseId}`, [SK]: seqSk(seq), ...detail }),
      }),
    );
  }

  /**
   * Ids of a resident's cases, newest first (the byReporter index; a Query): all
   * of them, or those created at or after `since`. No bound is no condition on
   * the sort key: DynamoDB refuses an empty string as an index key value.
   */
  async reporterCaseIds(reporterKey: string, since: string | undefined, limit: number): Promise<string[]> {
    const bounded = since !== undefined;
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEXES.reporter.name,
        KeyConditionExpression: bounded ? '#pk = :pk AND #sk >= :since' : '#pk = :pk',
        ExpressionAttributeNames: bounded ? { '#pk': INDEXES.reporter.pk, '#sk': INDEXES.reporter.sk } : { '#pk': INDEXES.reporter.pk },
        ExpressionAttributeValues: marshall(bounded ? { ':pk': `R#${reporterKey}`, ':since': since } : { ':pk': `R#${reporterKey}` }),
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((raw) => String(unmarshall(raw)[PK]).slice('CASE#'.length));
  }
}

const seqSk = (seq: number) => `SEQ#${String(seq).padStart(10, '0')}`;
