/** Build API Gateway v2 events, SQS records and Lambda contexts for handler tests. */
import type { APIGatewayProxyEventV2, Context, SQSRecord } from 'aws-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DEMO_UNITS } from '../../infra/local/demo-data.ts';
import { hashApiKey } from '../../shared/store/directory.ts';

export function apiEvent(
  routeKey: string,
  options: { body?: unknown; headers?: Record<string, string>; pathParameters?: Record<string, string>; query?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    requestContext: {
      accountId: '1',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: 'req',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    isBase64Encoded: false,
  };
}

export const context = { functionName: 'test', awsRequestId: 'req', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** One SQS record as Lambda's event source mapping delivers it; a string body is sent as is. */
export function sqsRecord(body: unknown, options: { id?: string; receives?: number; queue?: string } = {}): SQSRecord {
  const id = options.id ?? 'm1';
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(options.receives ?? 1), SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:cn-north-1:000000000000:${options.queue ?? 'queue'}`,
    awsRegion: 'cn-north-1',
  };
}

export const API_KEY = 'test-key';

/** DynamoDB items the directory reads: the hotline client and the demo units. */
export const directoryItems = {
  apiKey: marshall({
    pk: `APIKEY#${hashApiKey(API_KEY)}`,
    sk: 'APIKEY',
    name: 'hotline-12345',
    sources: ['hotline'],
    scopes: ['cases:write', 'cases:read'],
    rootUnitId: 'hp',
  }),
  units: DEMO_UNITS.map((u) => marshall({ pk: 'UNITS', sk: `UNIT#${u.id}`, ...u }, { removeUndefinedValues: true })),
};
