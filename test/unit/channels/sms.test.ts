import { describe, expect, it } from 'vitest';
import { ValidationFailed } from '../../../shared/domain/errors.ts';
import {
  ALIYUN_ACK,
  TENCENT_ACK,
  fromTwilio,
  parseAliyunUplink,
  parseTencentReply,
  smsDedupeKey,
} from '../../../shared/channels/sms.ts';
import { TwilioFormError, parseTwilioForm, twimlEmpty, twimlMessage } from '../../../shared/channels/twilio.ts';
import { parseFlatXml } from '../../../shared/channels/xml.ts';
import { xmlReady } from '../../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

const now = new Date('2026-03-02T08:00:00Z');

describe('Aliyun uplink push', () => {
  const body = JSON.stringify([
    { phone_number: '13800138000', send_time: '2026-03-02 15:59:00', content: '查询 C26V9XQGBV', sign_name: '矛调通', dest_code: '1234', sequence_id: 1234567890 },
    { phone_number: '+86 139-0013-9000', send_time: '20260302160000', content: '楼上漏水', sign_name: '矛调通', dest_code: '1234', sequence_id: '1234567891' },
    { phone_number: '13700137000', send_time: 'yesterday', content: '', dest_code: '1234', sequence_id: 7 },
  ]);

  it('parses an array of three into three messages, normalizing phones and Beijing times', () => {
    const messages = parseAliyunUplink(body, now);
    expect(messages).toEqual([
      { provider: 'aliyun', messageId: '1234567890', from: '13800138000', to: '1234', text: '查询 C26V9XQGBV', receivedAt: '2026-03-02T07:59:00.000Z' },
      { provider: 'aliyun', messageId: '1234567891', from: '13900139000', to: '1234', text: '楼上漏水', receivedAt: '2026-03-02T08:00:00.000Z' },
      // An unreadable send_time falls back to now instead of dropping the message.
      { provider: 'aliyun', messageId: '7', from: '13700137000', to: '1234', text: '', receivedAt: now.toISOString() },
    ]);
    expect(messages.map(smsDedupeKey)).toEqual(['aliyun:1234567890', 'aliyun:1234567891', 'aliyun:7']);
  });

  it('refuses empty, non-JSON, non-array and empty-array bodies with a clear message', () => {
    expect(() => parseAliyunUplink('', now)).toThrow('the Aliyun uplink body is empty');
    expect(() => parseAliyunUplink('[{', now)).toThrow('the Aliyun uplink body is not valid JSON');
    expect(() => parseAliyunUplink('{"phone_number":"13800138000"}', now)).toThrow(/not valid: \(body\)[:：] ?.*数组/);
    expect(() => parseAliyunUplink('[]', now)).toThrow('must hold at least one message');
  });

  it('names the field and the item that is wrong', () => {
    const missing = JSON.stringify([{ phone_number: '13800138000', send_time: 'x', content: 'y', sequence_id: 1 }, { phone_number: '1', send_time: 'x', content: 'y' }]);
    let error: unknown;
    try {
      parseAliyunUplink(missing, now);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).issues.map((i) => i.path)).toEqual(['1.sequence_id']);
    expect(() => parseAliyunUplink(JSON.stringify([{ phone_number: '1', send_time: 'x', content: 'y', sequence_id: 1.5 }]), now)).toThrow('whole number');
    expect(() => parseAliyunUplink(JSON.stringify([{ phone_number: '1', send_time: 'x', content: 'y', sequence_id: '12a' }]), now)).toThrow(ValidationFailed);
  });

  it('acks with the body Aliyun documents', () => {
    expect(JSON.stringify(ALIYUN_ACK)).toBe('{"code":0,"msg":"接收成功"}');
  });
});

