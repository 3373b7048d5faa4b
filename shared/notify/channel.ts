/**
 * Where a message to a person goes, and who carries it. A person is reached
 * by WeChat (their openId) or by SMS (their phone): a resident by the channel
 * they wrote in on, everyone else by phone first. Each channel is carried by a
 * provider when one is configured (WeChat customer-service messages; SMS by
 * Twilio, Aliyun or Tencent Cloud, one per deployment) and otherwise by the console — locally, and in AWS until a provider is
 * set up — where the outbox (GET /v1/outbox) is the record of delivery.
 */
import { AliyunSms, TencentSms, smsTemplatesFromEnv } from './sms-cloud.ts';

export type ChannelKind = 'wechat' | 'sms';

export interface Address {
  readonly name: string;
  readonly phone?: string;
  readonly openId?: string;
}

export interface Delivery {
  readonly kind: ChannelKind;
  /** The openId (wechat) or the phone number (sms). */
  readonly to: string;
  readonly name: string;
}

/** The channel and address that reach `to`, preferring `preferred` when the person has it. Pure. */
export function route(to: Address, preferred?: ChannelKind): Delivery | undefined {
  const wechat = to.openId !== undefined ? ({ kind: 'wechat', to: to.openId, name: to.name } as const) : undefined;
  const sms = to.phone !== undefined ? ({ kind: 'sms', to: to.phone, name: to.name } as const) : undefined;
  return preferred === 'wechat' ? (wechat ?? sms) : (sms ?? wechat);
}

/**
 * What kind of message it is (the notification topic, `reply`, `notice`) and
 * the values a provider's approved template may take: SMS providers in the
 * mainland send templates, not free text.
 */
export interface OutboundMessage {
  readonly topic: string;
  readonly params: Readonly<Record<string, string | undefined>>;
  /**
   * A resident's message worded by a unit (管理 › 常用语与通知): the approved template ids an admin mapped to
   * that wording and the names of its parameters in order — taken before SMS_TEMPLATES' ids for the kind.
   */
  readonly worded?: { readonly aliyunTemplateCode?: string; readonly tencentTemplateId?: string; readonly params: readonly string[] };
}

/**
 * Carries messages on one channel. Throws when the provider refuses: the notify
 * message is then retried and ends in the DLQ — except Unreachable, which the
 * notifier settles at once (another channel, or the outbox says so).
 *
 * `message`, on the notifier's messages to residents: which kind it is, the
 * SMS providers' approved template ids an admin mapped to it (管理 › 常用语与通知)
 * and its parameters — for providers that send only approved templates
 * (Aliyun: TemplateCode + TemplateParam as {name: value}; Tencent: TemplateId +
 * TemplateParamSet, the values in the kind's order). `text` is always the whole
 * message as worded for the unit.
 */
export interface Sender {
  readonly provider: string;
  send(delivery: Delivery, text: string, message?: OutboundMessage): Promise<void>;
}

export class ConsoleSender implements Sender {
  readonly provider = 'console';
  async send(delivery: Delivery, text: string): Promise<void> {
    console.log(`[outbox] → ${delivery.name} ${delivery.to} (${delivery.kind}): ${text}`);
  }
}

export type Fetch = typeof fetch;

export class ProviderError extends Error {
  override readonly name: string = 'ProviderError';
}

/** The provider will not take this message for this person now, however often it is retried. */
export class Unreachable extends ProviderError {
  override readonly name = 'Unreachable';
}

/**
 * WeChat's refusals that retrying cannot cure: 45015 the 48-hour window since
 * the resident's last message has closed, 45047 the replies allowed in it are
 * used up, 43004 the resident no longer follows the account.
 */
const WECHAT_UNREACHABLE = new Set([45015, 45047, 43004]);

const TIMEOUT_MS = 5000;

/**
 * WeChat Official Account customer-service messages (客服消息): allowed within
 * 48 hours of the resident's last message; outside that window WeChat refuses
 * (errcode 45015) and the send throws Unreachable, so the notifier can turn to
 * SMS when it knows the resident's phone.
 */
/**
 * The Official Account's access token (cgi-bin/token), cached until shortly
 * before it expires; shared by the customer-service sender and the media
 * worker, which both call WeChat's API with it.
 */
export class WechatAccessToken {
  private token?: { value: string; until: number };

  constructor(
    private readonly appId: string,
    private readonly appSecret: string,
    private readonly http: Fetch = fetch,
    readonly base = 'https://api.weixin.qq.com',
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.token && this.token.until > this.now()) return this.token.value;
    const url = `${this.base}/cgi-bin/token?grant_type=client_credential&appid=${encodeURIComponent(this.appId)}&secret=${encodeURIComponent(this.appSecret)}`;
    const response = await this.http(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await response.json()) as { access_token?: string; expires_in?: number; errcode?: number; errmsg?: string };
    if (!response.ok || !body.access_token) throw new ProviderError(`WeChat token: ${body.errcode ?? response.status} ${body.errmsg ?? ''}`);
    this.token = { value: body.access_token, until: this.now() + Math.max(60, (body.expires_in ?? 7200) - 300) * 1000 };
    return body.access_token;
  }

  /** WeChat said the token is revoked or expired early: fetch a new one next time. */
  forget(): void {
    this.token = undefined;
  }
}

/** Errors with which WeChat says the access token is no good (a new one is fetched once). */
export const WECHAT_TOKEN_ERRORS = new Set([40001, 42001, 40014]);

export class WechatCustomerService implements Sender {
  readonly provider = 'wechat';
  private readonly token: WechatAccessToken;

  constructor(
    appId: string,
    appSecret: string,
    private readonly http: Fetch = fetch,
    private readonly base = 'https://api.weixin.qq.com',
    now: () => number = Date.now,
  ) {
    this.token = new WechatAccessToken(appId, appSecret, http, base, now);
  }

