/**
 * The notifier with real WeChat and Twilio senders against a fake HTTP layer:
 * a message WeChat will never take (its 48-hour window closed) goes by SMS when
 * the resident gave a phone, is recorded undeliverable when not, and a passing
 * WeChat error is still retried through SQS.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { decide, evolve, type CaseEvent, type Reporter } from '../../shared/domain/index.ts';
import { eventItem } from '../../shared/store/codec.ts';
import { ctx, intake, user } from '../support/domain.ts';
import { context, directoryItems, sqsRecord } from '../support/handler.ts';

const http = vi.hoisted(() => {
  process.env.QUEUE_URL_ESCALATION = 'https://sqs.cn-north-1.amazonaws.com.cn/1/escalation';
  process.env.QUEUE_URL_NOTIFY = 'https://sqs.cn-north-1.amazonaws.com.cn/1/notify';
  Object.assign(process.env, {
    WECHAT_APP_ID: 'wx-test',
    WECHAT_APP_SECRET: 'wechat-secret',
    WECHAT_API_BASE: 'https://wechat.test',
    TWILIO_ACCOUNT_SID: 'AC-test',
    TWILIO_AUTH_TOKEN: 'twilio-token',
    TWILIO_FROM: '+15550000000',
    TWILIO_API_BASE: 'https://twilio.test',
  });
  const state = { wechatErrcode: 0, requests: [] as { url: string; body: string }[] };
  // The senders take the global fetch when the handler module loads.
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    state.requests.push({ url, body: String(init?.body ?? '') });
    if (url.startsWith('https://wechat.test/cgi-bin/token')) return Response.json({ access_token: 'T1', expires_in: 7200 });
    if (url.startsWith('https://wechat.test/cgi-bin/message/custom/send')) return Response.json({ errcode: state.wechatErrcode, errmsg: 'from the fake' });
    if (url.startsWith('https://twilio.test/')) return Response.json({ sid: 'SM1' }, { status: 201 });
    return new Response('unexpected', { status: 500 });
  };
  return state;
});

const { handler: notify } = await import('../../functions/notifier/handler.ts');
const { templates } = await import('../../shared/service/runtime.ts');

const ddb = mockClient(DynamoDBClient);
const T0 = '2026-11-25T01:00:00Z';

/** A case that came in by WeChat and was just accepted: the resident is told by WeChat. */
function acceptedWechatCase(id: string, reporter: Reporter): CaseEvent[] {
  const received = decide(undefined, { type: 'receive', id, trackingNo: id, trackingCode: '123456', input: intake({ source: 'wechat', reporter }) }, ctx({ kind: 'resident', id: 'oResident', channel: 'wechat' }, T0));
  if (!received.ok) throw received.error;
  const accepted = decide(evolve(undefined, received.event), { type: 'accept' }, ctx(user('hp-xf-yg-1', 'liaison'), '2026-11-25T01:05:00Z'));
  if (!accepted.ok) throw accepted.error;
  return [received.event, accepted.event];
}

const record = (caseId: string) => sqsRecord({ caseId, seq: 2 }, { id: caseId, queue: 'notify' });

function mockCase(id: string, reporter: Reporter) {
  const events = acceptedWechatCase(id, reporter);
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: `CASE#${id}` } } }).resolves({
    Items: events.map((e) => marshall(eventItem(id, { event: e }), { removeUndefinedValues: true })),
  });
}

async function run(id: string, reporter: Reporter) {
  mockCase(id, reporter);
  const result = await notify({ Records: [record(id)] }, context);
  return { failures: result.batchItemFailures.map((f) => f.itemIdentifier), settled: settled() };
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

beforeEach(() => {
  ddb.reset();
  http.requests.length = 0;
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'UNITS' } } }).resolves({ Items: directoryItems.units });
  // No unit keeps its own wording: the built-in one.
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'TEMPLATES' } } }).resolves({ Items: [] });
  templates.invalidate();
  ddb.on(GetItemCommand).resolves({});
  ddb.on(PutItemCommand).resolves({});
  ddb.on(UpdateItemCommand).resolves({});
});

describe('notifier, when WeChat will not take a message', () => {
  it('sends it by SMS to the phone the resident gave, and the outbox says so', async () => {
    http.wechatErrcode = 45015;
    const { failures, settled } = await run('CASEW00001', { name: '王女士', openId: 'oResident1', phone: '13912340001' });
    expect(failures).toEqual([]);
    const twilio = http.requests.filter((r) => r.url.startsWith('https://twilio.test/'));
    expect(twilio).toHaveLength(1);
    const form = new URLSearchParams(twilio[0]!.body);
    expect(form.get('To')).toBe('+8613912340001');
    expect(form.get('Body')).toContain('已签收，正在办理');
    expect(settled).toEqual([{ status: 'sent', channel: 'sms', provider: 'twilio', to: '13912340001', fallbackFrom: 'wechat' }]);
  });

  it('records it undeliverable when the resident gave no phone, without failing the record', async () => {
    http.wechatErrcode = 45015;
    const { failures, settled } = await run('CASEW00002', { openId: 'oResident2' });
    expect(failures).toEqual([]);
    expect(http.requests.some((r) => r.url.startsWith('https://twilio.test/'))).toBe(false);
    expect(settled).toEqual([{ status: 'undeliverable', reason: 'WeChat send: 45015 from the fake' }]);
  });

  it('still fails the record on an error that may pass, so SQS retries it', async () => {
    http.wechatErrcode = 45009;
    mockCase('CASEW00003', { openId: 'oResident3', phone: '13912340003' });
    // The batch's only record failed: the whole invocation fails and SQS redelivers it.
    await expect(notify({ Records: [record('CASEW00003')] }, context)).rejects.toThrow('All records failed processing');
    expect(http.requests.some((r) => r.url.startsWith('https://twilio.test/'))).toBe(false);
    expect(settled()).toEqual([]);
  });

  it('sends by WeChat when WeChat takes it', async () => {
    http.wechatErrcode = 0;
    const { failures, settled } = await run('CASEW00004', { openId: 'oResident4', phone: '13912340004' });
    expect(failures).toEqual([]);
    const sent = http.requests.find((r) => r.url.includes('/cgi-bin/message/custom/send'));
    expect(JSON.parse(sent!.body)).toMatchObject({ touser: 'oResident4', msgtype: 'text' });
    expect(settled).toEqual([{ status: 'sent' }]);
  });

  it('words the message as the unit above keeps it, with the SMS template ids beside it', async () => {
    http.wechatErrcode = 45015;
    const wording = {
      pk: 'TEMPLATES',
      sk: 'TPL#t1',
      id: 't1',
      unitId: 'hp',
      title: '签收通知',
      message: 'accepted',
      text: '【和平街道】{trackingNo} 已由{unitName}签收。',
      aliyunTemplateCode: 'SMS_154950909',
      updatedAt: T0,
      updatedBy: 'admin',
    };
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'TEMPLATES' } } }).resolves({ Items: [marshall(wording)] });
    const { failures } = await run('CASEW00005', { openId: 'oResident5', phone: '13912340005' });
    expect(failures).toEqual([]);
    const twilio = http.requests.filter((r) => r.url.startsWith('https://twilio.test/'));
    expect(new URLSearchParams(twilio[0]!.body).get('Body')).toBe('【和平街道】CASEW00005 已由1栋签收。');
  });
});
