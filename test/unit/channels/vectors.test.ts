/** The published vectors (WeChat docs, wechatpy, twilio-node), read from the repo's own copy. */
import { describe, expect, it } from 'vitest';
import vectors from '../../fixtures/channel-vectors.json' with { type: 'json' };
import { twilioSignature, verifyTwilioSignature } from '../../../shared/channels/twilio.ts';
import {
  WechatCrypto,
  answerEcho,
  msgSignature,
  verifyMsgSignature,
  verifySignature,
  wechatSignature,
} from '../../../shared/channels/wechat.ts';
import { xmlReady } from '../../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

const aes = vectors.wechat_aes;
const crypto = new WechatCrypto({ token: aes.token, encodingAesKey: aes.encodingAesKey, appId: aes.appId });

describe('WeChat signature vectors', () => {
  it.each(vectors.wechat_signature)('signs token=$token timestamp=$timestamp nonce=$nonce', (v) => {
    expect(wechatSignature(v.token, v.timestamp, v.nonce)).toBe(v.signature);
    expect(verifySignature(v.token, v.timestamp, v.nonce, v.signature)).toBe(true);
    expect(verifySignature(v.token, v.timestamp, `${v.nonce}1`, v.signature)).toBe(false);
  });

  it('answers the plaintext URL check with its echostr, and nothing for a wrong signature', () => {
    const v = vectors.wechat_signature.find((x) => 'echostr' in x);
    if (!v || !('echostr' in v)) throw new Error('fixture lost its echostr vector');
    expect(answerEcho(v.token, v)).toBe(v.echostr);
    expect(answerEcho('other-token', v)).toBeUndefined();
    expect(answerEcho(v.token, { ...v, signature: v.signature.replace(/^./, '0') })).toBeUndefined();
  });
});

describe('WeChat safe-mode vectors', () => {
  it('decrypts the published message, whose msg_signature matches', () => {
    const v = aes.decrypt;
    expect(msgSignature(aes.token, v.timestamp, v.nonce, v.encrypt)).toBe(v.msg_signature);
    expect(verifyMsgSignature(aes.token, v.timestamp, v.nonce, v.encrypt, v.msg_signature)).toBe(true);
    const plain = crypto.decrypt(v.encrypt);
    for (const part of v.plaintext_contains) expect(plain).toContain(part);
  });

  it('reproduces the published ciphertext exactly from the given random prefix', () => {
    const v = aes.encrypt;
    const encrypted = crypto.encrypt(v.plaintext, Buffer.from(v.random16, 'utf8'));
    expect(encrypted).toBe(v.encrypt);
    expect(crypto.signature(v.timestamp, v.nonce, encrypted)).toBe(v.msg_signature);
    expect(crypto.decrypt(encrypted)).toBe(v.plaintext);
  });

  it('answers the safe-mode URL check with the decrypted echostr', () => {
    const v = aes.echo;
    expect(msgSignature(aes.token, v.timestamp, v.nonce, v.echostr)).toBe(v.msg_signature);
    expect(crypto.decrypt(v.echostr)).toBe(v.plaintext);
    expect(crypto.answerEcho(v)).toBe(v.plaintext);
    expect(crypto.answerEcho({ ...v, nonce: '1' })).toBeUndefined();
  });
});

describe('Twilio signature vectors', () => {
  it.each(vectors.twilio_signature)('signs $url', (v) => {
    expect(twilioSignature(v.authToken, v.url, v.params)).toBe(v.signature);
    expect(twilioSignature(v.authToken, v.url, new URLSearchParams(v.params))).toBe(v.signature);
    expect(verifyTwilioSignature(v.authToken, v.url, v.params, v.signature)).toBe(true);
    expect(verifyTwilioSignature(v.authToken, v.url, { ...v.params, Digits: '4321' }, v.signature)).toBe(false);
    expect(verifyTwilioSignature(v.authToken, `${v.url}&x=1`, v.params, v.signature)).toBe(false);
    expect(verifyTwilioSignature('54321', v.url, v.params, v.signature)).toBe(false);
    expect(verifyTwilioSignature(v.authToken, v.url, v.params, v.signature.slice(1))).toBe(false);
  });
});
