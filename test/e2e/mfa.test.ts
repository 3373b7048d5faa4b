/**
 * Sign-in with TOTP in real Chromium (MFA_REQUIRED=on, as in AWS): the demo
 * admin gets the code step after the password, a wrong code is refused in
 * plain words, the right one opens the workspace; a new officer is shown the
 * secret to set up; and the page renews its token with the refresh token
 * before it ends (the browser's clock run forward), without asking again.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { DEMO_TOTP_SECRET } from '../../infra/local/demo-data.ts';
import { totp } from '../../shared/service/totp.ts';
import { chromiumAvailable } from '../support/browser.ts';
import { call } from '../support/stack.ts';

vi.hoisted(() => {
  process.env.MFA_REQUIRED = 'on';
});

describe.skipIf(!chromiumAvailable())('sign-in with TOTP in Chromium', () => {
  const suite = browserSuite();
  afterAll(() => {
    delete process.env.MFA_REQUIRED;
  });

  it('asks the admin for a code, refuses a wrong one, signs in with the right one, and renews the token before it ends', async () => {
    // A wrong code is answered 401, which the browser logs.
    suite.allowConsoleErrors(/401/);
    const page = await suite.page();
    await page.clock.install();
    await page.goto(`${suite.stack.url}/admin/`);
    await page.getByLabel('用户名').fill('admin');
    await page.getByLabel('密码').fill(suite.stack.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('请输入验证器上显示的 6 位验证码').waitFor();
    const good = totp(DEMO_TOTP_SECRET, new Date());
    await page.getByLabel('验证码').fill(String((Number(good) + 1) % 1_000_000).padStart(6, '0'));
    await page.getByRole('button', { name: '验证并登录' }).click();
    await page.getByRole('alert').filter({ hasText: '验证码错误' }).waitFor();
    await page.getByLabel('验证码').fill(totp(DEMO_TOTP_SECRET, new Date()));
    await page.getByRole('button', { name: '验证并登录' }).click();
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    const first = await page.evaluate(() => JSON.parse(localStorage.getItem('maodiaotong.session') ?? '{}') as { token: string; refreshToken?: string });
    expect(first.refreshToken).toBeDefined();

    // Eleven hours and fifty-six minutes on (the local token lasts 12 h): renewed, the page still there.
    const renewed = page.waitForResponse((r) => r.url().endsWith('/v1/auth/refresh') && r.status() === 200);
    await page.clock.fastForward('11:56:00');
    await renewed;
    await expect.poll(async () => page.evaluate(() => (JSON.parse(localStorage.getItem('maodiaotong.session') ?? '{}') as { token: string }).token)).not.toBe(first.token);
    expect(await page.getByRole('heading', { name: '请重新登录' }).count()).toBe(0);
  });

  it('shows a new officer the secret to set up, and signs them in with its first code', async () => {
    const asked = await call(suite.stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'admin', password: suite.stack.password } });
    const admin = (await call(suite.stack, 'POST', '/v1/auth/challenge', { key: null, body: { username: 'admin', session: asked.body.session, code: totp(DEMO_TOTP_SECRET, new Date()) } })).body.token;
    const created = await call(suite.stack, 'POST', '/v1/users', {
      headers: { authorization: `Bearer ${admin}` },
      body: { username: 'e2e-officer', displayName: '新调度员', role: 'officer', unitId: 'hp', password: 'a-long-password' },
    });
    expect(created.status, created.text).toBe(201);
    const page = await suite.page();
    await page.goto(`${suite.stack.url}/admin/`);
    await page.getByLabel('用户名').fill('e2e-officer');
    await page.getByLabel('密码').fill('a-long-password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('请先绑定验证器').waitFor();
    const secret = ((await page.locator('code.secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByLabel('验证码').fill(totp(secret, new Date()));
    await page.getByRole('button', { name: '验证并登录' }).click();
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
  });
});
