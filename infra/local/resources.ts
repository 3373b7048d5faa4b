/** Create the table and queues the topology describes, if they are not there yet. */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QUEUES, TABLE, type QueueName } from '../topology.ts';

export async function ensureTable(db: DynamoDBClient, tableName: string): Promise<void> {
  const keyAttributes = new Set([TABLE.partitionKey, TABLE.sortKey, ...TABLE.indexes.flatMap((i) => [i.pk, i.sk])]);
  try {
    await db.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...keyAttributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: TABLE.indexes.map(indexSpec),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    // A data directory from an older version: add the indexes it lacks (items written before are indexed by the server).
    const existing = await db.send(new DescribeTableCommand({ TableName: tableName }));
    const have = new Set((existing.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    for (const index of TABLE.indexes.filter((i) => !have.has(i.name))) {
      await waitActive(db, tableName);
      await db.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [index.pk, index.sk].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
          GlobalSecondaryIndexUpdates: [{ Create: indexSpec(index) }],
        }),
      );
    }
  }
  await waitActive(db, tableName);
}

function indexSpec(index: (typeof TABLE.indexes)[number]): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.pk, KeyType: 'HASH' },
      { AttributeName: index.sk, KeyType: 'RANGE' },
    ],
    Projection:
      index.projection.type === 'INCLUDE'
        ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.attributes] }
        : { ProjectionType: 'KEYS_ONLY' },
  };
}

async function waitActive(db: DynamoDBClient, tableName: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const described = await db.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = described.Table?.GlobalSecondaryIndexes ?? [];
    if (described.Table?.TableStatus === 'ACTIVE' && indexes.every((i) => i.IndexStatus === undefined || i.IndexStatus === 'ACTIVE')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${tableName} did not become active`);
}

export interface QueueHandle {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
}

export async function ensureQueues(
  sqs: SQSClient,
  prefix: string,
  overrides: Partial<Record<QueueName, { visibilityTimeoutSeconds?: number; maxReceiveCount?: number }>> = {},
): Promise<Record<QueueName, QueueHandle>> {
  const out: Partial<Record<QueueName, QueueHandle>> = {};
  for (const [name, def] of Object.entries(QUEUES) as [QueueName, (typeof QUEUES)[QueueName]][]) {
    const settings = { ...def, ...overrides[name] };
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${name}-dlq` }));
    const dlqArn = await queueArn(sqs, dlq.QueueUrl ?? '');
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-${name}`,
        Attributes: {
          VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
        },
      }),
    );
    out[name] = { url: queue.QueueUrl ?? '', arn: await queueArn(sqs, queue.QueueUrl ?? ''), dlqUrl: dlq.QueueUrl ?? '' };
  }
  return out as Record<QueueName, QueueHandle>;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = attributes.Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${url} has no ARN`);
  return arn;
}
