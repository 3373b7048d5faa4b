/** Building signed channel requests (WeChat, Twilio, Aliyun, Tencent) for tests through the local stack. */
import { randomBytes } from 'node:crypto';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { QueueName } from '../../infra/topology.ts';
import { WechatCrypto, wechatSignature } from '../../shared/channels/wechat.ts';
import { twilioSignature } from '../../shared/channels/twilio.ts';
import { buildXml, cdata, parseFlatXml } from '../../shared/channels/xml.ts';
import { LOCAL_CHANNEL_DEFAULTS } from '../../infra/local/stack.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { call, type Reply } from './stack.ts';
import { xmlReady } from '../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

export const WECHAT = {
  token: LOCAL_CHANNEL_DEFAULTS.WECHAT_TOKEN,
  aesKey: LOCAL_CHANNEL_DEFAULTS.WECHAT_AES_KEY,
  appId: LOCAL_CHANNEL_DEFAULTS.WECHAT_APP_ID,
  account: 'gh_local_account',
};
export const TWILIO_TOKEN = LOCAL_CHANNEL_DEFAULTS.TWILIO_AUTH_TOKEN;
export const SMS_SECRET = LOCAL_CHANNEL_DEFAULTS.SMS_WEBHOOK_SECRET;

export const wechatCrypto = new WechatCrypto({ token: WECHAT.token, encodingAesKey: WECHAT.aesKey, appId: WECHAT.appId });

let msgIds = BigInt(Date.now()) * 1000n;
export const nextMsgId = () => String(++msgIds);
export const nowSeconds = () => String(Math.floor(Date.now() / 1000));

export function wechatText(openId: string, content: string, msgId = nextMsgId(), createTime = nowSeconds()): string {
  return buildXml({
    xml: { ToUserName: cdata(WECHAT.account), FromUserName: cdata(openId), CreateTime: createTime, MsgType: cdata('text'), Content: cdata(content), MsgId: msgId },
  });
}

export function wechatLocation(openId: string, lat: number, lng: number, label: string, msgId = nextMsgId()): string {
  return buildXml({
    xml: {
      ToUserName: cdata(WECHAT.account),
      FromUserName: cdata(openId),
      CreateTime: nowSeconds(),
      MsgType: cdata('location'),
      Location_X: lat,
      Location_Y: lng,
      Scale: 15,
      Label: cdata(label),
      MsgId: msgId,
    },
  });
}

export function wechatEvent(openId: string, event: string, createTime = nowSeconds()): string {
  return buildXml({ xml: { ToUserName: cdata(WECHAT.account), FromUserName: cdata(openId), CreateTime: createTime, MsgType: cdata('event'), Event: cdata(event) } });
}

export interface WechatPost {
  readonly timestamp?: string;
  readonly nonce?: string;
  readonly signature?: string;
  /** More query parameters (e.g. `openid`). */
  readonly query?: Record<string, string>;
}

/** POST a plaintext-mode message, signed unless a signature is given. */
export function postWechat(stack: LocalStack, xml: string | Uint8Array<ArrayBuffer>, options: WechatPost = {}): Promise<Reply> {
  const timestamp = options.timestamp ?? nowSeconds();
  const nonce = options.nonce ?? String(randomBytes(4).readUInt32BE());
  const signature = options.signature ?? wechatSignature(WECHAT.token, timestamp, nonce);
  const query = new URLSearchParams({ signature, timestamp, nonce, ...options.query });
  return call(stack, 'POST', `/webhooks/wechat?${query}`, { raw: xml, headers: { 'content-type': 'text/xml' }, key: null });
}

/** POST a safe-mode message: the XML encrypted into <Encrypt>, signed with msg_signature. */
/** The ciphertext with its first character changed (to another one: the same would change nothing). */
const tampered = (encrypt: string) => `${encrypt.startsWith('A') ? 'B' : 'A'}${encrypt.slice(1)}`;