  async send(delivery: Delivery, text: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token.get();
      const response = await this.http(`${this.base}/cgi-bin/message/custom/send?access_token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ touser: delivery.to, msgtype: 'text', text: { content: text } }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = (await response.json()) as { errcode?: number; errmsg?: string };
      if (response.ok && (body.errcode ?? 0) === 0) return;
      // An access token revoked or expired early: fetch a new one once.
      if (attempt === 0 && body.errcode !== undefined && WECHAT_TOKEN_ERRORS.has(body.errcode)) {
        this.token.forget();
        continue;
      }
      const reason = `WeChat send: ${body.errcode ?? response.status} ${body.errmsg ?? ''}`;
      throw body.errcode !== undefined && WECHAT_UNREACHABLE.has(body.errcode) ? new Unreachable(reason) : new ProviderError(reason);
    }
  }
}

/** Twilio Programmable Messaging. */
export class TwilioSms implements Sender {
  readonly provider = 'twilio';

  constructor(
    private readonly accountSid: string,
    private readonly authToken: string,
    private readonly from: string,
    private readonly http: Fetch = fetch,
    private readonly base = 'https://api.twilio.com',
  ) {}

  async send(delivery: Delivery, text: string): Promise<void> {
    const to = /^1[3-9]\d{9}$/.test(delivery.to) ? `+86${delivery.to}` : delivery.to;
    const response = await this.http(`${this.base}/2010-04-01/Accounts/${encodeURIComponent(this.accountSid)}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ To: to, From: this.from, Body: text }).toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) throw new ProviderError(`Twilio send: ${response.status} ${(await response.text()).slice(0, 200)}`);
  }
}

export const SMS_PROVIDERS = ['twilio', 'aliyun', 'tencent'] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];

/** An SDK's endpoint from `host[:port]` or a URL (`http://127.0.0.1:9000` for a local fake), in the SDK's own terms. */
function endpointOf<P extends string>(raw: string | undefined, protocol: (secure: boolean) => P): { endpoint?: string; protocol?: P } {
  if (!raw) return {};
  const url = /^https?:\/\//.test(raw) ? new URL(raw) : undefined;
  return url ? { endpoint: url.host, protocol: protocol(url.protocol === 'https:') } : { endpoint: raw };
}

/**
 * The SMS sender SMS_PROVIDER names (twilio | aliyun | tencent), from its
 * settings; without SMS_PROVIDER, Twilio when its settings are there. The
 * console when the chosen provider has none (locally, and in AWS until one
 * is set up). A provider named but unknown stops the function at start.
 */
function smsSender(env: NodeJS.ProcessEnv, http: Fetch): Sender | undefined {
  const chosen = env.SMS_PROVIDER || (env.TWILIO_ACCOUNT_SID ? 'twilio' : undefined);
  if (chosen !== undefined && !(SMS_PROVIDERS as readonly string[]).includes(chosen)) {
    throw new Error(`SMS_PROVIDER must be one of ${SMS_PROVIDERS.join(', ')}, not "${chosen}"`);
  }
  switch (chosen as SmsProviderName | undefined) {
    case 'twilio':
      return env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM
        ? new TwilioSms(env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN, env.TWILIO_FROM, http, env.TWILIO_API_BASE || undefined)
        : undefined;
    case 'aliyun':
      return env.ALIYUN_SMS_ACCESS_KEY_ID && env.ALIYUN_SMS_ACCESS_KEY_SECRET && env.ALIYUN_SMS_SIGN_NAME
        ? new AliyunSms({
            accessKeyId: env.ALIYUN_SMS_ACCESS_KEY_ID,
            accessKeySecret: env.ALIYUN_SMS_ACCESS_KEY_SECRET,
            signName: env.ALIYUN_SMS_SIGN_NAME,
            templates: smsTemplatesFromEnv(env.SMS_TEMPLATES),
            ...endpointOf(env.ALIYUN_SMS_ENDPOINT, (secure) => (secure ? 'https' : 'http')),
          })
        : undefined;
    case 'tencent':
      return env.TENCENT_SMS_SECRET_ID && env.TENCENT_SMS_SECRET_KEY && env.TENCENT_SMS_SDK_APP_ID && env.TENCENT_SMS_SIGN_NAME
        ? new TencentSms({
            secretId: env.TENCENT_SMS_SECRET_ID,
            secretKey: env.TENCENT_SMS_SECRET_KEY,
            sdkAppId: env.TENCENT_SMS_SDK_APP_ID,
            signName: env.TENCENT_SMS_SIGN_NAME,
            templates: smsTemplatesFromEnv(env.SMS_TEMPLATES),
            ...(env.TENCENT_SMS_REGION ? { region: env.TENCENT_SMS_REGION } : {}),
            ...endpointOf(env.TENCENT_SMS_ENDPOINT, (secure) => (secure ? 'https://' : 'http://')),
          })
        : undefined;
    case undefined:
      return undefined;
  }
}

/**
 * One sender per channel from the environment: WeChat when WECHAT_APP_ID and
 * WECHAT_APP_SECRET are set; SMS by the provider smsSender chooses; the
 * console otherwise.
 */
export function sendersFromEnv(env: NodeJS.ProcessEnv = process.env, http: Fetch = fetch): Record<ChannelKind, Sender> {
  const console = new ConsoleSender();
  return {
    wechat:
      env.WECHAT_APP_ID && env.WECHAT_APP_SECRET
        ? new WechatCustomerService(env.WECHAT_APP_ID, env.WECHAT_APP_SECRET, http, env.WECHAT_API_BASE || undefined)
        : console,
    sms: smsSender(env, http) ?? console,
  };
}
