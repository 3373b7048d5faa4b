/** Twilio SMS webhooks: X-Twilio-Signature, the inbound form, and TwiML replies. */
import { createHmac } from 'node:crypto';
import { safeEqual } from './checks.ts';
import { KEY_ID_MESSAGE, KEY_ID_PATTERN } from '../contract/fields.ts';
import { BadPayload } from './errors.ts';
import { buildXml } from './xml.ts';

export type FormParams = URLSearchParams | Readonly<Record<string, string | readonly string[]>>;

function entries(params: FormParams): [string, string][] {
  if (params instanceof URLSearchParams) return [...params.entries()];
  return Object.entries(params).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : v.map((x): [string, string] => [k, x])));
}

/**
 * base64 HMAC-SHA1 over the full public URL followed by every POST parameter
 * as name+value, names sorted (a repeated name's values sorted too, as
 * twilio-node does).
 */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  const data = entries(params)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => k + v)
    .join('');
  return createHmac('sha1', authToken).update(url + data, 'utf8').digest('base64');
}

export function verifyTwilioSignature(authToken: string, url: string, params: FormParams, signature: string): boolean {
  return safeEqual(twilioSignature(authToken, url, params), signature);
}

export interface TwilioInbound {
  readonly messageSid: string;
  readonly from: string;
  readonly to: string;
  readonly body: string;
  /** MMS: MediaUrl0…MediaUrl(NumMedia−1), each kept private to the account (fetched with its credentials). */
  readonly mediaUrls: readonly string[];
}

/** Twilio sends at most ten media with one MMS. */
export const TWILIO_MAX_MEDIA = 10;

export class TwilioFormError extends BadPayload {
  override readonly name = 'TwilioFormError';
}

/** The application/x-www-form-urlencoded body of an incoming-message webhook. */
export function parseTwilioForm(body: string | URLSearchParams): TwilioInbound {
  const form = typeof body === 'string' ? new URLSearchParams(body) : body;
  // SmsSid is the older name Twilio still sends alongside MessageSid.
  const messageSid = form.get('MessageSid') ?? form.get('SmsSid');
  const from = form.get('From');
  if (!messageSid) throw new TwilioFormError('form has no MessageSid');
  if (!KEY_ID_PATTERN.test(messageSid)) throw new TwilioFormError(`MessageSid ${KEY_ID_MESSAGE}`, [{ path: 'MessageSid', message: KEY_ID_MESSAGE }]);
  if (!from) throw new TwilioFormError('form has no From');
  const numMedia = form.get('NumMedia') ?? '0';
  if (!/^\d{1,2}$/.test(numMedia) || Number(numMedia) > TWILIO_MAX_MEDIA) {
    throw new TwilioFormError(`NumMedia must be 0–${TWILIO_MAX_MEDIA}`, [{ path: 'NumMedia', message: `must be 0–${TWILIO_MAX_MEDIA}` }]);
  }
  const mediaUrls = Array.from({ length: Number(numMedia) }, (_, i) => {
    const url = form.get(`MediaUrl${i}`) ?? '';
    if (!/^https?:\/\/[\x21-\x7e]{1,2000}$/.test(url) || !URL.canParse(url)) {
      throw new TwilioFormError(`MediaUrl${i} is not a URL`, [{ path: `MediaUrl${i}`, message: 'must be an http(s) URL' }]);
    }
    return url;
  });
  return { messageSid, from, to: form.get('To') ?? '', body: form.get('Body') ?? '', mediaUrls };
}

/** TwiML answering the sender with one message. */
export function twimlMessage(text: string): string {
  return buildXml({ Response: { Message: text } }, { declaration: true });
}

/** TwiML that sends nothing back. */
export function twimlEmpty(): string {
  return buildXml({ Response: '' }, { declaration: true });
}
