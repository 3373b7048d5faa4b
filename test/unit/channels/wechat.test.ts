import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from '../../fixtures/channel-vectors.json' with { type: 'json' };
import { ValidationFailed } from '../../../shared/domain/errors.ts';
import {
  WechatCrypto,
  WechatCryptoError,
  WechatMessageError,
  parseWechatMessage,
  textReply,
  wechatDedupeKey,
  withinWindow,
} from '../../../shared/channels/wechat.ts';
import { parseFlatXml } from '../../../shared/channels/xml.ts';
import { xmlReady } from '../../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

const aes = vectors.wechat_aes;
const config = { token: aes.token, encodingAesKey: aes.encodingAesKey, appId: aes.appId };
const crypto = new WechatCrypto(config);
const key = Buffer.from(`${aes.encodingAesKey}=`, 'base64');

/** AES-256-CBC of raw bytes with WeChat's key and IV, no padding added: to forge bad plaintexts. */
function rawEncrypt(plain: Buffer): string {
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function layout(msg: string, appId: string): Buffer {
  const body = Buffer.from(msg, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([Buffer.alloc(16, 7), len, body, Buffer.from(appId)]);
}

describe('WeChat safe mode: strict padding and appId', () => {
  it('pads to 32-byte blocks: a layout of exactly 32 bytes gets a whole block of 32s', () => {
    // 16 random + 4 length + 0 message + 12 appId = 32 bytes.
    const c = new WechatCrypto({ ...config, appId: 'wx0123456789' });
    const encrypted = c.encrypt('', Buffer.alloc(16));
    expect(Buffer.from(encrypted, 'base64')).toHaveLength(64);
    expect(c.decrypt(encrypted)).toBe('');
  });

  it('refuses a ciphertext whose last plaintext byte was flipped (bad pad value)', () => {
    const data = Buffer.from(crypto.encrypt('阳光小区3栋楼道灯坏了'), 'base64');
    // Flipping byte i of the previous block flips byte i of the last plaintext block: the pad length.
    data[data.length - 17] = (data[data.length - 17] ?? 0) ^ 0x80;
    expect(() => crypto.decrypt(data.toString('base64'))).toThrow(WechatCryptoError);
    expect(() => crypto.decrypt(data.toString('base64'))).toThrow('bad padding');
  });

  it('refuses pad bytes that are not all equal, a pad of 0, and a pad over 32', () => {
    const base = layout('hi', aes.appId); // 16 + 4 + 2 + 18 = 40 bytes
    const fill = 64 - base.length; // 24
    const uneven = Buffer.concat([base, Buffer.alloc(fill, fill)]);
    uneven[base.length] = 3; // the first pad byte differs
    expect(() => crypto.decrypt(rawEncrypt(uneven))).toThrow('bad padding');
    const zero = Buffer.concat([base, Buffer.alloc(fill, 0)]);
    expect(() => crypto.decrypt(rawEncrypt(zero))).toThrow('bad padding');
    const tooBig = Buffer.concat([base, Buffer.alloc(fill + 32, 0)]);
    tooBig[tooBig.length - 1] = 33;
    expect(() => crypto.decrypt(rawEncrypt(tooBig))).toThrow('bad padding');
    // The same layout padded correctly opens, so the refusals above are about padding alone.
    expect(crypto.decrypt(rawEncrypt(Buffer.concat([base, Buffer.alloc(fill, fill)])))).toBe('hi');
  });

  it('refuses AES’s own 16-byte PKCS#7: a payload padded to an odd number of 16-byte blocks, however well-formed', () => {
    const base = layout('hi', aes.appId); // 40 bytes: PKCS#7 over 16 pads 8 bytes of 8 to 48, over 32 pads 24 of 24 to 64
    const sixteen = Buffer.concat([base, Buffer.alloc(8, 8)]);
    expect(sixteen).toHaveLength(48);
    expect(() => crypto.decrypt(rawEncrypt(sixteen))).toThrow(WechatCryptoError);
    expect(() => crypto.decrypt(rawEncrypt(sixteen))).toThrow('bad padding: not whole 32-byte blocks');
    // Node's own PKCS#7 (what a careless sender or `setAutoPadding(true)` produces) is refused the same way.
    const auto = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
    const autoPadded = Buffer.concat([auto.update(base), auto.final()]).toString('base64');
    expect(() => crypto.decrypt(autoPadded)).toThrow('bad padding');
    // The published vectors are whole 32-byte blocks, and open.
    for (const encrypt of [aes.decrypt.encrypt, aes.encrypt.encrypt, aes.echo.echostr]) {
      expect(Buffer.from(encrypt, 'base64').length % 32).toBe(0);
      expect(() => crypto.decrypt(encrypt)).not.toThrow();
    }
  });

  it('refuses a message for another appId', () => {
    const other = new WechatCrypto({ ...config, appId: 'wx0000000000000000' });
    const encrypted = other.encrypt('<xml/>');
    expect(() => crypto.decrypt(encrypted)).toThrow(WechatCryptoError);
    expect(() => crypto.decrypt(encrypted)).toThrow('another appId');
  });

  it('refuses a length field pointing past the plaintext, truncated ciphertext and non-UTF-8 messages', () => {
    const lying = layout('hi', aes.appId);
    lying.writeUInt32BE(1000, 16);
    const padded = Buffer.concat([lying, Buffer.alloc(24, 24)]);
    expect(() => crypto.decrypt(rawEncrypt(padded))).toThrow('length');
    expect(() => crypto.decrypt(aes.decrypt.encrypt.slice(0, 10))).toThrow(WechatCryptoError);
    expect(() => crypto.decrypt('')).toThrow(WechatCryptoError);
    const bad = Buffer.concat([Buffer.alloc(16), Buffer.from([0, 0, 0, 2, 0xff, 0xfe]), Buffer.from(aes.appId)]);
    expect(() => crypto.decrypt(rawEncrypt(Buffer.concat([bad, Buffer.alloc(64 - bad.length, 64 - bad.length)])))).toThrow(
      'UTF-8',
    );
  });

  it('is a 400-class error, not a crash', () => {
    expect(() => crypto.decrypt('AAAA')).toThrow(ValidationFailed);
  });

  it('refuses a malformed EncodingAESKey at construction', () => {
    expect(() => new WechatCrypto({ ...config, encodingAesKey: 'short' })).toThrow(RangeError);
    expect(() => new WechatCrypto({ ...config, encodingAesKey: `${aes.encodingAesKey.slice(0, 42)}!` })).toThrow(RangeError);
  });

  it('round-trips any UTF-8 string, Chinese included (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('楼上漏水', '噪音扰民😠')), fc.uint8Array({ minLength: 16, maxLength: 16 }), (text, random) => {
        expect(crypto.decrypt(crypto.encrypt(text, random))).toBe(text);
      }),
    );
  });

  it('seals a reply in the envelope whose signature and ciphertext open again', () => {
    const reply = textReply({ to: 'oResident', from: 'gh_account', createTime: 1411525903, content: '已收到' });
    const envelope = crypto.seal(reply, '1411525903', '461056294', Buffer.from(aes.encrypt.random16));
    expect(envelope).toMatch(
      /^<xml><Encrypt><!\[CDATA\[[A-Za-z0-9+/=]+\]\]><\/Encrypt><MsgSignature><!\[CDATA\[[0-9a-f]{40}\]\]><\/MsgSignature><TimeStamp>1411525903<\/TimeStamp><Nonce><!\[CDATA\[461056294\]\]><\/Nonce><\/xml>$/,
    );
    const opened = crypto.open(envelope, { msg_signature: parseFlatXml(envelope).MsgSignature ?? '', timestamp: '1411525903', nonce: '461056294' });
    expect(opened).toBe(reply);
    expect(crypto.open(envelope, { msg_signature: '0'.repeat(40), timestamp: '1411525903', nonce: '461056294' })).toBeUndefined();
  });

  it('opens the published inbound message from its <Encrypt> body', () => {
    const v = aes.decrypt;
    const body = `<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName><Encrypt><![CDATA[${v.encrypt}]]></Encrypt></xml>`;
    const inner = crypto.open(body, { msg_signature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce });
    if (inner === undefined) throw new Error('signature should match');
    const message = parseWechatMessage(inner);
    expect(message).toMatchObject({ type: 'text', content: 'test', fromUserName: 'messense', msgId: '4363689963896700987' });
    expect(() => crypto.open('<xml><ToUserName>x</ToUserName></xml>', { msg_signature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce })).toThrow(
      'no <Encrypt>',
    );
  });
});

