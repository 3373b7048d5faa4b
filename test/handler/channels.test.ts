/** The callback worker and the WeChat and SMS webhooks with DynamoDB and SQS mocked (aws-sdk-client-mock). */
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  BatchGetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decide, evolve, type CaseEvent, type CaseState } from '../../shared/domain/index.ts';
import { encodeStatusChange, statusChangeFor, verifyCallback } from '../../shared/channels/callback.ts';
import { wechatSignature } from '../../shared/channels/wechat.ts';
import { parseFlatXml } from '../../shared/channels/xml.ts';
import { EMPTY_META, eventItem, stateItem } from '../../shared/store/codec.ts';
import { eventSk } from '../../shared/store/schema.ts';
import { ctx, hotline, intake, units, user } from '../support/domain.ts';
import { apiEvent, context, directoryItems, sqsRecord } from '../support/handler.ts';
import { wechatText } from '../support/channels.ts';

vi.hoisted(() => {
  process.env.QUEUE_URL_ESCALATION = 'https://sqs.cn-north-1.amazonaws.com.cn/1/escalation';
  process.env.QUEUE_URL_NOTIFY = 'https://sqs.cn-north-1.amazonaws.com.cn/1/notify';
  process.env.QUEUE_URL_CALLBACK = 'https://sqs.cn-north-1.amazonaws.com.cn/1/callback';
  process.env.WECHAT_TOKEN = 'handler-token';
  process.env.SMS_WEBHOOK_SECRET = 'handler-sms-secret';
  process.env.SMS_ALLOWED_IPS = '203.0.113.0/24, 2001:db8::1';
});

const { handler: deliver } = await import('../../functions/callback-worker/handler.ts');
const { handler: wechat } = await import('../../functions/wechat/handler.ts');
const { handler: sms } = await import('../../functions/sms/handler.ts');

const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const CALLBACK_URL = 'https://12345.example.gov.cn/callbacks/mdt';
const SECRET = 'handler-callback-secret';
const T0 = '2026-11-25T01:00:00Z';

/** A hotline case filed and accepted: events 1 (received) and 2 (accepted). */
function acceptedCase(id = 'CBCASE0001') {
  const received = decide(undefined, { type: 'receive', id, trackingNo: id, trackingCode: '123456', input: intake({ externalId: 'WO-9' }) }, ctx(hotline, T0));
  if (!received.ok) throw received.error;
  const state = evolve(undefined, received.event);
  const accepted = decide(state, { type: 'accept' }, ctx(user('hp-xf-yg-1'), '2026-11-25T02:00:00Z'));
  if (!accepted.ok) throw accepted.error;
  return { id, events: [received.event, accepted.event] as CaseEvent[] };
}

const record = (body: unknown, receives = 1, id = 'm1') => sqsRecord(body, { id, receives, queue: 'callback' });

const fetchMock = vi.fn<typeof fetch>();

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  fetchMock.mockReset();
  vi.stubGlobal('fetch', fetchMock);
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'UNITS' } } }).resolves({ Items: directoryItems.units });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'CALLBACKS' } } }).resolves({
    Items: [marshall({ pk: 'CALLBACKS', sk: 'CLIENT#hotline-12345', name: 'hotline-12345', callbackUrl: CALLBACK_URL, callbackSecret: SECRET })],
  });
  ddb.on(GetItemCommand).resolves({});
  ddb.on(PutItemCommand).resolves({});
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { VisibilityTimeout: '60', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:dlq', maxReceiveCount: 10 }) } });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  sqs.on(SendMessageCommand).resolves({});
});
afterEach(() => {
  vi.unstubAllGlobals();
});

/**
 * The case as the worker reads it: the projection with its newest event, and
 * the log — each event with the status change it was written with, or, for
 * `legacy` events written before those were kept, without.
 */
function withEvents(id: string, events: CaseEvent[], options: { legacy?: boolean } = {}) {
  let state: CaseState | undefined;
  const items = events.map((event) => {
    state = evolve(state, event);
    const change = statusChangeFor(event, state);
    return marshall(eventItem(id, { event, ...(options.legacy ? {} : { change: change ? encodeStatusChange(change) : null }) }), { removeUndefinedValues: true });
  });
  const codec = { units, reporterKey: () => undefined };
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: `CASE#${id}` } }, ScanIndexForward: false }).resolves({
    Items: [marshall(stateItem(state!, EMPTY_META, codec), { removeUndefinedValues: true }), items.at(-1)!],
  });
  for (let after = 0; after <= events.length; after++) {
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: `CASE#${id}` }, ':from': { S: eventSk(after + 1) }, ':to': { S: 'EVT#~' } } }).resolves({
      Items: items.slice(after),
    });
  }
}

