/** The outbound senders against a fake HTTP layer: what they send, token reuse, and which refusals are final. */
import { describe, expect, it } from 'vitest';
import { ConsoleSender, ProviderError, sendersFromEnv, TwilioSms, Unreachable, WechatCustomerService, type Fetch } from '../../../shared/notify/channel.ts';
import { xmlReady } from '../../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

type Answer = (url: string, init?: RequestInit) => Response;

function fakeHttp(answer: Answer) {
  const requests: { url: string; init?: RequestInit }[] = [];
  const http: Fetch = async (input, init) => {
    requests.push({ url: String(input), init });
    return answer(String(input), init);
  };
  return { http, requests };
}

const resident = { kind: 'wechat', to: 'oResident', name: '群众' } as const;

describe('WeChat customer-service messages', () => {
  it('gets an access token once, reuses it until shortly before it expires, and sends a text message', async () => {
    let now = 0;
    let tokens = 0;
    const { http, requests } = fakeHttp((url) =>
      url.includes('/cgi-bin/token') ? Response.json({ access_token: `T${++tokens}`, expires_in: 7200 }) : Response.json({ errcode: 0 }),
    );
    const sender = new WechatCustomerService('wx1', 's3cret', http, 'https://wx.test', () => now);
    await sender.send(resident, '已签收');
    await sender.send(resident, '已办结');
    now = (7200 - 300) * 1000 + 1;
    await sender.send(resident, '回访');
    expect(requests.map((r) => new URL(r.url).pathname)).toEqual([
      '/cgi-bin/token', '/cgi-bin/message/custom/send', '/cgi-bin/message/custom/send', '/cgi-bin/token', '/cgi-bin/message/custom/send',
    ]);
    expect(new URL(requests[0]!.url).searchParams.get('appid')).toBe('wx1');
    expect(new URL(requests[4]!.url).searchParams.get('access_token')).toBe('T2');
    expect(JSON.parse(String(requests[1]!.init?.body))).toEqual({ touser: 'oResident', msgtype: 'text', text: { content: '已签收' } });
  });

  it('fetches a new token once when WeChat says the token is no longer valid', async () => {
    let sends = 0;
    const { http, requests } = fakeHttp((url) =>
      url.includes('/cgi-bin/token') ? Response.json({ access_token: 'T', expires_in: 7200 }) : Response.json({ errcode: sends++ === 0 ? 40001 : 0 }),
    );
    await new WechatCustomerService('wx1', 's', http, 'https://wx.test').send(resident, 'x');
    expect(requests.filter((r) => r.url.includes('/cgi-bin/token'))).toHaveLength(2);
  });

  it.each([45015, 45047, 43004])('calls errcode %i final (Unreachable): retrying cannot help', async (errcode) => {
    const { http } = fakeHttp((url) => (url.includes('/cgi-bin/token') ? Response.json({ access_token: 'T', expires_in: 7200 }) : Response.json({ errcode, errmsg: 'no' })));
    await expect(new WechatCustomerService('wx1', 's', http, 'https://wx.test').send(resident, 'x')).rejects.toBeInstanceOf(Unreachable);
  });

  it('calls other refusals passing (ProviderError, not Unreachable), so the message is retried', async () => {
    const { http } = fakeHttp((url) => (url.includes('/cgi-bin/token') ? Response.json({ access_token: 'T', expires_in: 7200 }) : Response.json({ errcode: 45009, errmsg: 'api freq out of limit' })));
    const sending = new WechatCustomerService('wx1', 's', http, 'https://wx.test').send(resident, 'x');
    await expect(sending).rejects.toThrow('WeChat send: 45009 api freq out of limit');
    await expect(sending).rejects.not.toBeInstanceOf(Unreachable);
  });

  it('refuses to send without a token, saying why', async () => {
    const { http } = fakeHttp(() => Response.json({ errcode: 40125, errmsg: 'invalid appsecret' }));
    await expect(new WechatCustomerService('wx1', 'bad', http, 'https://wx.test').send(resident, 'x')).rejects.toThrow(new ProviderError('WeChat token: 40125 invalid appsecret'));
  });
});

describe('Twilio SMS', () => {
  it('posts the message with basic auth, a Chinese mobile number in E.164', async () => {
    const { http, requests } = fakeHttp(() => Response.json({ sid: 'SM1' }, { status: 201 }));
    await new TwilioSms('AC1', 'tok', '+15550001111', http, 'https://tw.test').send({ kind: 'sms', to: '13912340001', name: '群众' }, '【矛调通】已签收');
    expect(requests[0]!.url).toBe('https://tw.test/2010-04-01/Accounts/AC1/Messages.json');
    const headers = requests[0]!.init?.headers as Record<string, string>;
    expect(headers.authorization).toBe(`Basic ${Buffer.from('AC1:tok').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(String(requests[0]!.init?.body)))).toEqual({ To: '+8613912340001', From: '+15550001111', Body: '【矛调通】已签收' });
  });

  it('throws on a refusal, with Twilio’s answer', async () => {
    const { http } = fakeHttp(() => new Response('{"code":21211,"message":"invalid To"}', { status: 400 }));
    await expect(new TwilioSms('AC1', 'tok', '+1555', http, 'https://tw.test').send({ kind: 'sms', to: '+1', name: 'x' }, 'x')).rejects.toThrow('Twilio send: 400 {"code":21211');
  });
});

describe('sendersFromEnv', () => {
  it('uses a provider only when all its settings are there, the console otherwise', () => {
    expect(Object.values(sendersFromEnv({})).map((s) => s.provider)).toEqual(['console', 'console']);
    expect(sendersFromEnv({ WECHAT_APP_ID: 'wx1' }).wechat).toBeInstanceOf(ConsoleSender);
    const configured = sendersFromEnv({ WECHAT_APP_ID: 'wx1', WECHAT_APP_SECRET: 's', TWILIO_ACCOUNT_SID: 'AC', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+1' });
    expect([configured.wechat.provider, configured.sms.provider]).toEqual(['wechat', 'twilio']);
  });
});