const head = '<ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[oResident]]></FromUserName><CreateTime>1714037059</CreateTime>';

describe('WeChat inbound messages', () => {
  it('parses a text message, keeping a numeric-looking Content and the 19-digit MsgId exact', () => {
    const m = parseWechatMessage(`<xml>${head}<MsgType><![CDATA[text]]></MsgType><Content>00123</Content><MsgId>4363689963896700987</MsgId></xml>`);
    expect(m).toEqual({ type: 'text', toUserName: 'gh_account', fromUserName: 'oResident', createTime: 1714037059, content: '00123', msgId: '4363689963896700987' });
    expect(wechatDedupeKey(m)).toBe('msg:4363689963896700987');
  });

  it('parses a location: Location_X is the latitude, Location_Y the longitude', () => {
    const m = parseWechatMessage(
      `<xml>${head}<MsgType><![CDATA[location]]></MsgType><Location_X>30.657</Location_X><Location_Y>104.066</Location_Y><Scale>15</Scale><Label><![CDATA[阳光小区3栋]]></Label><MsgId>1</MsgId></xml>`,
    );
    expect(m).toMatchObject({ type: 'location', lat: 30.657, lng: 104.066, label: '阳光小区3栋' });
    expect(() => parseWechatMessage(`<xml>${head}<MsgType>location</MsgType><Location_X>91</Location_X><Location_Y>1</Location_Y></xml>`)).toThrow(
      'Location_X',
    );
    expect(() => parseWechatMessage(`<xml>${head}<MsgType>location</MsgType><Location_X>abc</Location_X><Location_Y>1</Location_Y></xml>`)).toThrow(
      WechatMessageError,
    );
  });

  it('parses events, which have no MsgId and dedupe on FromUserName + CreateTime', () => {
    const m = parseWechatMessage(`<xml>${head}<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`);
    expect(m).toEqual({ type: 'event', toUserName: 'gh_account', fromUserName: 'oResident', createTime: 1714037059, event: 'subscribe' });
    expect(wechatDedupeKey(m)).toBe('evt:oResident:1714037059');
    const other = parseWechatMessage(`<xml>${head.replace('oResident', 'oOther')}<MsgType>event</MsgType><Event>unsubscribe</Event></xml>`);
    expect(wechatDedupeKey(other)).not.toBe(wechatDedupeKey(m));
  });

  it('passes other message types through as "other" with their MsgType', () => {
    const m = parseWechatMessage(`<xml>${head}<MsgType>video</MsgType><MediaId>m1</MediaId><ThumbMediaId>t1</ThumbMediaId><MsgId>9</MsgId></xml>`);
    expect(m).toMatchObject({ type: 'other', msgType: 'video', msgId: '9' });
  });

  it('reads an image (MediaId, PicUrl) and a voice message (Format, Recognition)', () => {
    const image = parseWechatMessage(`<xml>${head}<MsgType>image</MsgType><PicUrl><![CDATA[http://mmbiz.qpic.cn/a/0]]></PicUrl><MediaId><![CDATA[media_1-A]]></MediaId><MsgId>9</MsgId></xml>`);
    expect(image).toMatchObject({ type: 'image', mediaId: 'media_1-A', picUrl: 'http://mmbiz.qpic.cn/a/0', msgId: '9' });
    const voice = parseWechatMessage(`<xml>${head}<MsgType>voice</MsgType><MediaId>v1</MediaId><Format>amr</Format><Recognition><![CDATA[ 楼下很吵 ]]></Recognition><MsgId>10</MsgId></xml>`);
    expect(voice).toMatchObject({ type: 'voice', mediaId: 'v1', format: 'amr', recognition: '楼下很吵' });
    const unheard = parseWechatMessage(`<xml>${head}<MsgType>voice</MsgType><MediaId>v1</MediaId><Format>amr</Format><Recognition></Recognition><MsgId>11</MsgId></xml>`);
    expect(unheard).not.toHaveProperty('recognition');
  });

  it('refuses an image without a MediaId, with a MediaId that cannot be a key, or a PicUrl that is no URL', () => {
    expect(() => parseWechatMessage(`<xml>${head}<MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl><MsgId>9</MsgId></xml>`)).toThrow('no MediaId');
    expect(() => parseWechatMessage(`<xml>${head}<MsgType>image</MsgType><MediaId>${'m'.repeat(129)}</MediaId><MsgId>9</MsgId></xml>`)).toThrow('MediaId');
    expect(() => parseWechatMessage(`<xml>${head}<MsgType>image</MsgType><MediaId>m</MediaId><PicUrl>javascript:alert(1)</PicUrl><MsgId>9</MsgId></xml>`)).toThrow('PicUrl is not a URL');
  });

  it('refuses a message missing a common field or with a non-numeric CreateTime', () => {
    expect(() => parseWechatMessage('<xml><MsgType>text</MsgType></xml>')).toThrow('no CreateTime');
    expect(() => parseWechatMessage(`<xml>${head.replace('1714037059', '12.5')}<MsgType>text</MsgType></xml>`)).toThrow('CreateTime');
    expect(() => parseWechatMessage(`<xml>${head.replace('<![CDATA[oResident]]>', '')}<MsgType>text</MsgType></xml>`)).toThrow('no FromUserName');
    expect(() => parseWechatMessage(`<xml>${head}</xml>`)).toThrow('no MsgType');
  });
});

