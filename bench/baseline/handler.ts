/**
 * The cold-start yardstick: a function with nothing but a DynamoDB and an SQS
 * client at module scope, bundled exactly as the real functions are. Each
 * function's import time is reported as a multiple of this one's.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';

const dynamodb = new DynamoDBClient({});
const sqs = new SQSClient({});

export const handler = async () => ({ dynamodb: typeof dynamodb.send, sqs: typeof sqs.send });
