/**
 * Our channel protocols against independent implementations: the Twilio
 * signature against the `twilio` library's, and WeChat's AES message
 * encryption and signature against `wechat-crypto` — each side encrypting for
 * the other to decrypt.
 */
import { createRequire } from 'node:module';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { twilioSignature, verifyTwilioSignature } from '../../../shared/channels/twilio.ts';
import { WechatCrypto } from '../../../shared/channels/wechat.ts';

interface WXBizMsgCrypt {
  getSignature(timestamp: string, nonce: string, encrypt: string): string;
  encrypt(text: string): string;
  decrypt(text: string): { message: string; id: string };
}
// wechat-crypto ships no types: its constructor, as its source has it.
const WechatCryptoLib = createRequire(import.meta.url)('wechat-crypto') as new (token: string, encodingAESKey: string, id: string) => WXBizMsgCrypt;

const TOKEN = 'twilio-auth-token-0123456789abcdef';
const URL_ = 'https://api.example.gov.cn/webhooks/sms/twilio?township=hp';

describe('Twilio X-Twilio-Signature, against the twilio library', () => {
  const forms: Record<string, string>[] = [
    { MessageSid: 'SM0123456789abcdef0123456789abcdef', From: '+8613900139001', To: '+14155550100', Body: '阳光小区1栋路灯坏了' },
    { Body: '', From: '+8613900139002' },
    { Body: 'a&b=c 100% 「引号」 emoji 🙂', NumMedia: '1', MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1', MediaContentType0: 'image/jpeg' },
  ];

  it.each(forms.map((f, i) => [i, f] as const))('form %i: the same signature, and each accepts the other’s', (_i, form) => {
    const ours = twilioSignature(TOKEN, URL_, form);
    expect(ours).toBe(twilio.getExpectedTwilioSignature(TOKEN, URL_, form));
    expect(twilio.validateRequest(TOKEN, ours, URL_, form)).toBe(true);
    expect(verifyTwilioSignature(TOKEN, URL_, form, twilio.getExpectedTwilioSignature(TOKEN, URL_, form))).toBe(true);
  });

  it('both refuse a changed body, URL or token', () => {
    const form = forms[0]!;
    const signed = twilio.getExpectedTwilioSignature(TOKEN, URL_, form);
    expect(verifyTwilioSignature(TOKEN, URL_, { ...form, Body: '伪造' }, signed)).toBe(false);
    expect(verifyTwilioSignature(TOKEN, `${URL_}&x=1`, form, signed)).toBe(false);
    expect(verifyTwilioSignature('other-token', URL_, form, signed)).toBe(false);
    expect(twilio.validateRequest(TOKEN, twilioSignature(TOKEN, URL_, { ...form, Body: '伪造' }), URL_, form)).toBe(false);
  });
});

describe('WeChat safe mode (AES-256-CBC, msg_signature), against wechat-crypto', () => {
  const config = { token: 'wechat-token', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', appId: 'wx0000000000local' };
  const ours = new WechatCrypto(config);
  const theirs = new WechatCryptoLib(config.token, config.encodingAesKey, config.appId);
  const messages = [
    '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oResident]]></FromUserName><CreateTime>1764000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[楼道灯坏了]]></Content><MsgId>1</MsgId></xml>',
    '',
    'x'.repeat(31),
    'y'.repeat(32),
    '中'.repeat(1000),
  ];

  it.each(messages.map((m) => [m.length, m] as const))('%i characters: ours decrypts theirs and theirs decrypts ours', (_n, message) => {
    expect(ours.decrypt(theirs.encrypt(message))).toBe(message);
    expect(theirs.decrypt(ours.encrypt(message))).toEqual({ message, id: config.appId });
  });

  it('the same msg_signature', () => {
    const encrypt = ours.encrypt(messages[0]!);
    expect(ours.signature('1764000000', '12345', encrypt)).toBe(theirs.getSignature('1764000000', '12345', encrypt));
  });

  it('ours refuses a message encrypted for another account', () => {
    const other = new WechatCryptoLib(config.token, config.encodingAesKey, 'wxanotheraccount');
    expect(() => ours.decrypt(other.encrypt(messages[0]!))).toThrow();
  });
});
