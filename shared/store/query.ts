import { paginateQuery, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** Every item a Query matches, page after page, unmarshalled. */
export async function queryAll(db: DynamoDBClient, input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateQuery({ client: db }, input)) {
    for (const raw of page.Items ?? []) items.push(unmarshall(raw));
  }
  return items;
}
