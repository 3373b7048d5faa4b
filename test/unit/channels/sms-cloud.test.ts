/**
 * Outbound SMS by Aliyun and Tencent Cloud through their official SDKs,
 * pointed at a local fake endpoint: the request each SDK makes (action,
 * template, parameters, number) and its signature headers, and which answers
 * are final (Unreachable: recorded in the outbox) and which are retried.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleSender, ProviderError, Unreachable, sendersFromEnv } from '../../../shared/notify/channel.ts';
import { AliyunSms, TencentSms, smsTemplatesFromEnv, type SmsTemplates } from '../../../shared/notify/sms-cloud.ts';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server;
let endpoint: string;
const seen: Seen[] = [];
/** What the fake answers next: status and JSON body. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
});

const templates: SmsTemplates = {
  receipt: { aliyunTemplateCode: 'SMS_460001', tencentTemplateId: '1900001', params: ['trackingNo', 'trackingCode'] },
  reminder: { aliyunTemplateCode: 'SMS_460002', params: ['trackingNo'] },
};
const to = { kind: 'sms', to: '13900139001', name: '群众' } as const;
const receipt = { topic: 'receipt', params: { trackingNo: '8VTJDFHYMN', trackingCode: '776192', content: '您的诉求已受理' } };

describe('Aliyun (dysmsapi SDK)', () => {
  const aliyun = () => new AliyunSms({ accessKeyId: 'LTAI-test', accessKeySecret: 'secret', signName: '矛调通', templates, endpoint, protocol: 'http' });

  it('sends SendSms with the template and its parameters, signed ACS3-HMAC-SHA256 with the x-acs-* headers', async () => {
    answer = { status: 200, body: { Code: 'OK', Message: 'OK', BizId: '9001', RequestId: 'R1' } };
    await aliyun().send(to, '【矛调通】您的诉求已受理…', receipt);
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe('POST');
    const query = new URL(request!.url, 'http://x').searchParams;
    const fields = Object.fromEntries(new URLSearchParams(request!.body));
    const sent = { ...Object.fromEntries(query), ...fields };
    expect(sent).toMatchObject({ PhoneNumbers: '13900139001', SignName: '矛调通', TemplateCode: 'SMS_460001' });
    expect(JSON.parse(sent.TemplateParam ?? '')).toEqual({ trackingNo: '8VTJDFHYMN', trackingCode: '776192' });
    const h = request!.headers;
    expect(h['x-acs-action']).toBe('SendSms');
    expect(h['x-acs-version']).toBe('2017-05-25');
    expect(h['x-acs-date']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(h['x-acs-signature-nonce']).toBeTruthy();
    expect(h['x-acs-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(h.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=LTAI-test,SignedHeaders=[a-z0-9;-]+,Signature=[0-9a-f]{64}$/);
    expect(h.authorization).toContain('x-acs-action');
  });

  it("takes the template a unit mapped to its wording of the message (管理 › 常用语与通知) before SMS_TEMPLATES' for the kind", async () => {
    answer = { status: 200, body: { Code: 'OK', Message: 'OK', BizId: '9002', RequestId: 'R2' } };
    const worded = { ...receipt, params: { ...receipt.params, unit: '问安镇' }, worded: { aliyunTemplateCode: 'SMS_555', params: ['unit', 'trackingNo'] } };
    await aliyun().send(to, '【问安镇】…', worded);
    const sent = { ...Object.fromEntries(new URL(seen[0]!.url, 'http://x').searchParams), ...Object.fromEntries(new URLSearchParams(seen[0]!.body)) };
    expect(sent.TemplateCode).toBe('SMS_555');
    expect(JSON.parse(sent.TemplateParam ?? '')).toEqual({ unit: '问安镇', trackingNo: '8VTJDFHYMN' });
    // A wording mapped to no template id: the kind's own (none here).
    await expect(aliyun().send(to, 'x', { topic: 'escalated', params: {}, worded: { params: [] } })).rejects.toThrow('no approved template for "escalated"');
  });

  it('a refusal retrying cannot cure is Unreachable; throttling and errors are retried (ProviderError)', async () => {
    answer = { status: 200, body: { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' } };
    await expect(aliyun().send(to, 'x', receipt)).rejects.toBeInstanceOf(Unreachable);
    answer = { status: 200, body: { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发流控' } };
    const throttled = aliyun().send(to, 'x', receipt);
    await expect(throttled).rejects.toBeInstanceOf(ProviderError);
    await expect(throttled).rejects.not.toBeInstanceOf(Unreachable);
    answer = { status: 503, body: { Code: 'ServiceUnavailable', Message: 'busy' } };
    await expect(aliyun().send(to, 'x', receipt)).rejects.not.toBeInstanceOf(Unreachable);
  });

  it('a kind without an approved template, or a number abroad, is Unreachable before anything is sent', async () => {
    await expect(aliyun().send(to, 'x', { topic: 'escalated', params: { trackingNo: 'X' } })).rejects.toThrow('aliyun SMS: no approved template for "escalated"');
    await expect(aliyun().send(to, 'x', { topic: 'reminder', params: {} })).rejects.toThrow('no value for the template parameter trackingNo');
    await expect(aliyun().send({ ...to, to: '+14155550100' }, 'x', receipt)).rejects.toBeInstanceOf(Unreachable);
    expect(seen).toHaveLength(0);
  });
});

describe('Tencent Cloud (sms SDK)', () => {
  const tencent = () =>
    new TencentSms({ secretId: 'AKID-test', secretKey: 'secret', sdkAppId: '1400000001', signName: '矛调通', templates, endpoint, protocol: 'http://' });
  const ok = { Response: { SendStatusSet: [{ Code: 'Ok', Message: 'send success', SerialNo: 'S1', PhoneNumber: '+8613900139001' }], RequestId: 'R1' } };

  it('sends SendSms (2021-01-11) with the template id and parameters in order, signed TC3-HMAC-SHA256 with the X-TC-* headers', async () => {
    answer = { status: 200, body: ok };
    await tencent().send(to, '【矛调通】您的诉求已受理…', receipt);
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe('POST');
    expect(JSON.parse(request!.body)).toEqual({
      PhoneNumberSet: ['+8613900139001'],
      SmsSdkAppId: '1400000001',
      SignName: '矛调通',
      TemplateId: '1900001',
      TemplateParamSet: ['8VTJDFHYMN', '776192'],
    });
    const h = request!.headers;
    expect(h['x-tc-action']).toBe('SendSms');
    expect(h['x-tc-version']).toBe('2021-01-11');
    expect(h['x-tc-region']).toBe('ap-guangzhou');
    expect(h['x-tc-timestamp']).toMatch(/^\d{10}$/);
    expect(h.authorization).toMatch(/^TC3-HMAC-SHA256 Credential=AKID-test\/\d{4}-\d{2}-\d{2}\/[^/]+\/tc3_request, SignedHeaders=[a-z;-]+, Signature=[0-9a-f]{64}$/);
  });

  it('a final status is Unreachable; a passing one and an error response are retried', async () => {
    answer = { status: 200, body: { Response: { SendStatusSet: [{ Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: 'bad number' }], RequestId: 'R2' } } };
    await expect(tencent().send(to, 'x', receipt)).rejects.toBeInstanceOf(Unreachable);
    answer = { status: 200, body: { Response: { SendStatusSet: [{ Code: 'LimitExceeded.PhoneNumberThirtySecondLimit', Message: 'wait' }], RequestId: 'R3' } } };
    await expect(tencent().send(to, 'x', receipt)).rejects.not.toBeInstanceOf(Unreachable);
    answer = { status: 200, body: { Response: { Error: { Code: 'FailedOperation.TemplateIncorrectOrUnapproved', Message: 'no' }, RequestId: 'R4' } } };
    await expect(tencent().send(to, 'x', receipt)).rejects.toBeInstanceOf(Unreachable);
    answer = { status: 200, body: { Response: { Error: { Code: 'InternalError.Timeout', Message: 'later' }, RequestId: 'R5' } } };
    const failing = tencent().send(to, 'x', receipt);
    await expect(failing).rejects.toBeInstanceOf(ProviderError);
    await expect(failing).rejects.not.toBeInstanceOf(Unreachable);
  });

  it('a kind with an Aliyun template only is Unreachable on Tencent', async () => {
    await expect(tencent().send(to, 'x', { topic: 'reminder', params: { trackingNo: 'X' } })).rejects.toThrow('tencent SMS: no approved template for "reminder"');
    expect(seen).toHaveLength(0);
  });
});

describe('the provider per deployment', () => {
  const env = { SMS_TEMPLATES: JSON.stringify(templates) };
  it('SMS_PROVIDER chooses the SMS sender; without its settings the console', () => {
    expect(sendersFromEnv({ ...env, SMS_PROVIDER: 'aliyun', ALIYUN_SMS_ACCESS_KEY_ID: 'a', ALIYUN_SMS_ACCESS_KEY_SECRET: 's', ALIYUN_SMS_SIGN_NAME: '矛调通' }).sms.provider).toBe('aliyun');
    expect(
      sendersFromEnv({ ...env, SMS_PROVIDER: 'tencent', TENCENT_SMS_SECRET_ID: 'a', TENCENT_SMS_SECRET_KEY: 's', TENCENT_SMS_SDK_APP_ID: '1400000001', TENCENT_SMS_SIGN_NAME: '矛调通' }).sms
        .provider,
    ).toBe('tencent');
    expect(sendersFromEnv({ SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+1' }).sms.provider).toBe('twilio');
    expect(sendersFromEnv({ SMS_PROVIDER: 'aliyun' }).sms).toBeInstanceOf(ConsoleSender);
    expect(() => sendersFromEnv({ SMS_PROVIDER: 'carrier-pigeon' })).toThrow('SMS_PROVIDER must be one of twilio, aliyun, tencent');
  });

  it('SMS_TEMPLATES that does not parse stops the function at start, naming the field', () => {
    expect(() => smsTemplatesFromEnv(JSON.stringify({ receipt: { aliyunTemplateCode: '123', params: [] } }))).toThrow('receipt.aliyunTemplateCode');
    expect(smsTemplatesFromEnv(undefined)).toEqual({});
  });
});
