/**
 * A village's case in Chromium (issue 15.1): the case page and the 调解协议书
 * name the levels as a rural branch does — 村 / 小组 / 湾落 — not 社区 / 楼栋.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { chromiumAvailable, DESKTOP, launch, openPage, signIn } from '../support/browser.ts';
import { call, login, startTestStack } from '../support/stack.ts';

describe.skipIf(!chromiumAvailable())('a village in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack({ workers: true }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows 湾落 and 村 on a village case page, and 村：… 小组：… 湾落：… on its 调解协议书', async () => {
    const token = await login(stack, 'wanluo-liaison');
    const auth = { authorization: `Bearer ${token}` };
    // 登记 by the 湾落's 联户长 (a registrar files within their own unit).
    const filed = await call(stack, 'POST', '/v1/cases', {
      headers: auth,
      body: { source: 'visit', center: 'mediation', description: '王家湾两户因宅基地边界争执。', location: { unitId: 'wa-gms-1-wj' }, reporter: { name: '王大爷', phone: '13900000061' } },
    });
    expect(filed.status, filed.text).toBe(201);
    const id = filed.body.id as string;
    const act = async (action: Record<string, unknown>) => {
      const current = await call(stack, 'GET', `/v1/cases/${id}`, { headers: auth });
      const reply = await call(stack, 'POST', `/v1/cases/${id}/actions`, { headers: auth, body: { expectedVersion: current.body.version, ...action } });
      expect(reply.status, reply.text).toBe(200);
    };
    await act({ type: 'accept' });
    await act({
      type: 'record_agreement',
      agreement: { parties: [{ name: '王大爷', role: 'applicant' }, { name: '王二叔', role: 'respondent' }], facts: '宅基地边界不清', terms: ['以老界石为界'], performance: { method: '当场确认', deadline: '2026-12-31' } },
    });

    const { page, errors, close } = await openPage(browser, DESKTOP);
    try {
      await signIn(page, stack.url, 'wanluo-liaison', stack.password);
      await page.goto(`${stack.url}/admin/#/case/${id}`);
      const facts = page.locator('section[aria-labelledby="facts"]');
      await expect.poll(() => facts.textContent()).toContain('湾落 · 问安镇 关庙山村 一组 王家湾');
      expect(await facts.textContent()).toContain('所在村关庙山村');
      expect(await facts.textContent()).not.toContain('楼栋');

      await page.goto(`${stack.url}/admin/#/case/${id}/agreement`);
      const agreement = page.locator('article.agreement');
      await expect.poll(() => agreement.textContent()).toContain('纠纷发生地：村：关庙山村　小组：一组　湾落：王家湾');
      expect(await agreement.textContent()).toContain('关庙山村人民调解委员会');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);
});
