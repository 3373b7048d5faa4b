import { paginateQuery, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** The items a Query matches, page after page, unmarshalled; it stops reading once `limit` are found. */
export async function queryAll(db: DynamoDBClient, input: QueryCommandInput, limit = Number.POSITIVE_INFINITY): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateQuery({ client: db }, input)) {
    for (const raw of page.Items ?? []) items.push(unmarshall(raw));
    if (items.length >= limit) break;
  }
  return items;
}
