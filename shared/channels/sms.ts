/**
 * Inbound SMS from three providers, normalized to one shape. Aliyun and
 * Tencent sign nothing (the webhook path carries a secret instead); Twilio's
 * signature is checked in twilio.ts before its form reaches here.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { normalizePhone } from '../contract/fields.ts';
import { issuesOf } from '../contract/zod.ts';
import { refuseControlChars } from '../contract/hygiene.ts';
import { BadPayload } from './errors.ts';
import type { TwilioInbound } from './twilio.ts';

export type SmsProvider = 'aliyun' | 'tencent' | 'twilio';

export interface InboundSms {
  readonly provider: SmsProvider;
  /** The provider's id for this message (Tencent has none: a hash of who, when and what). */
  readonly messageId: string;
  /** Normalized: mainland numbers without +86, others in E.164. */
  readonly from: string;
  /** The number (or extension) the resident texted: Twilio's To, Aliyun's dest_code, Tencent's extend. */
  readonly to?: string;
  readonly text: string;
  /** ISO 8601. */
  readonly receivedAt: string;
  /** MMS media (Twilio only): URLs the media worker fetches with the account's credentials. */
  readonly mediaUrls?: readonly string[];
}

/** Unique across providers: what a handler stores to drop the providers' retries. */
export function smsDedupeKey(sms: InboundSms): string {
  return `${sms.provider}:${sms.messageId}`;
}

/** Aliyun's push body: a JSON array (one request may carry several messages). */
const aliyunSchema = z.lazy(() => z
  .array(
    z.object({
      phone_number: z.string().check(z.minLength(1)),
      send_time: z.string(),
      content: z.string(),
      sign_name: z.optional(z.string()),
      dest_code: z.optional(z.string()),
      // Documented as a Number in one page and a String in another: take either.
      sequence_id: z.union([
        z.number().check(z.refine((n) => Number.isInteger(n) && n >= 0, { message: 'must be a whole number' })),
        z.string().check(z.regex(/^\d{1,32}$/, 'must be digits')),
      ]),
    }),
  )
  .check(z.minLength(1, 'must hold at least one message')));

/** The body Aliyun expects back; it only checks that `code` is a number. */
export const ALIYUN_ACK = { code: 0, msg: '接收成功' } as const;

/** The body Tencent Cloud expects back from a reply callback. */
export const TENCENT_ACK = { result: 0, errmsg: 'OK' } as const;

/** Tencent Cloud's SMS reply callback (短信回复): one JSON object per reply. */
const tencentSchema = z.lazy(() => z.object({
  // "Disabled by default": may come as null or an empty string.
  extend: z.optional(z.nullable(z.string())),
  mobile: z.string().check(z.minLength(1)),
  nationcode: z.string().check(z.regex(/^\d{1,4}$/, 'must be a country code')),
  sign: z.optional(z.string()),
  text: z.string(),
  // Unix seconds; a number per the docs, a digit string tolerated. Bounded so it is a real date.
  time: z.union([
    z.number().check(z.int(), z.gte(0), z.lte(9_999_999_999)),
    z.string().check(z.regex(/^\d{1,10}$/, 'must be Unix seconds')),
  ]),
}));

function parseJson<T extends z.ZodMiniType>(schema: T, body: string, what: string): z.output<T> {
  if (body.trim() === '') throw new BadPayload(`the ${what} body is empty`);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new BadPayload(`the ${what} body is not valid JSON`);
  }
  refuseControlChars(value);
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  const first = issues[0];
  throw new BadPayload(`the ${what} body is not valid: ${first ? `${first.path}: ${first.message}` : 'unexpected shape'}`, issues);
}

const CHINA_OFFSET = '+08:00';

/** Aliyun's send_time is Beijing time without an offset, as `2017-09-01 00:00:00` or `20170901000000`. */
function beijingTime(text: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})[ T]?(\d{2}):?(\d{2}):?(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${CHINA_OFFSET}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Aliyun 上行 push. A send_time we cannot read falls back to `now` rather than losing the message. */
export function parseAliyunUplink(body: string, now: Date): InboundSms[] {
  return parseJson(aliyunSchema, body, 'Aliyun uplink').map((m) => ({
    provider: 'aliyun',
    messageId: typeof m.sequence_id === 'number' ? BigInt(m.sequence_id).toString() : m.sequence_id,
    from: normalizePhone(m.phone_number),
    ...(m.dest_code ? { to: m.dest_code } : {}),
    text: m.content,
    receivedAt: beijingTime(m.send_time) ?? now.toISOString(),
  }));
}

/** Tencent reply callback. It carries no message id, so one is derived from who, when and what. */
export function parseTencentReply(body: string): InboundSms {
  const m = parseJson(tencentSchema, body, 'Tencent reply');
  const from = m.nationcode === '86' ? normalizePhone(m.mobile) : normalizePhone(`+${m.nationcode}${m.mobile}`);
  const seconds = Number(m.time);
  const messageId = createHash('sha256').update(`${from}\n${seconds}\n${m.text}`, 'utf8').digest('hex').slice(0, 32);
  return { provider: 'tencent', messageId, from, ...(m.extend ? { to: m.extend } : {}), text: m.text, receivedAt: new Date(seconds * 1000).toISOString() };
}

/** Twilio's webhook has no timestamp: it is received now. */
export function fromTwilio(inbound: TwilioInbound, now: Date): InboundSms {
  return {
    provider: 'twilio',
    messageId: inbound.messageSid,
    from: normalizePhone(inbound.from),
    ...(inbound.to ? { to: inbound.to } : {}),
    text: inbound.body,
    receivedAt: now.toISOString(),
    ...(inbound.mediaUrls.length > 0 ? { mediaUrls: inbound.mediaUrls } : {}),
  };
}
