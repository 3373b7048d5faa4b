/**
 * The notifier with SMS_PROVIDER=aliyun: the official SDK, pointed at a local
 * fake endpoint, sends the message kind's approved template with its
 * parameters; a refusal no retry can cure is recorded undeliverable in the
 * outbox (as WeChat's are), and one that may pass fails the record so SQS
 * retries it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { decide, evolve, type CaseEvent } from '../../shared/domain/index.ts';
import { eventItem } from '../../shared/store/codec.ts';
import { ctx, intake, user } from '../support/domain.ts';
import { context, directoryItems, sqsRecord } from '../support/handler.ts';

vi.hoisted(() => {
  process.env.QUEUE_URL_ESCALATION = 'https://sqs.cn-north-1.amazonaws.com.cn/1/escalation';
  process.env.QUEUE_URL_NOTIFY = 'https://sqs.cn-north-1.amazonaws.com.cn/1/notify';
});

const seen: { query: URLSearchParams; body: URLSearchParams; authorization?: string }[] = [];
let code = 'OK';
let server: Server;
let notify: typeof import('../../functions/notifier/handler.ts').handler;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ query: new URL(req.url ?? '/', 'http://x').searchParams, body: new URLSearchParams(body), authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Code: code, Message: `from the fake: ${code}`, RequestId: 'R' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The senders are made from the environment on the first message the notifier handles.
  Object.assign(process.env, {
    SMS_PROVIDER: 'aliyun',
    ALIYUN_SMS_ACCESS_KEY_ID: 'LTAI-test',
    ALIYUN_SMS_ACCESS_KEY_SECRET: 'aliyun-secret',
    ALIYUN_SMS_SIGN_NAME: '矛调通',
    ALIYUN_SMS_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    SMS_TEMPLATES: JSON.stringify({ status: { aliyunTemplateCode: 'SMS_470001', params: ['trackingNo'] } }),
  });
  ({ handler: notify } = await import('../../functions/notifier/handler.ts'));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ddb = mockClient(DynamoDBClient);

/** A case that came in by SMS and was just accepted: the resident is told by SMS (topic `status`). */
function acceptedSmsCase(id: string, phone: string): CaseEvent[] {
  const received = decide(undefined, { type: 'receive', id, trackingNo: id, trackingCode: '123456', input: intake({ source: 'sms', reporter: { phone } }) }, ctx({ kind: 'resident', id: phone, channel: 'sms' }, '2026-11-25T01:00:00Z'));
  if (!received.ok) throw received.error;
  const accepted = decide(evolve(undefined, received.event), { type: 'accept' }, ctx(user('hp-xf-yg-1', 'liaison'), '2026-11-25T01:05:00Z'));
  if (!accepted.ok) throw accepted.error;
  return [received.event, accepted.event];
}

function mockCase(id: string, phone: string) {
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: `CASE#${id}` } } }).resolves({
    Items: acceptedSmsCase(id, phone).map((e) => marshall(eventItem(id, { event: e }), { removeUndefinedValues: true })),
  });
}

/** The outbox entries' final updates, as field → value. */
function settled() {
  return ddb.commandCalls(UpdateItemCommand).map((c) => {
    const input = c.args[0].input;
    const names = input.ExpressionAttributeNames ?? {};
    const values = unmarshall(input.ExpressionAttributeValues ?? {});
    return Object.fromEntries(Object.entries(names).map(([alias, name]) => [name, values[alias.replace('#f', ':v')]]));
  });
}

const record = (caseId: string) => sqsRecord({ caseId, seq: 2 }, { id: caseId, queue: 'notify' });

beforeEach(async () => {
  ddb.reset();
  seen.length = 0;
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'UNITS' } } }).resolves({ Items: directoryItems.units });
  // No unit words its messages itself: the kind's template comes from SMS_TEMPLATES.
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'TEMPLATES' } } }).resolves({ Items: [] });
  (await import('../../shared/service/runtime.ts')).templates.invalidate();
  ddb.on(GetItemCommand).resolves({});
  ddb.on(PutItemCommand).resolves({});
  ddb.on(UpdateItemCommand).resolves({});
});

describe('notifier with Aliyun SMS', () => {
  it('sends the kind’s approved template with its parameters, signed, and the outbox records it sent by aliyun', async () => {
    code = 'OK';
    mockCase('CASEA00001', '13912340101');
    const result = await notify({ Records: [record('CASEA00001')] }, context);
    expect(result.batchItemFailures).toEqual([]);
    expect(seen).toHaveLength(1);
    const fields = { ...Object.fromEntries(seen[0]!.query), ...Object.fromEntries(seen[0]!.body) };
    expect(fields).toMatchObject({ PhoneNumbers: '13912340101', SignName: '矛调通', TemplateCode: 'SMS_470001', TemplateParam: JSON.stringify({ trackingNo: 'CASEA00001' }) });
    expect(seen[0]!.authorization).toMatch(/^ACS3-HMAC-SHA256 /);
    expect(settled()).toEqual([{ status: 'sent' }]);
    const claimed = ddb.commandCalls(PutItemCommand).map((c) => unmarshall(c.args[0].input.Item ?? {}));
    expect(claimed.find((i) => String(i.pk).startsWith('OUTBOX#'))).toMatchObject({ provider: 'aliyun', channel: 'sms', topic: 'status' });
  });

  it('records a final refusal undeliverable, without failing the record', async () => {
    code = 'isv.MOBILE_NUMBER_ILLEGAL';
    mockCase('CASEA00002', '13912340102');
    const result = await notify({ Records: [record('CASEA00002')] }, context);
    expect(result.batchItemFailures).toEqual([]);
    expect(settled()).toEqual([{ status: 'undeliverable', reason: 'aliyun SMS: isv.MOBILE_NUMBER_ILLEGAL from the fake: isv.MOBILE_NUMBER_ILLEGAL' }]);
  });

  it('fails the record on a refusal that may pass (throttled), so SQS retries it', async () => {
    code = 'isv.BUSINESS_LIMIT_CONTROL';
    mockCase('CASEA00003', '13912340103');
    await expect(notify({ Records: [record('CASEA00003')] }, context)).rejects.toThrow('All records failed processing');
    expect(seen).toHaveLength(1);
    expect(settled()).toEqual([]);
  });
});
