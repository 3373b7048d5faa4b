/** The admin page renews its token before it ends: when (renewDelay) and how (renewSession, against a fetch double). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renewDelay, renewSession } from '../../web/src/api.ts';

const now = Date.parse('2026-12-01T02:00:00Z');
const at = (ms: number) => new Date(now + ms).toISOString();

describe('renewDelay', () => {
  it('renews an hour token five minutes before it ends', () => {
    expect(renewDelay(at(3600_000), now)).toBe(55 * 60_000);
  });
  it('renews a short remainder halfway, a minute ahead at least, and a token already due at once', () => {
    expect(renewDelay(at(6 * 60_000), now)).toBe(3 * 60_000);
    expect(renewDelay(at(90_000), now)).toBe(30_000);
    expect(renewDelay(at(30_000), now)).toBe(0);
    expect(renewDelay(at(-1000), now)).toBe(0);
  });
});

describe('renewSession', () => {
  const store = new Map<string, string>();
  beforeEach(() => {
    store.clear();
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => store.set(k, v),
      removeItem: (k: string) => store.delete(k),
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('posts the refresh token and keeps it, with the new token, in the stored session', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ token: 'new.id.token', expiresAt: at(3600_000) }), { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    const next = await renewSession({ token: 'old', expiresAt: at(60_000), refreshToken: 'refresh-1', user: { username: 'admin' } });
    expect(next).toEqual({ token: 'new.id.token', expiresAt: at(3600_000), refreshToken: 'refresh-1', user: { username: 'admin' } });
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe('/v1/auth/refresh');
    expect(JSON.parse(String(init.body))).toEqual({ refreshToken: 'refresh-1' });
    expect(JSON.parse(store.get('maodiaotong.session') ?? '{}').token).toBe('new.id.token');
  });

  it('answers undefined when the sign-in is over (401) or there is no refresh token', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'x' } }), { status: 401 })));
    expect(await renewSession({ token: 'old', expiresAt: at(60_000), refreshToken: 'revoked' })).toBeUndefined();
    expect(await renewSession({ token: 'old', expiresAt: at(60_000) })).toBeUndefined();
  });
});
