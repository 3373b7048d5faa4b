/**
 * Sign-in with TOTP in local mode, with MFA_REQUIRED=on (as every function has
 * in AWS): an admin answers SOFTWARE_TOKEN_MFA with a code of the demo secret;
 * a new officer gets MFA_SETUP and no working token until the first code is
 * right; a mediator may choose it; the refresh token renews the ID token.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { DEMO_TOTP_SECRET } from '../../infra/local/demo-data.ts';
import { issueToken } from '../../shared/service/tokens.ts';
import { totp } from '../../shared/service/totp.ts';
import { call, startTestStack } from '../support/stack.ts';

vi.hoisted(() => {
  process.env.MFA_REQUIRED = 'on';
});

let stack: LocalStack;
const signIn = (username: string, password = stack.password, setupMfa?: boolean) =>
  call(stack, 'POST', '/v1/auth/login', { key: null, body: { username, password, ...(setupMfa ? { setupMfa } : {}) } });
const answer = (username: string, session: string, code: string) => call(stack, 'POST', '/v1/auth/challenge', { key: null, body: { username, session, code } });
const me = (token: string) => call(stack, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
  delete process.env.MFA_REQUIRED;
});

describe('TOTP required of officers and admins (local mode, MFA_REQUIRED=on)', () => {
  it('asks the demo admin for a code and gives a token only for the right one', async () => {
    const asked = await signIn('admin');
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ challenge: 'SOFTWARE_TOKEN_MFA' });
    expect(asked.body).not.toHaveProperty('token');
    const good = totp(DEMO_TOTP_SECRET, new Date());
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, '0');
    expect((await answer('admin', asked.body.session, wrong)).status).toBe(401);
    // The session is this sign-in's: another user cannot answer with it.
    expect((await answer('county-admin', asked.body.session, totp(DEMO_TOTP_SECRET, new Date()))).status).toBe(401);
    const done = await answer('admin', asked.body.session, good);
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ user: { username: 'admin', role: 'admin' } });
    expect((await me(done.body.token)).status).toBe(200);
  });

  it('gives a new officer MFA_SETUP and no token, refuses a token of theirs until TOTP is set up, then asks every sign-in for a code', async () => {
    const asked = await signIn('admin');
    const admin = (await answer('admin', asked.body.session, totp(DEMO_TOTP_SECRET, new Date()))).body.token as string;
    const created = await call(stack, 'POST', '/v1/users', {
      headers: { authorization: `Bearer ${admin}` },
      body: { username: 'new-officer', displayName: '新调度员', role: 'officer', unitId: 'hp', password: 'a-long-password' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.mfa).toBe(false);

    // A token of theirs from before (say, signed when MFA was not yet required) works nowhere until they set TOTP up.
    const before = await issueToken({ username: 'new-officer', name: '新调度员', role: 'officer', unitId: 'hp' }, new Date());
    expect((await me(before.token)).status).toBe(401);

    const setup = await signIn('new-officer', 'a-long-password');
    expect(setup.body).toMatchObject({ challenge: 'MFA_SETUP' });
    expect(setup.body.secretCode).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.otpauthUri).toContain(`secret=${setup.body.secretCode}`);
    expect(setup.body).not.toHaveProperty('token');
    const done = await answer('new-officer', setup.body.session, totp(setup.body.secretCode, new Date()));
    expect(done.status, done.text).toBe(200);
    expect((await me(done.body.token)).status).toBe(200);
    const listed = await call(stack, 'GET', '/v1/users', { headers: { authorization: `Bearer ${admin}` } });
    const row = (listed.body.items as { username: string; mfa: unknown }[]).find((u) => u.username === 'new-officer');
    expect(row?.mfa).toBe(true);
    expect(listed.text).not.toContain(setup.body.secretCode);

    expect((await me(before.token)).status).toBe(200);
    const again = await signIn('new-officer', 'a-long-password');
    expect(again.body).toMatchObject({ challenge: 'SOFTWARE_TOKEN_MFA' });
  });

  it('lets a mediator sign in with a password alone, or choose TOTP', async () => {
    const plain = await signIn('community-mediator');
    expect(plain.body.token).toBeDefined();
    expect((await me(plain.body.token)).status).toBe(200);
    const chose = await signIn('community-mediator', stack.password, true);
    expect(chose.body).toMatchObject({ challenge: 'MFA_SETUP' });
  });

  it('renews the ID token with the refresh token; an ID token is no refresh token', async () => {
    const asked = await signIn('admin');
    const session = (await answer('admin', asked.body.session, totp(DEMO_TOTP_SECRET, new Date()))).body;
    expect(session.refreshToken).toBeDefined();
    const renewed = await call(stack, 'POST', '/v1/auth/refresh', { key: null, body: { refreshToken: session.refreshToken } });
    expect(renewed.status, renewed.text).toBe(200);
    expect(Date.parse(renewed.body.expiresAt)).toBeGreaterThan(Date.now());
    expect((await me(renewed.body.token)).body.username).toBe('admin');
    expect((await call(stack, 'POST', '/v1/auth/refresh', { key: null, body: { refreshToken: session.token } })).status).toBe(401);
  });
});
