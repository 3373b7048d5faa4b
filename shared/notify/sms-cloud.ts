/**
 * Outbound SMS by Aliyun (阿里云短信, dysmsapi 2017-05-25) and Tencent Cloud
 * (腾讯云短信, sms 2021-01-11), through their official SDKs — which sign each
 * request (ACS3-HMAC-SHA256, TC3-HMAC-SHA256) — never by hand. Mainland
 * providers send only approved templates: each message kind (the notification
 * topic) maps to a template id per provider and the names of its parameters,
 * filled from what the notifier knows of the message. A kind without an
 * approved template, a bad number or a refused template will never go, so they
 * are Unreachable (the outbox records them for a person to phone); throttling,
 * provider errors and network failures are ProviderError, and the notify
 * message is retried (in the end, the DLQ). Each SDK is imported on the first
 * send, so functions that never send by it do not load it.
 */
import * as z from 'zod/mini';
import { ProviderError, Unreachable, type Delivery, type OutboundMessage, type Sender } from './channel.ts';

/** A message kind's approved templates (the names the template store uses) and its parameters, in order. */
export const smsTemplateSchema = z.lazy(() => z.strictObject({
  aliyunTemplateCode: z.optional(z.string().check(z.regex(/^SMS_\d{1,20}$/, 'must look like SMS_123456789'))),
  tencentTemplateId: z.optional(z.string().check(z.regex(/^\d{1,20}$/, 'must be digits'))),
  params: z.array(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9]{0,30}$/, 'must be a parameter name'))).check(z.maxLength(10)),
}));
export const smsTemplatesSchema = z.lazy(() => z.record(z.string().check(z.regex(/^[a-z_]{1,40}$/, 'must be a message kind')), smsTemplateSchema));
export type SmsTemplates = z.output<typeof smsTemplatesSchema>;

