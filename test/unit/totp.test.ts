/** Local TOTP against RFC 6238's test vectors (SHA-1, key "12345678901234567890", 8 digits there; 6 here are their last six). */
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, otpauthUri, totp, verifyTotp } from '../../shared/service/totp.ts';

const RFC_KEY = base32Encode(Buffer.from('12345678901234567890', 'ascii'));

describe('TOTP (RFC 6238)', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('at %i s gives the RFC code %s', (seconds, code) => {
    expect(totp(RFC_KEY, new Date(seconds * 1000), 8)).toBe(code);
    expect(totp(RFC_KEY, new Date(seconds * 1000))).toBe(code.slice(2));
  });

  it('round-trips base32 (RFC 4648 vector) and accepts a code one step off, not two', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI').toString()).toBe('foobar');
    const now = new Date(1_700_000_000_000);
    const code = totp(RFC_KEY, now);
    expect(verifyTotp(RFC_KEY, code, new Date(now.getTime() + 30_000))).toBe(true);
    expect(verifyTotp(RFC_KEY, code, new Date(now.getTime() + 61_000))).toBe(false);
    expect(verifyTotp(RFC_KEY, '12345', now)).toBe(false);
  });

  it('writes the otpauth address an authenticator reads', () => {
    expect(otpauthUri('矛调通', 'admin', 'ABC')).toBe('otpauth://totp/%E7%9F%9B%E8%B0%83%E9%80%9A%3Aadmin?secret=ABC&issuer=%E7%9F%9B%E8%B0%83%E9%80%9A&algorithm=SHA1&digits=6&period=30');
  });
});
