/**
 * WeChat Official Account server protocol: URL signatures, safe mode
 * (`encrypt_type=aes`), inbound messages and passive replies. Pure: the
 * caller passes the secrets, the time and (for tests) the random bytes.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { safeEqual } from './checks.ts';
import { KEY_ID_MESSAGE, KEY_ID_PATTERN } from '../contract/fields.ts';
import { refuseControlChars } from '../contract/hygiene.ts';
import { BadPayload } from './errors.ts';
import { buildXml, cdata, parseFlatXml } from './xml.ts';

function sha1OfSorted(parts: readonly string[]): string {
  // WeChat sorts by plain string order (byte order for the ASCII it sends), then concatenates.
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

/** The `signature` of a plaintext-mode request (and of the URL check). */
export function wechatSignature(token: string, timestamp: string, nonce: string): string {
  return sha1OfSorted([token, timestamp, nonce]);
}

/** The `msg_signature` of safe mode, over the encrypted payload as well. */
export function msgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1OfSorted([token, timestamp, nonce, encrypt]);
}

export function verifySignature(token: string, timestamp: string, nonce: string, signature: string): boolean {
  return safeEqual(wechatSignature(token, timestamp, nonce), signature.toLowerCase());
}

export function verifyMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string, signature: string): boolean {
  return safeEqual(msgSignature(token, timestamp, nonce, encrypt), signature.toLowerCase());
}

/** Plaintext-mode URL check: the `echostr` to answer, or undefined when the signature is wrong. */
export function answerEcho(
  token: string,
  query: { signature?: string; timestamp?: string; nonce?: string; echostr?: string },
): string | undefined {
  const { signature, timestamp, nonce, echostr } = query;
  if (signature === undefined || timestamp === undefined || nonce === undefined || echostr === undefined) return undefined;
  return verifySignature(token, timestamp, nonce, signature) ? echostr : undefined;
}

/** WeChat's `timestamp` query parameter is checked against this window. */
export { withinWindow } from './checks.ts';

/** Ciphertext that does not open: tampered, badly padded, or for another account. */
export class WechatCryptoError extends BadPayload {
  override readonly name = 'WechatCryptoError';
}

export interface WechatAesConfig {
  readonly token: string;
  /** 43 characters of base64, as shown in the WeChat console. */
  readonly encodingAesKey: string;
  readonly appId: string;
}

// WeChat pads to 32-byte blocks, not AES's 16, so Node's PKCS#7 (autoPadding) cannot be used.
const PAD_BLOCK = 32;