describe('Tencent Cloud reply callback', () => {
  const reply = { extend: '', mobile: '13800138000', nationcode: '86', sign: '矛调通', text: '撤回 C26V9XQGBV', time: 1772438400 };

  it('parses the documented fields (extend, mobile, nationcode, sign, text, time)', () => {
    const sms = parseTencentReply(JSON.stringify(reply));
    expect(sms).toMatchObject({ provider: 'tencent', from: '13800138000', text: '撤回 C26V9XQGBV', receivedAt: '2026-03-02T08:00:00.000Z' });
    expect(sms.messageId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('derives a stable id from who, when and what (it has no id of its own)', () => {
    const id = parseTencentReply(JSON.stringify(reply)).messageId;
    expect(parseTencentReply(JSON.stringify({ ...reply, sign: 'other', extend: null })).messageId).toBe(id);
    expect(parseTencentReply(JSON.stringify({ ...reply, time: String(reply.time) })).messageId).toBe(id);
    expect(parseTencentReply(JSON.stringify({ ...reply, time: reply.time + 1 })).messageId).not.toBe(id);
    expect(parseTencentReply(JSON.stringify({ ...reply, text: '撤回' })).messageId).not.toBe(id);
    expect(parseTencentReply(JSON.stringify({ ...reply, mobile: '13800138001' })).messageId).not.toBe(id);
  });

  it('writes a foreign number in E.164', () => {
    expect(parseTencentReply(JSON.stringify({ ...reply, nationcode: '852', mobile: '61234567' })).from).toBe('+85261234567');
  });

  it('refuses a reply without mobile or time, or an array', () => {
    const { mobile: _m, ...noMobile } = reply;
    expect(() => parseTencentReply(JSON.stringify(noMobile))).toThrow('mobile');
    expect(() => parseTencentReply(JSON.stringify({ ...reply, time: 'soon' }))).toThrow('time');
    expect(() => parseTencentReply(JSON.stringify({ ...reply, time: 1e300 }))).toThrow(ValidationFailed);
    expect(() => parseTencentReply(JSON.stringify([reply]))).toThrow(ValidationFailed);
  });

  it('acks with the body Tencent documents', () => {
    expect(JSON.stringify(TENCENT_ACK)).toBe('{"result":0,"errmsg":"OK"}');
  });
});

describe('Twilio inbound form', () => {
  const form = 'ToCountry=US&SmsSid=SM11&MessageSid=SM11&From=%2B8613800138000&To=%2B18005551212&Body=%E6%9F%A5%E8%AF%A2+C26V9XQGBV&NumMedia=0';

  it('parses the form and normalizes a +86 sender', () => {
    const inbound = parseTwilioForm(form);
    expect(inbound).toEqual({ messageSid: 'SM11', from: '+8613800138000', to: '+18005551212', body: '查询 C26V9XQGBV', mediaUrls: [] });
    // `to`: the number texted, whose township a matter without an address goes to (SMS_TOWNSHIPS).
    expect(fromTwilio(inbound, now)).toEqual({ provider: 'twilio', messageId: 'SM11', from: '13800138000', to: '+18005551212', text: '查询 C26V9XQGBV', receivedAt: now.toISOString() });
  });

  it('reads an MMS: NumMedia and each MediaUrlN, refusing a count or a URL that is not one', () => {
    const mms = parseTwilioForm('MessageSid=MM1&From=%2B8613800138000&NumMedia=2&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm%2F0&MediaUrl1=https%3A%2F%2Fapi.twilio.com%2Fm%2F1');
    expect(mms.mediaUrls).toEqual(['https://api.twilio.com/m/0', 'https://api.twilio.com/m/1']);
    expect(fromTwilio(mms, now).mediaUrls).toEqual(mms.mediaUrls);
    expect(() => parseTwilioForm('MessageSid=MM1&From=%2B1&NumMedia=11')).toThrow('NumMedia');
    expect(() => parseTwilioForm('MessageSid=MM1&From=%2B1&NumMedia=-1')).toThrow('NumMedia');
    expect(() => parseTwilioForm('MessageSid=MM1&From=%2B1&NumMedia=1')).toThrow('MediaUrl0 is not a URL');
    expect(() => parseTwilioForm('MessageSid=MM1&From=%2B1&NumMedia=1&MediaUrl0=file%3A%2F%2F%2Fetc%2Fpasswd')).toThrow('MediaUrl0');
  });

  it('keeps a foreign number in E.164 and accepts the older SmsSid', () => {
    const inbound = parseTwilioForm('SmsSid=SM22&From=%2B14158675309&Body=hi');
    expect(inbound.messageSid).toBe('SM22');
    expect(fromTwilio(inbound, now).from).toBe('+14158675309');
  });

  it('refuses a form without MessageSid or From', () => {
    expect(() => parseTwilioForm('From=%2B14158675309&Body=hi')).toThrow(TwilioFormError);
    expect(() => parseTwilioForm('MessageSid=SM1&Body=hi')).toThrow('no From');
  });

  it('answers with TwiML, escaped, or with an empty Response', () => {
    expect(twimlMessage('编号 <C26> & 提取码')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>编号 &lt;C26&gt; &amp; 提取码</Message></Response>',
    );
    expect(parseFlatXml(twimlMessage('a & b'), 'Response').Message).toBe('a & b');
    expect(twimlEmpty()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
});

describe('dedupe keys across providers', () => {
  it('do not collide when two providers use the same id', () => {
    const a = { provider: 'aliyun', messageId: '1', from: '1', text: '', receivedAt: '' } as const;
    expect(smsDedupeKey(a)).not.toBe(smsDedupeKey({ ...a, provider: 'twilio' }));
  });
});
