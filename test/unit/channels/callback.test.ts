import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  STATUS_EVENTS,
  callbackHeaders,
  encodeStatusChange,
  signCallback,
  verifyCallback,
  type StatusChange,
} from '../../../shared/channels/callback.ts';
import { xmlReady } from '../../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

const secret = 'hotline-callback-secret';
const nowMs = 1_772_438_400_123;
const change: StatusChange = {
  event: 'accepted',
  caseId: 'case-1',
  externalId: '12345-20260302-0001',
  trackingNo: 'C26V9XQGBV',
  status: 'in_progress',
  at: '2026-03-02T16:00:00+08:00',
  detail: '阳光小区1栋联户长已签收',
};
const body = encodeStatusChange(change);

describe('12345 status callbacks', () => {
  it('signs hex HMAC-SHA256 over "timestamp.body" (known answer, computed independently)', () => {
    const expected = createHmac('sha256', secret).update(`1772438400.${body}`).digest('hex');
    expect(signCallback(secret, '1772438400', body)).toBe(expected);
    expect(signCallback(secret, 1772438400, body)).toBe(expected);
    // A pinned literal, so a change of scheme (separator, encoding, hash) is caught even if both sides changed.
    expect(signCallback('k', '1', '{}')).toBe('3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158');
  });

  it('sends the timestamp in seconds, the prefixed signature and the JSON content type', () => {
    expect(callbackHeaders(secret, body, nowMs)).toEqual({
      'Content-Type': 'application/json',
      'X-MDT-Timestamp': '1772438400',
      'X-MDT-Signature': `sha256=${signCallback(secret, '1772438400', body)}`,
    });
  });

  it('encodes the change as the JSON the receiver reads back', () => {
    expect(JSON.parse(body)).toEqual(change);
    expect(STATUS_EVENTS).toEqual(expect.arrayContaining(['accepted', 'in_progress', 'returned', 'resolved', 'followed_up', 'closed']));
  });

  describe('verifyCallback', () => {
    const headers = callbackHeaders(secret, body, nowMs);
    const signed = { secret, timestamp: headers['X-MDT-Timestamp'], signature: headers['X-MDT-Signature'], body, nowMs };

    // The header carries whole seconds: the window is measured from them.
    const sentAt = 1_772_438_400_000;

    it('accepts what callbackHeaders signed, within the window either way', () => {
      expect(verifyCallback(signed)).toEqual({ ok: true });
      expect(verifyCallback({ ...signed, nowMs: sentAt + 300_000 })).toEqual({ ok: true });
      expect(verifyCallback({ ...signed, nowMs: sentAt - 300_000 })).toEqual({ ok: true });
    });

    it('rejects a changed body', () => {
      expect(verifyCallback({ ...signed, body: body.replace('in_progress', 'resolved') })).toEqual({ ok: false, reason: 'bad_signature' });
      expect(verifyCallback({ ...signed, body: `${body} ` })).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('rejects a changed timestamp, even one still inside the window', () => {
      expect(verifyCallback({ ...signed, timestamp: '1772438401' })).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('rejects a timestamp outside ±300 s', () => {
      expect(verifyCallback({ ...signed, nowMs: sentAt + 300_001 })).toEqual({ ok: false, reason: 'stale' });
      expect(verifyCallback({ ...signed, nowMs: sentAt - 300_001 })).toEqual({ ok: false, reason: 'stale' });
      expect(verifyCallback({ ...signed, nowMs: sentAt + 3_600_000 })).toEqual({ ok: false, reason: 'stale' });
      expect(verifyCallback({ ...signed, nowMs: sentAt + 61_000, toleranceSeconds: 60 })).toEqual({ ok: false, reason: 'stale' });
    });

    it('rejects a wrong secret, a missing or unprefixed signature, and a malformed timestamp', () => {
      expect(verifyCallback({ ...signed, secret: 'other' })).toEqual({ ok: false, reason: 'bad_signature' });
      expect(verifyCallback({ ...signed, signature: undefined })).toEqual({ ok: false, reason: 'malformed' });
      expect(verifyCallback({ ...signed, signature: signed.signature?.slice('sha256='.length) })).toEqual({ ok: false, reason: 'malformed' });
      expect(verifyCallback({ ...signed, signature: 'sha256=' })).toEqual({ ok: false, reason: 'bad_signature' });
      expect(verifyCallback({ ...signed, timestamp: undefined })).toEqual({ ok: false, reason: 'malformed' });
      expect(verifyCallback({ ...signed, timestamp: '1772438400.5' })).toEqual({ ok: false, reason: 'malformed' });
    });

    it('accepts the hex signature in upper case', () => {
      expect(verifyCallback({ ...signed, signature: `sha256=${signed.signature?.slice(7).toUpperCase()}` })).toEqual({ ok: true });
    });
  });
});
