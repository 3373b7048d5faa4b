/** Field rules shared by every input: phone numbers, text lengths, ids, times. */
import * as z from 'zod/mini';
import './zod.ts';
import { MESSAGES } from './messages.ts';

/** Length in characters as a person counts them (code points), not UTF-16 units. */
export function text(min: number, max: number) {
  return z.string().check(
    z.refine((s) => s.trim().length >= min || min === 0, { message: min === 1 ? MESSAGES.empty : MESSAGES.atLeastChars(min) }),
    z.refine((s) => [...s].length <= max, { message: MESSAGES.atMostChars(max) }),
  );
}

const PHONE_PATTERNS = [
  /^1[3-9]\d{9}$/, // mainland mobile
  /^0\d{2,3}\d{7,8}$/, // landline with area code
  /^\+[1-9]\d{6,14}$/, // E.164 (SMS gateways abroad, Twilio)
];

/** Accepts common spellings (spaces, dashes, +86) and normalizes to digits. */
export function normalizePhone(raw: string): string {
  const compact = raw.replace(/[\s()-]/g, '');
  return compact.startsWith('+86') && compact.length === 14 ? compact.slice(3) : compact;
}

export const phone = z.lazy(() => z.pipe(
  z.string().check(z.maxLength(32)),
  z.pipe(
    z.transform(normalizePhone),
    z.string().check(z.refine((p) => PHONE_PATTERNS.some((r) => r.test(p)), { message: MESSAGES.phone })),
  ),
));

export const isoDateTime = z.lazy(() => z.iso.datetime({ offset: true, message: MESSAGES.dateTime }));

export const slug = (max: number) =>
  z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]*$/, MESSAGES.slug), z.maxLength(max));

/** What an id used as a storage key may be: 1–128 printable ASCII characters (no spaces, no controls). */
export const KEY_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
export const KEY_ID_MESSAGE = MESSAGES.keyId;
export const keyId = z.lazy(() => z.string().check(z.regex(KEY_ID_PATTERN, KEY_ID_MESSAGE)));
/** An id we issue (case, unit, account, session): a key id of at most 64 characters. */
export const ourId = z.lazy(() => z.string().check(z.regex(KEY_ID_PATTERN, KEY_ID_MESSAGE), z.maxLength(64)));
