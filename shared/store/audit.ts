/** Who saw a reporter's full details, and when: one item per view, read back per case. */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { queryAll } from './query.ts';
import { PK, SK } from './schema.ts';

export interface AuditEntry {
  readonly at: string;
  readonly caseId: string;
  readonly username: string;
  readonly role: string;
  readonly unitId: string;
  readonly what: string;
}

export class AuditTrail {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshall({ [PK]: `AUDIT#${entry.caseId}`, [SK]: `${entry.at}|${entry.username}`, ...entry }),
      }),
    );
  }

  async list(caseId: string): Promise<AuditEntry[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: marshall({ ':pk': `AUDIT#${caseId}` }),
    });
    return items.map(({ [PK]: _pk, [SK]: _sk, ...entry }) => entry as unknown as AuditEntry);
  }
}