export function postWechatAes(stack: LocalStack, xml: string, options: { timestamp?: string; nonce?: string; tamper?: boolean } = {}): Promise<Reply> {
  const timestamp = options.timestamp ?? nowSeconds();
  const nonce = options.nonce ?? String(randomBytes(4).readUInt32BE());
  const encrypt = wechatCrypto.encrypt(xml);
  const msgSignature = wechatCrypto.signature(timestamp, nonce, encrypt);
  const body = buildXml({ xml: { ToUserName: cdata(WECHAT.account), Encrypt: cdata(options.tamper ? tampered(encrypt) : encrypt) } });
  const query = new URLSearchParams({
    signature: wechatSignature(WECHAT.token, timestamp, nonce),
    timestamp,
    nonce,
    encrypt_type: 'aes',
    msg_signature: msgSignature,
  });
  return call(stack, 'POST', `/webhooks/wechat?${query}`, { raw: body, headers: { 'content-type': 'text/xml' }, key: null });
}

/** The fields of a passive reply (decrypted first when it is a safe-mode envelope). */
export function replyFields(text: string): Record<string, string> {
  const outer = parseFlatXml(text);
  return outer.Encrypt !== undefined ? parseFlatXml(wechatCrypto.decrypt(outer.Encrypt)) : outer;
}

/** The tracking number and 提取码 a receipt text carries. */
export function receiptOf(content: string): { trackingNo: string; trackingCode: string } {
  const m = /编号 ([2-9A-HJ-NP-Z]{10})，提取码 (\d{6})/.exec(content);
  if (!m) throw new Error(`not a receipt: ${content}`);
  return { trackingNo: m[1] as string, trackingCode: m[2] as string };
}

export function postTwilio(
  stack: LocalStack,
  fields: Record<string, string>,
  options: { signature?: string; path?: string; token?: string } = {},
): Promise<Reply> {
  const path = options.path ?? '/webhooks/sms/twilio';
  const form = new URLSearchParams(fields);
  const signature = options.signature ?? twilioSignature(options.token ?? TWILIO_TOKEN, `${stack.url}${path}`, form);
  return call(stack, 'POST', path, {
    raw: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    key: null,
  });
}

let sequence = Date.now();
export function aliyunMessage(phone: string, content: string, sequenceId = ++sequence) {
  return { phone_number: phone, send_time: '2026-11-26 09:30:00', content, sign_name: '矛调通', dest_code: '1234', sequence_id: sequenceId };
}

export function postAliyun(stack: LocalStack, body: unknown, secret: string = SMS_SECRET): Promise<Reply> {
  return call(stack, 'POST', `/webhooks/sms/aliyun/${secret}`, { body, key: null });
}

export function postTencent(stack: LocalStack, body: unknown, secret: string = SMS_SECRET): Promise<Reply> {
  return call(stack, 'POST', `/webhooks/sms/tencent/${secret}`, { body, key: null });
}

/** True when a queue holds nothing, visible or in flight: every message sent so far has been handled. */
export async function queueDrained(stack: LocalStack, queue: QueueName): Promise<true | undefined> {
  const a = await stack.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: stack.queues[queue].url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(a.Attributes?.ApproximateNumberOfMessages) === 0 && Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible) === 0 ? true : undefined;
}

/**
 * SMS texts queued for the notifier to a phone (a stack without workers): what
 * the resident's phone would receive — a 回执, a phone-link 验证码. Read
 * messages are taken off the queue and remembered here.
 */
const smsSeen = new Map<string, string[]>();
export async function smsQueuedTo(stack: LocalStack, phone: string): Promise<string[]> {
  const url = stack.queues.notify.url;
  for (;;) {
    const got = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = got.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) {
      const reply = (JSON.parse(m.Body ?? '{}') as { reply?: { channel: string; to: string; text: string } }).reply;
      if (reply?.channel === 'sms') smsSeen.set(reply.to, [...(smsSeen.get(reply.to) ?? []), reply.text]);
    }
    await stack.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })) }));
  }
  return smsSeen.get(phone) ?? [];
}

/** The 验证码 of the latest phone-link SMS to a phone. */
export async function linkCodeSentTo(stack: LocalStack, phone: string): Promise<string | undefined> {
  const texts = await smsQueuedTo(stack, phone);
  return [...texts].reverse().map((t) => /验证码 (\d{6})/.exec(t)?.[1]).find((c) => c !== undefined);
}
