/**
 * GET|POST /webhooks/wechat — the WeChat Official Account server.
 *
 * GET is the URL check (echo `echostr` when the signature is right). POST is
 * a resident's message, in plaintext (`signature`) or safe mode
 * (`encrypt_type=aes`, `msg_signature`, AES-256-CBC with the EncodingAESKey);
 * the timestamp must be within ±300 s. The answer is a passive reply in
 * WeChat's XML (sealed again in safe mode), given within WeChat's 5 s; a
 * retry of the same message (MsgId, or FromUserName+CreateTime for events)
 * changes nothing and gets the same reply.
 */
import middy from '@middy/core';
import { ValidationFailed } from '../../shared/domain/index.ts';
import { decodeUtf8 } from '../../shared/channels/form.ts';
import {
  WechatCrypto,
  answerEcho,
  parseWechatMessage,
  textReply,
  verifySignature,
  wechatDedupeKey,
  withinWindow,
  type WechatMessage,
} from '../../shared/channels/wechat.ts';
import { BadSignature, ChannelNotConfigured, query, requireQuery } from '../../shared/http/channel.ts';
import { bodyBytes, header, type ApiEvent } from '../../shared/http/event.ts';
import { UnsupportedMediaType } from '../../shared/http/errors.ts';
import { bodyLimit, httpErrors, mediaTypeOf } from '../../shared/http/middleware.ts';
import { text, type HttpResult } from '../../shared/http/response.ts';
import { channelConfig, residents, townshipFor } from '../../shared/service/channel-runtime.ts';
import { clock } from '../../shared/service/clock.ts';
import type { ResidentMessage } from '../../shared/service/residents.ts';
import { lambda } from '../../shared/service/lambda.ts';

const XML = 'text/xml; charset=utf-8';
const PLAIN = 'text/plain; charset=utf-8';
const OPEN_ID = /^[\w-]{1,128}$/;

let crypto: WechatCrypto | undefined;
function safeMode(): WechatCrypto {
  const wechat = channelConfig().wechat;
  if (!wechat?.aesKey || !wechat.appId) throw new ChannelNotConfigured('WeChat safe-mode');
  crypto ??= new WechatCrypto({ token: wechat.token, encodingAesKey: wechat.aesKey, appId: wechat.appId });
  return crypto;
}

function token(): string {
  const wechat = channelConfig().wechat;
  if (!wechat) throw new ChannelNotConfigured('WeChat');
  return wechat.token;
}

function checkTimestamp(timestamp: string): void {
  if (!withinWindow(timestamp, clock.now().getTime(), 300)) throw new BadSignature('the timestamp is not within ±300 s of now');
}

function verifyUrl(event: ApiEvent): HttpResult {
  const [timestamp, nonce, echostr] = requireQuery(event, 'timestamp', 'nonce', 'echostr');
  checkTimestamp(timestamp);
  const msgSignature = query(event, 'msg_signature');
  const answer = msgSignature
    ? safeMode().answerEcho({ msg_signature: msgSignature, timestamp, nonce, echostr })
    : answerEcho(token(), { signature: requireQuery(event, 'signature')[0], timestamp, nonce, echostr });
  if (answer === undefined) throw new BadSignature('the signature does not match');
  return text(200, answer, PLAIN);
}

function residentMessage(message: WechatMessage): ResidentMessage | undefined {
  switch (message.type) {
    case 'text':
      return { kind: 'text', text: message.content };
    case 'location':
      return { kind: 'location', lat: message.lat, lng: message.lng, label: message.label };
    case 'event':
      // Only a new follower gets an answer; menu clicks, unfollows and reported locations need none.
      return message.event.toLowerCase() === 'subscribe' ? { kind: 'subscribe' } : undefined;
    case 'image':
      return { kind: 'media', media: [{ kind: 'wechat', msgType: 'image', mediaId: message.mediaId, ...(message.picUrl ? { picUrl: message.picUrl } : {}) }] };
    case 'voice':
      return { kind: 'media', media: [{ kind: 'wechat', msgType: 'voice', mediaId: message.mediaId }], ...(message.recognition ? { text: message.recognition.slice(0, 4000) } : {}) };
    case 'other':
      return { kind: 'unsupported' };
  }
}

/** What WeChat sends its messages as. */
const XML_TYPES = ['text/xml', 'application/xml'];

async function receive(event: ApiEvent): Promise<HttpResult> {
  const secret = token();
  if (!XML_TYPES.includes(mediaTypeOf(event) ?? '')) throw new UnsupportedMediaType(XML_TYPES.join(' or '), header(event, 'content-type'));
  const [timestamp, nonce] = requireQuery(event, 'timestamp', 'nonce');
  checkTimestamp(timestamp);
  const body = decodeUtf8(bodyBytes(event));
  const encryptType = query(event, 'encrypt_type') ?? 'raw';
  let sealed: WechatCrypto | undefined;
  let xml: string;
  if (encryptType === 'aes') {
    sealed = safeMode();
    const [msgSignature] = requireQuery(event, 'msg_signature');
    const opened = sealed.open(body, { msg_signature: msgSignature, timestamp, nonce });
    if (opened === undefined) throw new BadSignature('msg_signature does not match');
    xml = opened;
  } else if (encryptType === 'raw') {
    const [signature] = requireQuery(event, 'signature');
    if (!verifySignature(secret, timestamp, nonce, signature)) throw new BadSignature('the signature does not match');
    xml = body;
  } else {
    throw new ValidationFailed(`unknown encrypt_type "${encryptType}"`, [{ path: 'encrypt_type', message: 'must be raw or aes' }]);
  }

  const message = parseWechatMessage(xml);
  if (!OPEN_ID.test(message.fromUserName)) {
    throw new ValidationFailed('FromUserName is not an openId', [{ path: 'FromUserName', message: 'is not an openId' }]);
  }
  const openid = query(event, 'openid');
  if (openid !== undefined && openid !== message.fromUserName) {
    throw new ValidationFailed('the openid parameter does not match FromUserName', [{ path: 'openid', message: 'does not match FromUserName' }]);
  }
  const resident = residentMessage(message);
  if (!resident) return text(200, 'success', PLAIN);

  const township = await townshipFor('wechat');
  const handled = await residents.handle({
    sender: { channel: 'wechat', openId: message.fromUserName, ...(township !== undefined ? { township } : {}) },
    key: wechatDedupeKey(message),
    message: resident,
  });
  if (handled.reply === undefined) return text(200, 'success', PLAIN);
  // CreateTime is when the message was first answered, so a retry gets the very same reply.
  const reply = textReply({ to: message.fromUserName, from: message.toUserName, createTime: Math.floor(Date.parse(handled.at) / 1000), content: handled.reply });
  return text(200, sealed ? sealed.seal(reply, timestamp, nonce) : reply, XML);
}

const run = middy<ApiEvent, HttpResult>()
  .use(httpErrors())
  .use(bodyLimit())
  .handler(async (event) => (event.requestContext.http.method === 'GET' ? verifyUrl(event) : receive(event)));

/** The Lambda entry: logging context, tracing, metrics and secrets (shared/service/lambda.ts). */
export const handler = lambda(run);
