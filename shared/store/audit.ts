/**
 * Who saw personal details they had to ask for, and when: one item per
 * request, however many cases it touched.
 *
 *   AUDIT#<caseId>          <at>|<user>   a reveal on a case page (`?reveal=personal`)
 *   AUDIT#R#<reporter key>  <at>|<user>   a search by phone: one item naming every case it found,
 *                                          under the keyed hash of the phone searched
 *   AUDIT#HH#<household>    <at>|<user>   a household's phone shown in full on a roster (`household_phone`)
 *
 * A case's 查阅记录 reads both partitions: its own, and its reporter's phone's
 * (keeping the searches that found it) — two Queries, however long the trail.
 */
import { BatchWriteItemCommand, PutItemCommand, type BatchWriteItemCommandOutput, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { queryAll } from './query.ts';
import { PK, SK } from './schema.ts';

export interface AuditEntry {
  readonly at: string;
  readonly username: string;
  readonly role: string;
  readonly unitId: string;
  /** `reporter_details`: a reveal on the case page; `reporter_search`: a search by phone; `attachment_view`: files' content handed out. */
  readonly what: string;
  /** The one case revealed, or the first found (entries before 0.3 name only this). */
  readonly caseId: string;
  /** Every case the request showed (a search); absent for a single case. */
  readonly caseIds?: readonly string[];
  /** The personal fields the request showed in full. */
  readonly fields?: readonly string[];
  /** The phone searched, masked (the plain number is never stored here). */
  readonly phone?: string;
  /** `attachment_view`: the files whose content the request handed out. */
  readonly attachmentIds?: readonly string[];
}

export class AuditTrail {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** One item for one request: under the case, or, for a search, under the searched phone's key. */
  async record(entry: AuditEntry, searchedKey?: string): Promise<void> {
    const pk = searchedKey === undefined ? `AUDIT#${entry.caseId}` : `AUDIT#R#${searchedKey}`;
    await this.db.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall({ [PK]: pk, [SK]: `${entry.at}|${entry.username}`, ...entry }, { removeUndefinedValues: true }),
      }),
    );
  }

  /** A roster's phones shown in full: one entry under each household shown, so each has its own trail. */
  async recordHouseholds(householdIds: readonly string[], entry: Omit<AuditEntry, 'caseId'>): Promise<void> {
    const requests: WriteRequest[] = householdIds.map((id) => ({
      PutRequest: { Item: marshall({ [PK]: `AUDIT#HH#${id}`, [SK]: `${entry.at}|${entry.username}`, ...entry, caseId: '', householdId: id }, { removeUndefinedValues: true }) },
    }));
    for (let i = 0; i < requests.length; i += 25) {
      let pending: WriteRequest[] | undefined = requests.slice(i, i + 25);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 6)));
        const result: BatchWriteItemCommandOutput = await this.db.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }));
        pending = result.UnprocessedItems?.[this.table];
      }
    }
  }

  /** Who saw a household's phone, oldest first. */
  async householdTrail(householdId: string): Promise<AuditEntry[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: marshall({ ':pk': `AUDIT#HH#${householdId}` }),
    });
    return items.map(({ [PK]: _pk, [SK]: _sk, ...entry }) => entry as unknown as AuditEntry);
  }

  /** A case's trail, oldest first: its own entries and the searches of its reporter's phone that found it. */
  async list(caseId: string, reporterKey?: string): Promise<AuditEntry[]> {
    const partition = (pk: string) =>
      queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: marshall({ ':pk': pk }),
      });
    const [own, searches] = await Promise.all([partition(`AUDIT#${caseId}`), reporterKey === undefined ? [] : partition(`AUDIT#R#${reporterKey}`)]);
    const found = searches.filter((item) => Array.isArray(item.caseIds) && (item.caseIds as unknown[]).includes(caseId));
    return [...own, ...found]
      .map(({ [PK]: _pk, [SK]: _sk, ...entry }) => entry as unknown as AuditEntry)
      .sort((a, b) => a.at.localeCompare(b.at));
  }
}