/** SMS_TEMPLATES (JSON, by message kind): refused at start when it does not parse, so no send fails later for it. */
export function smsTemplatesFromEnv(raw: string | undefined): SmsTemplates {
  if (raw === undefined || raw === '') return {};
  const parsed = z.safeParse(smsTemplatesSchema, JSON.parse(raw));
  if (!parsed.success) throw new Error(`SMS_TEMPLATES is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * The template of a message kind on one provider, with its parameters' values in order: the one mapped to the
 * unit's wording of a resident's message if any, else SMS_TEMPLATES' for the kind; Unreachable when there is none.
 */
function templateFor(templates: SmsTemplates, message: OutboundMessage | undefined, provider: 'aliyun' | 'tencent') {
  const topic = message?.topic ?? '';
  const worded = message?.worded;
  const mapped = provider === 'aliyun' ? worded?.aliyunTemplateCode : worded?.tencentTemplateId;
  const configured = templates[topic];
  const id = mapped ?? (provider === 'aliyun' ? configured?.aliyunTemplateCode : configured?.tencentTemplateId);
  const names = mapped !== undefined && worded ? worded.params : configured?.params;
  if (id === undefined || names === undefined) throw new Unreachable(`${provider} SMS: no approved template for "${topic}"`);
  const values = names.map((name) => {
    const value = message?.params[name];
    if (value === undefined) throw new Unreachable(`${provider} SMS: "${topic}" has no value for the template parameter ${name}`);
    return value;
  });
  return { id, names, values };
}

/**
 * A CommonJS module's exports, whether the import gave them as named exports
 * or as the default (Node and bundlers differ on modules marked __esModule).
 */
function exportsOf<T>(mod: unknown, key: string): T {
  const named = mod as Record<string, unknown>;
  return (key in named ? named : named.default) as T;
}

/** Mainland mobile numbers as the providers take them: Aliyun bare (or 86…), Tencent in E.164. */
const mainland = (to: string) => /^1[3-9]\d{9}$/.test(to);

const TIMEOUT_MS = 5000;

/**
 * Aliyun's codes that retrying cannot cure: a bad or blacklisted number, a
 * template or signature not approved or not matching, parameters that do not
 * fit it, content refused.
 */
const ALIYUN_FINAL = new Set([
  'isv.MOBILE_NUMBER_ILLEGAL',
  'isv.SMS_TEMPLATE_ILLEGAL',
  'isv.SMS_SIGNATURE_ILLEGAL',
  'isv.SMS_SIGN_ILLEGAL',
  'isv.TEMPLATE_MISSING_PARAMETERS',
  'isv.TEMPLATE_PARAMS_ILLEGAL',
  'isv.PARAM_LENGTH_LIMIT',
  'isv.INVALID_JSON_PARAM',
  'isv.BLACK_KEY_CONTROL_LIMIT',
  'isv.DAY_LIMIT_CONTROL',
  'isv.MOBILE_COUNT_OVER_LIMIT',
  'isv.SMS_CONTENT_ILLEGAL',
]);

export interface AliyunSmsOptions {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly signName: string;
  readonly templates: SmsTemplates;
  /** host[:port]; dysmsapi.aliyuncs.com unless a test points the SDK elsewhere. */
  readonly endpoint?: string;
  readonly protocol?: 'https' | 'http';
}

type AliyunClient = { sendSmsWithOptions(request: unknown, runtime: unknown): Promise<{ body?: { code?: string; message?: string; bizId?: string } }> };

export class AliyunSms implements Sender {
  readonly provider = 'aliyun';
  private client?: Promise<{ client: AliyunClient; request: (fields: Record<string, string>) => unknown; runtime: unknown }>;

  constructor(private readonly options: AliyunSmsOptions) {}

  private sdk() {
    this.client ??= (async () => {
      const [dysmsapi, core, dara] = await Promise.all([import('@alicloud/dysmsapi20170525'), import('@alicloud/openapi-core'), import('@darabonba/typescript')]);
      const sdk = exportsOf<typeof import('@alicloud/dysmsapi20170525')>(dysmsapi, 'SendSmsRequest');
      const { SendSmsRequest } = sdk;
      // Its client class is its `default` export, which an import may already have unwrapped.
      const Dysmsapi = (typeof sdk.default === 'function' ? sdk.default : (sdk.default as unknown as { default: typeof sdk.default }).default) as typeof sdk.default;
      const { $OpenApiUtil } = exportsOf<typeof import('@alicloud/openapi-core')>(core, '$OpenApiUtil');
      const { RuntimeOptions } = exportsOf<typeof import('@darabonba/typescript')>(dara, 'RuntimeOptions');
      const { accessKeyId, accessKeySecret, endpoint = 'dysmsapi.aliyuncs.com', protocol = 'https' } = this.options;
      const client = new Dysmsapi(new $OpenApiUtil.Config({ accessKeyId, accessKeySecret, endpoint, protocol, regionId: 'cn-hangzhou' }));
      // One attempt per send: the notify queue retries, and the outbox claim keeps a retry from sending twice.
      const runtime = new RuntimeOptions({ autoretry: false, connectTimeout: TIMEOUT_MS, readTimeout: TIMEOUT_MS });
      return { client: client as unknown as AliyunClient, request: (fields: Record<string, string>) => new SendSmsRequest(fields), runtime };
    })();
    return this.client;
  }

  async send(delivery: Delivery, _text: string, message?: OutboundMessage): Promise<void> {
    if (!mainland(delivery.to)) throw new Unreachable(`aliyun SMS: ${delivery.to} is not a mainland mobile number`);
    const template = templateFor(this.options.templates, message, 'aliyun');
    const { client, request, runtime } = await this.sdk();
    let code: string | undefined;
    let said = '';
    try {
      const response = await client.sendSmsWithOptions(
        request({
          phoneNumbers: delivery.to,
          signName: this.options.signName,
          templateCode: template.id,
          templateParam: JSON.stringify(Object.fromEntries(template.names.map((n, i) => [n, template.values[i]]))),
        }),
        runtime,
      );
      code = response.body?.code;
      said = response.body?.message ?? '';
    } catch (error) {
      // The SDK throws for an HTTP error, with the provider's code when it gave one.
      const e = error as { code?: string; message?: string };
      code = e.code;
      said = e.message ?? String(error);
      if (code === undefined || !ALIYUN_FINAL.has(code)) throw new ProviderError(`aliyun SMS: ${code ?? ''} ${said}`.trim());
    }
    if (code === 'OK') return;
    const reason = `aliyun SMS: ${code ?? 'no code'} ${said}`.trim();
    throw code !== undefined && ALIYUN_FINAL.has(code) ? new Unreachable(reason) : new ProviderError(reason);
  }
}

/** Tencent Cloud's codes that retrying cannot cure (the rest — InternalError, frequency limits — are retried). */
const TENCENT_FINAL = new Set([
  'InvalidParameterValue.IncorrectPhoneNumber',
  'InvalidParameterValue.TemplateParameterFormatError',
  'InvalidParameterValue.TemplateParameterLengthLimit',
  'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter',
  'FailedOperation.TemplateIncorrectOrUnapproved',
  'FailedOperation.SignatureIncorrectOrUnapproved',
  'FailedOperation.PhoneNumberInBlacklist',
  'FailedOperation.ContainSensitiveWord',
  'FailedOperation.TemplateParamSetNotMatchApprovedTemplate',
  'FailedOperation.InsufficientBalanceInSmsPackage',
  'LimitExceeded.PhoneNumberDailyLimit',
  'UnauthorizedOperation.SmsSdkAppIdVerifyFail',
]);

export interface TencentSmsOptions {
  readonly secretId: string;
  readonly secretKey: string;
  readonly sdkAppId: string;
  readonly signName: string;
  readonly templates: SmsTemplates;
  readonly region?: string;
  /** host[:port]; sms.tencentcloudapi.com unless a test points the SDK elsewhere. */
  readonly endpoint?: string;
  readonly protocol?: 'https://' | 'http://';
}

type TencentClient = { SendSms(request: Record<string, unknown>): Promise<{ SendStatusSet?: { Code?: string; Message?: string }[] }> };

export class TencentSms implements Sender {
  readonly provider = 'tencent';
  private client?: Promise<TencentClient>;

  constructor(private readonly options: TencentSmsOptions) {}

  private sdk(): Promise<TencentClient> {
    this.client ??= (async () => {
      const { sms } = exportsOf<typeof import('tencentcloud-sdk-nodejs-sms')>(await import('tencentcloud-sdk-nodejs-sms'), 'sms');
      const { secretId, secretKey, region = 'ap-guangzhou', endpoint = 'sms.tencentcloudapi.com', protocol = 'https://' } = this.options;
      return new sms.v20210111.Client({
        credential: { secretId, secretKey },
        region,
        profile: { httpProfile: { endpoint, protocol, reqTimeout: TIMEOUT_MS / 1000 } },
      }) as unknown as TencentClient;
    })();
    return this.client;
  }

  async send(delivery: Delivery, _text: string, message?: OutboundMessage): Promise<void> {
    if (!mainland(delivery.to)) throw new Unreachable(`tencent SMS: ${delivery.to} is not a mainland mobile number`);
    const template = templateFor(this.options.templates, message, 'tencent');
    const client = await this.sdk();
    let status: { Code?: string; Message?: string } | undefined;
    try {
      const response = await client.SendSms({
        PhoneNumberSet: [`+86${delivery.to}`],
        SmsSdkAppId: this.options.sdkAppId,
        SignName: this.options.signName,
        TemplateId: template.id,
        TemplateParamSet: template.values,
      });
      status = response.SendStatusSet?.[0];
    } catch (error) {
      // The SDK throws for an error response (with its code) and for a failed connection (without).
      const e = error as { code?: string; message?: string };
      const reason = `tencent SMS: ${e.code ?? ''} ${e.message ?? String(error)}`.trim();
      throw e.code !== undefined && TENCENT_FINAL.has(e.code) ? new Unreachable(reason) : new ProviderError(reason);
    }
    if (status?.Code === 'Ok') return;
    const reason = `tencent SMS: ${status?.Code ?? 'no status'} ${status?.Message ?? ''}`.trim();
    throw status?.Code !== undefined && TENCENT_FINAL.has(status.Code) ? new Unreachable(reason) : new ProviderError(reason);
  }
}
