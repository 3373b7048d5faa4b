/**
 * The resident's 回执: a short tracking number and a 提取码. The number's
 * alphabet leaves out 0/O/1/I so it can be read over the phone and typed back.
 */
export const TRACKING_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const TRACKING_LENGTH = 10;
export const TRACKING_NO_PATTERN = new RegExp(`^[${TRACKING_ALPHABET}]{${TRACKING_LENGTH}}$`);

/** Encode the first 50 bits of `bytes` (at least 7 bytes) as a tracking number. */
export function trackingNoFromBytes(bytes: Uint8Array): string {
  if (bytes.length < 7) throw new RangeError('need at least 7 bytes');
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < TRACKING_LENGTH) {
      out += TRACKING_ALPHABET[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === TRACKING_LENGTH) break;
  }
  return out;
}

/** What a resident types: any case, spaces or dashes. Undefined when it cannot be a number. */
export function normalizeTrackingNo(input: string): string | undefined {
  const compact = input.replace(/[\s-]/g, '').toUpperCase();
  return TRACKING_NO_PATTERN.test(compact) ? compact : undefined;
}

/** A 6-digit 提取码 from random bytes (at least 4). */
export function trackingCodeFromBytes(bytes: Uint8Array): string {
  if (bytes.length < 4) throw new RangeError('need at least 4 bytes');
  const n = (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
  return String(n % 1_000_000).padStart(6, '0');
}

export function maskPhone(phone: string | undefined): string | undefined {
  if (phone === undefined) return undefined;
  const digits = phone.replace(/^\+86/, '');
  return digits.length >= 7 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : '****';
}

export function maskName(name: string | undefined): string | undefined {
  if (name === undefined || name.length === 0) return name;
  return `${[...name][0]}${'*'.repeat(Math.max(1, [...name].length - 1))}`;
}

/** An instant as a resident reads it, in China time whatever the server's zone: 2026年12月15日 17:30. */
export function chinaTime(iso: string): string {
  const d = new Date(Date.parse(iso) + 8 * 3_600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
