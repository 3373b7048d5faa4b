/** Build API Gateway v2 events and Lambda contexts for handler tests. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
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
