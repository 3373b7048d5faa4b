/**
 * A village's case in Chromium (issue 15.1): the case page and the 调解协议书
 * name the levels as a rural branch does — 村 / 小组 / 湾落 — not 社区 / 楼栋.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { chromiumAvailable, DESKTOP, signIn } from '../support/browser.ts';
import { call, login } from '../support/stack.ts';

describe.skipIf(!chromiumAvailable())('a village in Chromium', () => {
  const suite = browserSuite({ workers: true });

  it('shows 湾落 and 村 on a village case page, and 村：… 小组：… 湾落：… on its 调解协议书', async () => {
    const token = await login(suite.stack, 'wanluo-liaison');
    const auth = { authorization: `Bearer ${token}` };
    // 登记 by the 湾落's 联户长 (a registrar files within their own unit).
    const filed = await call(suite.stack, 'POST', '/v1/cases', {
      headers: auth,
      body: { source: 'visit', center: 'mediation', description: '王家湾两户因宅基地边界争执。', location: { unitId: 'wa-gms-1-wj' }, reporter: { name: '王大爷', phone: '13900000061' } },
    });
    expect(filed.status, filed.text).toBe(201);
    const id = filed.body.id as string;
    const act = async (action: Record<string, unknown>) => {
      const current = await call(suite.stack, 'GET', `/v1/cases/${id}`, { headers: auth });
      const reply = await call(suite.stack, 'POST', `/v1/cases/${id}/actions`, { headers: auth, body: { expectedVersion: current.body.version, ...action } });
      expect(reply.status, reply.text).toBe(200);
    };
    await act({ type: 'accept' });
    await act({
      type: 'record_agreement',
      agreement: { parties: [{ name: '王大爷', role: 'applicant' }, { name: '王二叔', role: 'respondent' }], facts: '宅基地边界不清', terms: ['以老界石为界'], performance: { method: '当场确认', deadline: '2026-12-31' } },
    });

    const page = await suite.page(DESKTOP);
    await signIn(page, suite.stack.url, 'wanluo-liaison', suite.stack.password);
    await page.goto(`${suite.stack.url}/admin/#/case/${id}`);
    const facts = page.locator('section[aria-labelledby="facts"]');
    await expect.poll(() => facts.textContent()).toContain('湾落 · 问安镇 关庙山村 一组 王家湾');
    expect(await facts.textContent()).toContain('所在村关庙山村');
    expect(await facts.textContent()).not.toContain('楼栋');

    await page.goto(`${suite.stack.url}/admin/#/case/${id}/agreement`);
    const agreement = page.locator('article.agreement');
    await expect.poll(() => agreement.textContent()).toContain('纠纷发生地：村：关庙山村　小组：一组　湾落：王家湾');
    expect(await agreement.textContent()).toContain('关庙山村人民调解委员会');
  }, 120_000);
});