describe('WeChat passive reply', () => {
  it('is exactly WeChat’s text reply format', () => {
    expect(textReply({ to: 'oResident', from: 'gh_account', createTime: 1714037059, content: '您的诉求已受理' })).toBe(
      '<xml><ToUserName><![CDATA[oResident]]></ToUserName><FromUserName><![CDATA[gh_account]]></FromUserName><CreateTime>1714037059</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[您的诉求已受理]]></Content></xml>',
    );
  });

  it('keeps CDATA well-formed when the content holds "]]>", and round-trips it through the parser', () => {
    const content = 'a]]>b <c> & ]]]]> end';
    const xml = textReply({ to: 'o', from: 'g', createTime: 1, content });
    expect(xml).not.toContain('<![CDATA[a]]>b');
    const fields = parseFlatXml(xml);
    expect(fields.Content).toBe(content);
    expect(fields.MsgType).toBe('text');
  });

  it('round-trips any content through reply and parse (property)', () => {
    const piece = fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom(']]>', ']]', ']', '<![CDATA[', '&amp;', '<', '\u0001', '\ud800'));
    fc.assert(
      fc.property(fc.array(piece).map((parts) => parts.join('')), (content) => {
        const xml = textReply({ to: 'o', from: 'g', createTime: 1, content });
        // What XML 1.0 cannot carry is dropped, and the parser trims values.
        const carried = content.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '').trim();
        expect(parseFlatXml(xml).Content).toBe(carried);
      }),
    );
  });

  it('drops characters XML cannot carry instead of emitting a reply WeChat cannot parse', () => {
    expect(textReply({ to: 'o', from: 'g', createTime: 1, content: 'a\u0001b\u0008c' })).toContain('<Content><![CDATA[abc]]></Content>');
  });
});

describe('replay window', () => {
  const now = 1_714_037_059_000;
  it('accepts timestamps within 300 s either way and refuses the rest', () => {
    expect(withinWindow('1714037059', now)).toBe(true);
    expect(withinWindow(1714037059 - 300, now)).toBe(true);
    expect(withinWindow(1714037059 + 300, now)).toBe(true);
    expect(withinWindow(1714037059 - 301, now)).toBe(false);
    expect(withinWindow(1714037059 + 301, now)).toBe(false);
    expect(withinWindow('1714037059', now, 10)).toBe(true);
    expect(withinWindow(String(1714037059 - 11), now, 10)).toBe(false);
  });

  it('refuses timestamps that are not whole seconds', () => {
    for (const bad of ['', 'abc', '1714037059.5', '-1', '1e9', ' 1714037059']) expect(withinWindow(bad, now)).toBe(false);
  });
});
