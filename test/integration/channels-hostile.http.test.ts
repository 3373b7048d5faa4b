/**
 * Hostile input on every channel webhook, through the real local stack: bad
 * signatures, replayed timestamps, oversized bodies, malformed XML and JSON,
 * entity bombs, invalid UTF-8. Each answers a 4xx and writes nothing (the
 * whole table is compared before and after).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { WechatCrypto, wechatSignature } from '../../shared/channels/wechat.ts';
import { twilioSignature } from '../../shared/channels/twilio.ts';
import { buildXml, cdata } from '../../shared/channels/xml.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, startTestStack, type Reply } from '../support/stack.ts';
import { SMS_SECRET, TWILIO_TOKEN, WECHAT, aliyunMessage, nowSeconds, postWechat, wechatCrypto, wechatText } from '../support/channels.ts';
import { xmlReady } from '../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.stop());

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));
const INVALID_UTF8 = [0xc3, 0x28, 0xff, 0xfe];

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>`;
const XXE = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>`;

function signedWechat(body: string | Uint8Array<ArrayBuffer>, timestamp = nowSeconds(), query: Record<string, string> = {}) {
  return () => postWechat(stack, body, { timestamp, nonce: '99', signature: wechatSignature(WECHAT.token, timestamp, '99'), query });
}

function aesWechat(encrypt: string, query: Record<string, string> = {}) {
  return () => {
    const timestamp = nowSeconds();
    const body = buildXml({ xml: { ToUserName: cdata(WECHAT.account), Encrypt: cdata(encrypt) } });
    const params = new URLSearchParams({ timestamp, nonce: '5', encrypt_type: 'aes', msg_signature: wechatCrypto.signature(timestamp, '5', encrypt), ...query });
    return call(stack, 'POST', `/webhooks/wechat?${params}`, { raw: body, headers: { 'content-type': 'text/xml' }, key: null });
  };
}

function twilio(raw: string | Uint8Array<ArrayBuffer>, options: { contentType?: string; signature?: string; signedParams?: URLSearchParams } = {}) {
  return () => {
    const signature = options.signature ?? twilioSignature(TWILIO_TOKEN, `${stack.url}/webhooks/sms/twilio`, options.signedParams ?? new URLSearchParams(typeof raw === 'string' ? raw : ''));
    return call(stack, 'POST', '/webhooks/sms/twilio', {
      raw,
      headers: { 'content-type': options.contentType ?? 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      key: null,
    });
  };
}

function sms(provider: 'aliyun' | 'tencent', raw: string | Uint8Array<ArrayBuffer>, contentType = 'application/json', secret: string = SMS_SECRET) {
  return () => call(stack, 'POST', `/webhooks/sms/${provider}/${secret}`, { raw, headers: { 'content-type': contentType }, key: null });
}

function open311(raw: string | Uint8Array<ArrayBuffer>) {
  return () => call(stack, 'POST', '/open311/v2/requests.json', { raw, headers: { 'content-type': 'application/x-www-form-urlencoded' }, key: null });
}

const otherApp = new WechatCrypto({ token: WECHAT.token, encodingAesKey: WECHAT.aesKey, appId: 'wxSomeoneElse00000' });
const valid = wechatText('oHostile', '正常内容');
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

const cases: { name: string; status: number; send: () => Promise<Reply> }[] = [
  // WeChat: who sent it
  { name: 'WeChat: wrong signature', status: 401, send: () => postWechat(stack, valid, { signature: '0'.repeat(40) }) },
  { name: 'WeChat: no signature', status: 400, send: () => call(stack, 'POST', `/webhooks/wechat?timestamp=${nowSeconds()}&nonce=1`, { raw: valid, headers: { 'content-type': 'text/xml' }, key: null }) },
  { name: 'WeChat: replayed timestamp 301 s old (signed)', status: 401, send: signedWechat(valid, String(Number(nowSeconds()) - 301)) },
  { name: 'WeChat: timestamp 10 min in the future (signed)', status: 401, send: signedWechat(valid, String(Number(nowSeconds()) + 600)) },
  { name: 'WeChat: non-numeric timestamp (signed)', status: 401, send: signedWechat(valid, '1e9') },
  { name: 'WeChat: URL check with a stale timestamp', status: 401, send: () => {
    const ts = String(Number(nowSeconds()) - 3600);
    return call(stack, 'GET', `/webhooks/wechat?${new URLSearchParams({ signature: wechatSignature(WECHAT.token, ts, '1'), timestamp: ts, nonce: '1', echostr: 'x' })}`, { key: null });
  } },
  { name: 'WeChat: URL check without echostr', status: 400, send: () => call(stack, 'GET', `/webhooks/wechat?timestamp=${nowSeconds()}&nonce=1&signature=x`, { key: null }) },
  // WeChat: what was sent
  { name: 'WeChat: body over 64 KB', status: 413, send: signedWechat(wechatText('oBig', '长'.repeat(30_000))) },
  { name: 'WeChat: malformed XML', status: 400, send: signedWechat('<xml><ToUserName>gh</ToUserName><FromUserName>oX</Content></xml>') },
  { name: 'WeChat: not XML at all', status: 400, send: signedWechat('{"MsgType":"text"}') },
  { name: 'WeChat: empty body', status: 400, send: signedWechat('') },
  { name: 'WeChat: billion laughs', status: 400, send: signedWechat(BILLION_LAUGHS) },
  { name: 'WeChat: XXE external entity', status: 400, send: signedWechat(XXE) },
  { name: 'WeChat: invalid UTF-8', status: 400, send: signedWechat(bytes('<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>', INVALID_UTF8, '</Content><MsgId>3</MsgId></xml>')) },
  { name: 'WeChat: another root element', status: 400, send: signedWechat('<message><Content>x</Content></message>') },
  { name: 'WeChat: no FromUserName', status: 400, send: signedWechat('<xml><ToUserName>gh</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>4</MsgId></xml>') },
  { name: 'WeChat: FromUserName that is no openId', status: 400, send: signedWechat(wechatText('o"><script>', 'x')) },
  // 700 汉字 are 2,100 bytes in UTF-8: past DynamoDB's key limit, though dynalite (UTF-16 units) took them.
  { name: 'WeChat: MsgId that is no message id (700 汉字, signed)', status: 400, send: signedWechat(wechatText('oX', 'x', '中'.repeat(700))) },
  { name: 'WeChat: CreateTime that is no number', status: 400, send: signedWechat(wechatText('oX', 'x', '5', 'yesterday')) },
  { name: 'WeChat: location out of range', status: 400, send: signedWechat('<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime><MsgType>location</MsgType><Location_X>123</Location_X><Location_Y>500</Location_Y><MsgId>6</MsgId></xml>') },
  { name: 'WeChat: openid parameter that is not the sender', status: 400, send: signedWechat(valid, nowSeconds(), { openid: 'oSomeoneElse' }) },
  { name: 'WeChat: unknown encrypt_type', status: 400, send: aesWechat(wechatCrypto.encrypt(valid), { encrypt_type: 'rot13' }) },
  // WeChat safe mode
  { name: 'WeChat AES: wrong msg_signature', status: 401, send: aesWechat(wechatCrypto.encrypt(valid), { msg_signature: 'a'.repeat(40) }) },
  { name: 'WeChat AES: ciphertext not whole blocks (signed)', status: 400, send: aesWechat('AAAAAAAAAAAAAAAAAAAAAAAA') },
  { name: 'WeChat AES: garbage ciphertext, bad padding (signed)', status: 400, send: aesWechat(randomBytes(64).toString('base64')) },
  { name: 'WeChat AES: sealed for another appId (signed)', status: 400, send: aesWechat(otherApp.encrypt(valid)) },
  { name: 'WeChat AES: no <Encrypt>', status: 400, send: () => {
    const ts = nowSeconds();
    return call(stack, 'POST', `/webhooks/wechat?${new URLSearchParams({ timestamp: ts, nonce: '5', encrypt_type: 'aes', msg_signature: wechatCrypto.signature(ts, '5', '') })}`, { raw: valid, headers: { 'content-type': 'text/xml' }, key: null });
  } },
  { name: 'WeChat AES: entity bomb inside the ciphertext (signed)', status: 400, send: aesWechat(wechatCrypto.encrypt(BILLION_LAUGHS)) },
  // Twilio
  { name: 'Twilio: wrong signature', status: 403, send: twilio(form({ MessageSid: 'SM1', From: '+8613900000001', Body: 'x' }), { signature: 'bm9wZQ==' }) },
  { name: 'Twilio: signature over other fields', status: 403, send: twilio(form({ MessageSid: 'SM1', From: '+8613900000001', Body: '改过的' }), { signedParams: new URLSearchParams({ MessageSid: 'SM1', From: '+8613900000001', Body: '原来的' }) }) },
  { name: 'Twilio: JSON instead of a form', status: 415, send: twilio('{"Body":"x"}', { contentType: 'application/json' }) },
  { name: 'Twilio: malformed %-escape', status: 400, send: twilio('MessageSid=SM1&From=%2B86139&Body=%E4%B8') },
  { name: 'Twilio: invalid UTF-8 bytes', status: 400, send: twilio(bytes('MessageSid=SM1&From=1&Body=', INVALID_UTF8)) },
  { name: 'Twilio: no MessageSid (signed)', status: 400, send: twilio(form({ From: '+8613900000001', Body: 'x' })) },
  { name: 'Twilio: MessageSid that is no SID (700 汉字, signed)', status: 400, send: twilio(form({ MessageSid: '中'.repeat(700), From: '+8613900000001', Body: 'x' })) },
  { name: 'Twilio: sender that is no phone number (signed)', status: 400, send: twilio(form({ MessageSid: 'SM2', From: 'client:alice', Body: 'x' })) },
  { name: 'Twilio: body over 64 KB', status: 413, send: twilio(form({ MessageSid: 'SM3', From: '+8613900000001', Body: 'x'.repeat(70_000) })) },
  // Aliyun and Tencent
  { name: 'Aliyun: wrong path secret', status: 404, send: sms('aliyun', JSON.stringify([aliyunMessage('13900000001', 'x')]), 'application/json', 'wrong') },
  { name: 'Aliyun: malformed JSON', status: 400, send: sms('aliyun', '[{"phone_number": "139') },
  { name: 'Aliyun: an object, not an array', status: 400, send: sms('aliyun', JSON.stringify(aliyunMessage('13900000001', 'x'))) },
  { name: 'Aliyun: an empty array', status: 400, send: sms('aliyun', '[]') },
  { name: 'Aliyun: a message without content', status: 400, send: sms('aliyun', JSON.stringify([{ phone_number: '13900000001', send_time: '2026-11-26 09:00:00', sequence_id: 1 }])) },
  { name: 'Aliyun: invalid UTF-8', status: 400, send: sms('aliyun', bytes('[{"phone_number":"13900000001","send_time":"","content":"', INVALID_UTF8, '","sequence_id":7}]')) },
  { name: 'Aliyun: XML', status: 415, send: sms('aliyun', '<xml/>', 'text/xml') },
  { name: 'Aliyun: body over 64 KB', status: 413, send: sms('aliyun', JSON.stringify([aliyunMessage('13900000001', '长'.repeat(25_000))])) },
  { name: 'Tencent: wrong path secret', status: 404, send: sms('tencent', '{}', 'application/json', SMS_SECRET.toUpperCase()) },
  { name: 'Tencent: no mobile', status: 400, send: sms('tencent', JSON.stringify({ nationcode: '86', text: 'x', time: 1 })) },
  { name: 'Tencent: a time that is no time', status: 400, send: sms('tencent', JSON.stringify({ mobile: '13900000001', nationcode: '86', text: 'x', time: 'soon' })) },
  // Open311
  { name: 'Open311: invalid UTF-8 form', status: 400, send: open311(bytes('api_key=local-open311-key&service_code=voice&description=', INVALID_UTF8, '&address_string=a')) },
  { name: 'Open311: malformed %-escape', status: 400, send: open311('api_key=local-open311-key&service_code=voice&description=%ZZ&address_string=a') },
  { name: 'Open311: body over 64 KB', status: 413, send: open311(form({ api_key: 'local-open311-key', service_code: 'voice', description: 'x'.repeat(70_000), address_string: 'a' })) },
  { name: 'Open311: description over 4000 characters', status: 400, send: open311(form({ api_key: 'local-open311-key', service_code: 'voice', description: '长'.repeat(4001), address_string: 'a' })) },
];

describe('hostile input on the channel webhooks: a 4xx, nothing written', () => {
  it.each(cases)('$name → $status', async ({ status, send }) => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const reply = await send();
    expect(reply.status).toBe(status);
    expect(reply.text.length).toBeGreaterThan(0);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('names the problem precisely', async () => {
    const bomb = await signedWechat(BILLION_LAUGHS)();
    expect(bomb.body.error).toMatchObject({ code: 'validation_failed', message: 'XML with a DOCTYPE or ENTITY declaration is refused' });
    const stale = await signedWechat(valid, String(Number(nowSeconds()) - 301))();
    expect(stale.body.error.message).toBe('the timestamp is not within ±300 s of now');
    const utf8 = await signedWechat(bytes('<xml>', INVALID_UTF8, '</xml>'))();
    expect(utf8.body.error.message).toBe('the body is not valid UTF-8');
  });
});
