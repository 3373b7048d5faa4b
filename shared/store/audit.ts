/** Who saw a reporter's full details, and when: one item per view, read back per case. */
import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
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
    const out: AuditEntry[] = [];
    let start: Record<string, never> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: marshall({ ':pk': `AUDIT#${caseId}` }),
          ExclusiveStartKey: start,
        }),
      );
      for (const raw of result.Items ?? []) {
        const { [PK]: _pk, [SK]: _sk, ...entry } = unmarshall(raw);
        out.push(entry as AuditEntry);
      }
      start = result.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    return out;
  }
}
