/** The intake handler with the AWS SDK mocked: what it writes, and what it never writes. */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/intake/handler.ts';
import { API_KEY, apiEvent, context, directoryItems } from '../support/handler.ts';

const ddb = mockClient(DynamoDBClient);
const body = { source: 'hotline', externalId: 'WO-1', center: 'voice', description: '路灯坏了', location: { unitId: 'hp-xf-yg-1' } };
const auth = { authorization: `Bearer ${API_KEY}` };

beforeEach(() => {
  ddb.reset();
  ddb.on(GetItemCommand).callsFake((input: { Key: { pk: { S: string } } }) =>
    input.Key.pk.S.startsWith('APIKEY#') && input.Key.pk.S === directoryItems.apiKey.pk?.S ? { Item: directoryItems.apiKey } : {},
  );
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'UNITS' } } }).resolves({ Items: directoryItems.units });
  ddb.on(PutItemCommand).resolves({});
});

describe('intake handler', () => {
  it('files a case with exactly two conditional writes: the first event, then the projection', async () => {
    const res = await handler(apiEvent('POST /v1/cases', { body, headers: auth }), context);
    expect(res.statusCode).toBe(201);
    expect(ddb).toHaveReceivedCommandTimes(PutItemCommand, 2);
    const [event, state] = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(event?.Item?.sk?.S).toBe('EVT#0000000001');
    expect(event?.ConditionExpression).toBe('attribute_not_exists(#pk)');
    expect(state?.Item?.sk?.S).toBe('STATE');
    expect(state?.Item?.queuePk?.S).toBe('Q#hp-xf-yg-1');
    expect(state?.Item?.duePk?.S).toMatch(/^D#\d$/);
  });

  it('answers a replay with the existing case and writes nothing more', async () => {
    const first = await handler(apiEvent('POST /v1/cases', { body, headers: auth }), context);
    const [eventItem, stateItem] = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item);
    ddb.reset();
    ddb.on(GetItemCommand).callsFake((input: { Key: { pk: { S: string }; sk: { S: string } } }) =>
      input.Key.pk.S.startsWith('APIKEY#') ? { Item: directoryItems.apiKey } : input.Key.sk.S === 'EVT#0000000001' ? { Item: eventItem } : {},
    );
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'UNITS' } } }).resolves({ Items: directoryItems.units });
    ddb.on(QueryCommand, { ScanIndexForward: false }).resolves({ Items: [stateItem!, eventItem!] });
    ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    const again = await handler(apiEvent('POST /v1/cases', { body, headers: auth }), context);
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body ?? '').id).toBe(JSON.parse(first.body ?? '').id);
    expect(ddb).toHaveReceivedCommandTimes(PutItemCommand, 1);
  });

  it.each([
    ['no credential', {}, body, 401],
    ['a malformed body', auth, '{"source":', 400],
    ['an unknown centre', auth, { ...body, center: 'x' }, 400],
  ])('refuses %s without writing', async (_name, headers, payload, status) => {
    const res = await handler(apiEvent('POST /v1/cases', { body: payload, headers }), context);
    expect(res.statusCode).toBe(status);
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('turns a DynamoDB failure into a 500 that says nothing internal', async () => {
    ddb.on(PutItemCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down, table xyz', $metadata: {} }));
    const res = await handler(apiEvent('POST /v1/cases', { body, headers: auth }), context);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body ?? '')).toEqual({
      error: { code: 'internal_error', message: '服务器内部出错，可以稍后重试' },
    });
    expect(res.body).not.toContain('xyz');
  });
});