function pad(data: Buffer): Buffer {
  const n = PAD_BLOCK - (data.length % PAD_BLOCK);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

/**
 * WeChat's PKCS#7 over 32-byte blocks, checked exactly: the padded text is
 * whole 32-byte blocks and ends in n bytes of value n, 1 ≤ n ≤ 32. AES's own
 * 16-byte PKCS#7 (a ciphertext of an odd number of AES blocks, or padding of
 * 1–16 that happens to fit) is not WeChat's and is refused.
 */
function unpad(data: Buffer): Buffer {
  if (data.length === 0 || data.length % PAD_BLOCK !== 0) throw new WechatCryptoError('bad padding: not whole 32-byte blocks');
  const n = data[data.length - 1] ?? 0;
  if (n < 1 || n > PAD_BLOCK) throw new WechatCryptoError('bad padding');
  for (let i = data.length - n; i < data.length; i++) {
    if (data[i] !== n) throw new WechatCryptoError('bad padding');
  }
  return data.subarray(0, data.length - n);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Safe mode (`encrypt_type=aes`): AES-256-CBC, IV = first 16 bytes of the key. */
export class WechatCrypto {
  readonly #key: Buffer;
  readonly #iv: Buffer;

  constructor(readonly config: WechatAesConfig) {
    if (!/^[A-Za-z0-9+/]{43}$/.test(config.encodingAesKey)) {
      // Configuration, not input: a plain error (a 500), never blamed on the sender.
      throw new RangeError('EncodingAESKey must be 43 base64 characters');
    }
    this.#key = Buffer.from(`${config.encodingAesKey}=`, 'base64');
    this.#iv = this.#key.subarray(0, 16);
  }

  /** Base64 ciphertext of random16 + length (4 bytes, big-endian) + message + appId. */
  encrypt(plain: string, random16: Uint8Array = randomBytes(16)): string {
    if (random16.length !== 16) throw new RangeError('random prefix must be 16 bytes');
    const msg = Buffer.from(plain, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(msg.length);
    const body = pad(Buffer.concat([random16, length, msg, Buffer.from(this.config.appId, 'utf8')]));
    const cipher = createCipheriv('aes-256-cbc', this.#key, this.#iv).setAutoPadding(false);
    return Buffer.concat([cipher.update(body), cipher.final()]).toString('base64');
  }

  /** The message inside; throws WechatCryptoError on bad ciphertext, padding, layout or appId. */
  decrypt(encrypted: string): string {
    const data = Buffer.from(encrypted, 'base64');
    if (data.length === 0 || data.length % 16 !== 0) throw new WechatCryptoError('ciphertext is not whole AES blocks');
    const decipher = createDecipheriv('aes-256-cbc', this.#key, this.#iv).setAutoPadding(false);
    const plain = unpad(Buffer.concat([decipher.update(data), decipher.final()]));
    if (plain.length < 20) throw new WechatCryptoError('plaintext too short');
    const length = plain.readUInt32BE(16);
    if (20 + length > plain.length) throw new WechatCryptoError('message length exceeds the plaintext');
    const appId = plain.subarray(20 + length).toString('utf8');
    if (!safeEqual(appId, this.config.appId)) throw new WechatCryptoError('message is for another appId');
    try {
      return utf8.decode(plain.subarray(20, 20 + length));
    } catch {
      throw new WechatCryptoError('message is not valid UTF-8');
    }
  }

  signature(timestamp: string, nonce: string, encrypt: string): string {
    return msgSignature(this.config.token, timestamp, nonce, encrypt);
  }

  /** Safe-mode URL check: the decrypted `echostr` to answer, or undefined when the signature is wrong. */
  answerEcho(query: { msg_signature?: string; timestamp?: string; nonce?: string; echostr?: string }): string | undefined {
    const { msg_signature: signature, timestamp, nonce, echostr } = query;
    if (signature === undefined || timestamp === undefined || nonce === undefined || echostr === undefined) return undefined;
    if (!verifyMsgSignature(this.config.token, timestamp, nonce, echostr, signature)) return undefined;
    return this.decrypt(echostr);
  }

  /**
   * The inner XML of an encrypted inbound body, or undefined when
   * `msg_signature` does not match its `<Encrypt>`.
   */
  open(body: string, query: { msg_signature: string; timestamp: string; nonce: string }): string | undefined {
    const encrypt = parseFlatXml(body).Encrypt;
    if (encrypt === undefined) throw new WechatCryptoError('encrypted body has no <Encrypt>');
    if (!verifyMsgSignature(this.config.token, query.timestamp, query.nonce, encrypt, query.msg_signature)) return undefined;
    return this.decrypt(encrypt);
  }

  /** The encrypted reply envelope around a passive reply's XML. */
  seal(replyXml: string, timestamp: string, nonce: string, random16?: Uint8Array): string {
    const encrypt = this.encrypt(replyXml, random16);
    return buildXml({
      xml: {
        Encrypt: cdata(encrypt),
        MsgSignature: cdata(this.signature(timestamp, nonce, encrypt)),
        TimeStamp: timestamp,
        Nonce: cdata(nonce),
      },
    });
  }
}

interface WechatCommon {
  readonly toUserName: string;
  /** The resident's openId. */
  readonly fromUserName: string;
  /** Seconds since the epoch. */
  readonly createTime: number;
  readonly msgId?: string;
}

export type WechatMessage =
  | (WechatCommon & { readonly type: 'text'; readonly content: string })
  | (WechatCommon & { readonly type: 'location'; readonly lat: number; readonly lng: number; readonly label: string })
  | (WechatCommon & { readonly type: 'event'; readonly event: string; readonly eventKey?: string })
  /** A photo: the media API gives it by MediaId (valid three days); PicUrl is WeChat's own copy. */
  | (WechatCommon & { readonly type: 'image'; readonly mediaId: string; readonly picUrl?: string })
  /** A recording (AMR or speex); `recognition` is WeChat's transcript when the account has speech recognition on. */
  | (WechatCommon & { readonly type: 'voice'; readonly mediaId: string; readonly format: string; readonly recognition?: string })
  /** Video, link...: answered with a hint to send text or a photo. */
  | (WechatCommon & { readonly type: 'other'; readonly msgType: string });

export class WechatMessageError extends BadPayload {
  override readonly name = 'WechatMessageError';
}

function required(fields: Record<string, string>, name: string): string {
  const value = fields[name];
  if (value === undefined || value === '') throw new WechatMessageError(`message has no ${name}`);
  return value;
}

function coordinate(fields: Record<string, string>, name: string, limit: number): number {
  const value = Number(required(fields, name));
  if (!Number.isFinite(value) || Math.abs(value) > limit) throw new WechatMessageError(`${name} is not a coordinate`);
  return value;
}

/** An id the message is stored under: 1–128 printable ASCII characters. */
function keyOf(value: string, name: string): string {
  if (!KEY_ID_PATTERN.test(value)) throw new WechatMessageError(`${name} ${KEY_ID_MESSAGE}`, [{ path: name, message: KEY_ID_MESSAGE }]);
  return value;
}

/** A URL WeChat sends (PicUrl): printable ASCII, http(s), bounded; whether it may be fetched is the allow-list's question. */
function urlOf(value: string, name: string): string {
  if (!/^https?:\/\/[\x21-\x7e]{1,2000}$/.test(value) || !URL.canParse(value)) {
    throw new WechatMessageError(`${name} is not a URL`, [{ path: name, message: 'must be an http(s) URL' }]);
  }
  return value;
}

/** A plaintext (or already decrypted) inbound message. */
export function parseWechatMessage(xml: string): WechatMessage {
  const f = parseFlatXml(xml);
  refuseControlChars(f);
  const createTime = required(f, 'CreateTime');
  if (!/^\d{1,12}$/.test(createTime)) throw new WechatMessageError('CreateTime is not a number of seconds');
  // A MsgId is a 64-bit number; bounded, it also stays a valid DynamoDB key (the dedupe record's) in UTF-8 bytes.
  if (f.MsgId && !/^\d{1,20}$/.test(f.MsgId)) {
    throw new WechatMessageError('MsgId is not a message id', [{ path: 'MsgId', message: 'must be a number of at most 20 digits' }]);
  }
  const common: WechatCommon = {
    toUserName: required(f, 'ToUserName'),
    fromUserName: required(f, 'FromUserName'),
    createTime: Number(createTime),
    ...(f.MsgId ? { msgId: keyOf(f.MsgId, 'MsgId') } : {}),
  };
  const msgType = required(f, 'MsgType');
  switch (msgType) {
    case 'text':
      return { ...common, type: 'text', content: f.Content ?? '' };
    case 'location':
      // Location_X is the latitude and Location_Y the longitude in WeChat's naming.
      return {
        ...common,
        type: 'location',
        lat: coordinate(f, 'Location_X', 90),
        lng: coordinate(f, 'Location_Y', 180),
        label: f.Label ?? '',
      };
    case 'event':
      return { ...common, type: 'event', event: required(f, 'Event'), ...(f.EventKey ? { eventKey: f.EventKey } : {}) };
    case 'image':
      return { ...common, type: 'image', mediaId: keyOf(required(f, 'MediaId'), 'MediaId'), ...(f.PicUrl ? { picUrl: urlOf(f.PicUrl, 'PicUrl') } : {}) };
    case 'voice':
      return {
        ...common,
        type: 'voice',
        mediaId: keyOf(required(f, 'MediaId'), 'MediaId'),
        format: f.Format ?? 'amr',
        ...(f.Recognition?.trim() ? { recognition: f.Recognition.trim() } : {}),
      };
    default:
      return { ...common, type: 'other', msgType };
  }
}

/** WeChat retries a message up to three times: MsgId identifies it, else (events) FromUserName + CreateTime. */
export function wechatDedupeKey(message: WechatMessage): string {
  return message.msgId !== undefined ? `msg:${message.msgId}` : `evt:${message.fromUserName}:${message.createTime}`;
}

/** A passive text reply; `to` is the resident (the inbound FromUserName), `from` the account. */
export function textReply(reply: { to: string; from: string; createTime: number; content: string }): string {
  return buildXml({
    xml: {
      ToUserName: cdata(reply.to),
      FromUserName: cdata(reply.from),
      CreateTime: reply.createTime,
      MsgType: cdata('text'),
      Content: cdata(reply.content),
    },
  });
}