describe('callback worker', () => {
  it('POSTs the signed change with its delivery id and records the delivery on a 2xx', async () => {
    const { id, events } = acceptedCase();
    withEvents(id, events);
    fetchMock.mockResolvedValue(new Response('ok', { status: 202 }));
    const result = await deliver({ Records: [record({ caseId: id, seq: 2 }, 3)] });
    expect(result.batchItemFailures).toEqual([]);

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(CALLBACK_URL);
    const headers = init?.headers as Record<string, string>;
    expect(headers['X-MDT-Delivery']).toBe(`${id}:2`);
    const body = String(init?.body);
    expect(JSON.parse(body)).toMatchObject({ event: 'accepted', caseId: id, externalId: 'WO-9', status: 'in_progress', seq: 2, level: 'building' });
    expect(verifyCallback({ secret: SECRET, timestamp: headers['X-MDT-Timestamp'], signature: headers['X-MDT-Signature'], body, nowMs: Date.now() })).toEqual({ ok: true });

    const puts = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item);
    expect(puts).toEqual([expect.objectContaining({ pk: { S: `CALLBACK#${id}` }, sk: { S: 'SEQ#0000000002' }, status: { N: '202' }, attempts: { N: '3' } })]);
    expect(sqs).not.toHaveReceivedCommand(ChangeMessageVisibilityCommand);
  });

  it('sends nothing again for a change already acknowledged (a redelivered message)', async () => {
    const { id, events } = acceptedCase();
    withEvents(id, events);
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: `CALLBACK#${id}` } } }).resolves({ Items: [marshall({ pk: `CALLBACK#${id}`, sk: 'SEQ#0000000002' })] });
    const result = await deliver({ Records: [record({ caseId: id, seq: 2 }, 2)] });
    expect(result.batchItemFailures).toEqual([]);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('delivers a case\'s changes in seq order, earlier unacknowledged ones first; one message per case in a batch carries them all', async () => {
    const { id, events } = acceptedCase();
    const state = events.reduce<CaseState | undefined>(evolve, undefined)!;
    const resolved = decide(state, { type: 'resolve', outcome: 'resolved', summary: '已修好' }, ctx(user('hp-xf-yg-1'), '2026-11-25T03:00:00Z'));
    if (!resolved.ok) throw resolved.error;
    withEvents(id, [...events, resolved.event]);
    fetchMock.mockResolvedValue(new Response('ok', { status: 200 }));
    // Only the message of seq 3 arrived (2's is late): 2 is posted first, then 3.
    expect((await deliver({ Records: [record({ caseId: id, seq: 3 }, 1, 'three')] })).batchItemFailures).toEqual([]);
    const posted = fetchMock.mock.calls.map(([, init]) => (init?.headers as Record<string, string>)['X-MDT-Delivery']);
    expect(posted).toEqual([`${id}:2`, `${id}:3`]);

    fetchMock.mockReset();
    fetchMock.mockResolvedValue(new Response('down', { status: 503 }));
    const result = await deliver({ Records: [record({ caseId: id, seq: 3 }, 1, 'b'), record({ caseId: id, seq: 2 }, 1, 'a')] });
    // Seq 2's message carries the retry for both; seq 3's is covered by it and not kept.
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'a' }]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual(['rh-a']);

    // Seq 2 goes through and seq 3 fails: the rest is handed to a fresh message, so 3 gets its own retry budget.
    fetchMock.mockReset();
    sqs.resetHistory();
    fetchMock.mockResolvedValueOnce(new Response('ok', { status: 200 })).mockResolvedValue(new Response('down', { status: 503 }));
    const handed = await deliver({ Records: [record({ caseId: id, seq: 2 }, 7, 'late')] });
    expect(handed.batchItemFailures).toEqual([]);
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: process.env.QUEUE_URL_CALLBACK, MessageBody: JSON.stringify({ caseId: id, seq: 3, v: 1 }), DelaySeconds: 60 });
    expect(sqs).not.toHaveReceivedCommand(ChangeMessageVisibilityCommand);
  });

  it('reads only the log after the last acknowledged change; events written before changes were kept are worked out from the whole log', async () => {
    const { id, events } = acceptedCase();
    const state = events.reduce<CaseState | undefined>(evolve, undefined)!;
    const resolved = decide(state, { type: 'resolve', outcome: 'resolved', summary: '已修好' }, ctx(user('hp-xf-yg-1'), '2026-11-25T03:00:00Z'));
    if (!resolved.ok) throw resolved.error;
    const log = [...events, resolved.event];
    fetchMock.mockResolvedValue(new Response('ok', { status: 200 }));
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: `CALLBACK#${id}` } } }).resolves({ Items: [marshall({ pk: `CALLBACK#${id}`, sk: 'SEQ#0000000002' })] });
    const eventReads = () => ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.ExpressionAttributeValues?.[':from']?.S).filter((from) => from !== undefined);

    withEvents(id, log);
    await deliver({ Records: [record({ caseId: id, seq: 3 }, 1, 'tail')] });
    expect(eventReads()).toEqual(['EVT#0000000003']);
    expect(fetchMock.mock.calls.map(([, init]) => (init?.headers as Record<string, string>)['X-MDT-Delivery'])).toEqual([`${id}:3`]);

    ddb.resetHistory();
    fetchMock.mockClear();
    withEvents(id, log, { legacy: true });
    await deliver({ Records: [record({ caseId: id, seq: 3 }, 1, 'legacy')] });
    expect(eventReads()).toEqual(['EVT#0000000003', 'EVT#0000000001']);
    expect(JSON.parse(String(fetchMock.mock.calls[0]?.[1]?.body))).toMatchObject({ event: 'resolved', seq: 3, status: 'resolved' });
  });

  it.each([
    ['a 500', () => fetchMock.mockResolvedValue(new Response('down', { status: 500 }))],
    ['a redirect', () => fetchMock.mockResolvedValue(new Response(null, { status: 302, headers: { location: 'http://elsewhere' } }))],
    ['a network error', () => fetchMock.mockRejectedValue(new TypeError('fetch failed'))],
  ])('on %s fails the record and backs off: visibility = 60 s × 2^(receives − 1)', async (_name, arrange) => {
    const { id, events } = acceptedCase();
    withEvents(id, events);
    arrange();
    const result = await deliver({ Records: [record({ caseId: id, seq: 2 }, 3, 'retry')] });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'retry' }]);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, { QueueUrl: process.env.QUEUE_URL_CALLBACK, ReceiptHandle: 'rh-retry', VisibilityTimeout: 240 });
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('caps the backoff, and on the last receive leaves the message to go to the DLQ', async () => {
    const { id, events } = acceptedCase();
    withEvents(id, events);
    fetchMock.mockResolvedValue(new Response('down', { status: 503 }));
    await deliver({ Records: [record({ caseId: id, seq: 2 }, 9, 'late')] });
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, { VisibilityTimeout: 3600 });
    sqs.resetHistory();
    const last = await deliver({ Records: [record({ caseId: id, seq: 2 }, 10, 'last')] });
    expect(last.batchItemFailures).toEqual([{ itemIdentifier: 'last' }]);
    expect(sqs).not.toHaveReceivedCommand(ChangeMessageVisibilityCommand);
  });

  it('sends nothing for an event that is not a status change, and fails a poison message', async () => {
    const { id, events } = acceptedCase();
    withEvents(id, [events[0]!]);
    const result = await deliver({ Records: [record({ caseId: id, seq: 1 }, 1, 'received'), { ...record({}, 1, 'poison'), body: '{"caseId":' }] });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'poison' }]);
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

function wechatEvent(xml: string, query: Record<string, string>): APIGatewayProxyEventV2 {
  return apiEvent('POST /webhooks/wechat', { body: xml, headers: { 'content-type': 'text/xml' }, query });
}

describe('WeChat webhook', () => {
  const signedQuery = () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return { timestamp, nonce: '1', signature: wechatSignature('handler-token', timestamp, '1') };
  };

  it('files a case for a signed text: inbound check, two case writes (the event marked with its effects), the inbound record; replies in XML', async () => {
    const res = await wechat(wechatEvent(wechatText('oHandler', '阳光小区1栋楼道灯坏了', '9001'), signedQuery()), context);
    expect(res.statusCode).toBe(200);
    const reply = parseFlatXml(res.body ?? '');
    expect(reply).toMatchObject({ ToUserName: 'oHandler', MsgType: 'text' });
    expect(reply.Content).toMatch(/^您的诉求已受理，编号 [2-9A-HJ-NP-Z]{10}，提取码 \d{6}/);

    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, { Key: { pk: { S: 'INBOUND#wechat#msg:9001' }, sk: { S: 'INBOUND' } }, ConsistentRead: true });
    const puts = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Item?.sk?.S)).toEqual(['EVT#0000000001', 'STATE', 'INBOUND']);
    expect(puts[2]).toMatchObject({ ConditionExpression: 'attribute_not_exists(#pk)', Item: { reply: { S: reply.Content } } });
    // What the new case sets in motion is recorded on its event; the relay sends it, not the webhook.
    expect(puts[0]?.Item?.fx?.L?.map((v) => v.S)).toEqual(['notify']);
    expect(puts[0]?.Item?.fxPk?.S).toMatch(/^FX#\d$/);
    // 重复件 are looked for later, by the notifier: the webhook's answer does not wait for that read.
    expect(ddb).not.toHaveReceivedCommandWith(QueryCommand, { IndexName: 'byReporter' });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('answers a retry from the inbound record and writes nothing', async () => {
    ddb.on(GetItemCommand, { Key: { pk: { S: 'INBOUND#wechat#msg:9002' }, sk: { S: 'INBOUND' } } }).resolves({
      Item: marshall({ pk: 'INBOUND#wechat#msg:9002', sk: 'INBOUND', reply: '编号 X 当前状态：待签收。', at: '2026-11-26T01:00:00.000Z' }),
    });
    const res = await wechat(wechatEvent(wechatText('oHandler', '查询 ABCDEFGHJK', '9002'), signedQuery()), context);
    expect(parseFlatXml(res.body ?? '')).toMatchObject({ Content: '编号 X 当前状态：待签收。', CreateTime: String(Date.parse('2026-11-26T01:00:00.000Z') / 1000) });
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
    expect(ddb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('refuses a wrong signature before touching DynamoDB', async () => {
    const res = await wechat(wechatEvent(wechatText('oHandler', 'x', '9003'), { ...signedQuery(), signature: 'f'.repeat(40) }), context);
    expect(res.statusCode).toBe(401);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('SMS webhook (Aliyun)', () => {
  const aliyun = (secret: string, sourceIp = '203.0.113.7') => {
    const event = apiEvent('POST /webhooks/sms/{provider}/{secret}', {
      body: [{ phone_number: '13900000009', send_time: '2026-11-26 09:00:00', content: '阳光小区1栋楼道灯坏了', sequence_id: 77 }],
      pathParameters: { provider: 'aliyun', secret },
    });
    event.requestContext.http.sourceIp = sourceIp;
    return event;
  };

  it('answers a wrong secret 404 and a caller outside SMS_ALLOWED_IPS 403, touching nothing', async () => {
    expect((await sms(aliyun('wrong'), context)).statusCode).toBe(404);
    const outside = await sms(aliyun('handler-sms-secret', '198.51.100.1'), context);
    expect(outside.statusCode).toBe(403);
    expect(JSON.parse(outside.body ?? '')).toEqual({ code: 403, msg: 'calls from 198.51.100.1 are not allowed' });
    expect(ddb.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('files the message, acknowledges, and queues the receipt for the notifier to send by SMS', async () => {
    ddb.on(BatchGetItemCommand).resolves({ Responses: {} });
    const res = await sms(aliyun('handler-sms-secret', '2001:db8::1'), context);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '')).toEqual({ code: 0, msg: '接收成功' });
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input).filter((b) => b.QueueUrl === process.env.QUEUE_URL_NOTIFY);
    const replies = batches.flatMap((b) => b.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? '{}')).filter((m) => m.reply);
    expect(replies).toEqual([{ reply: expect.objectContaining({ channel: 'sms', to: '13900000009', ref: 'sms:aliyun:77', text: expect.stringMatching(/^您的诉求已受理/) }), v: 1 }]);
  });
});
