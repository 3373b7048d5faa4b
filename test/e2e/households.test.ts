/**
 * A 联户长 on a 390-pixel phone in real Chromium: their households (and not
 * another 联户长's), each with its open matters; a 走访 logged that raises a
 * case in the same step; the case then listed as the household's open matter
 * and opened from there. No sideways scrolling, no axe violations.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { axeViolations, chromiumAvailable, pageWidth, PHONE, screenshot, signIn } from '../support/browser.ts';
import { call } from '../support/stack.ts';

describe.skipIf(!chromiumAvailable())('a 联户长 on a phone', () => {
  const suite = browserSuite({ workers: true });

  it('households → visit → raise a case', async () => {
    // 周桂芳 already has a matter open (filed by the hotline at her building).
    const open = await call(suite.stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '楼道灯坏了', reporter: { name: '周桂芳', phone: '13912345601' }, location: { unitId: 'hp-xf-yg-1' } } });
    expect(open.status, open.text).toBe(201);

    const p = await suite.page(PHONE);
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '联户' }).click();
    await p.getByRole('heading', { name: '我联系的户' }).waitFor();

    const cards = p.locator('li.household');
    await cards.first().waitFor();
    expect(await p.locator('li.household[data-household]').evaluateAll((els) => els.map((e) => e.getAttribute('data-household')).sort())).toEqual(['yg1-101', 'yg1-102', 'yg1-201']);
    const zhou = p.locator('li[data-household="yg1-101"]');
    await expect.poll(() => zhou.getByRole('link', { name: open.body.trackingNo }).count()).toBe(1);
    await expect.poll(() => zhou.textContent()).toContain('139****5601');
    await expect.poll(() => zhou.textContent()).toContain('独居老人');

    // A visit to 郑建平 raises a case in one step.
    const zheng = p.locator('li[data-household="yg1-201"]');
    await zheng.getByText('走访', { exact: true }).click();
    const form = zheng.getByRole('form', { name: /走访/ });
    await form.getByLabel('履职类别').selectOption('dispute');
    await form.getByLabel('走访内容').fill('楼上漏水到郑家卫生间，协商未果');
    await form.getByLabel(/上报为案件/).check();
    await form.getByLabel('所属中心').selectOption('mediation');
    await form.getByRole('button', { name: '记录走访并上报' }).click();
    const status = form.getByRole('status');
    await status.waitFor();
    expect(await status.textContent()).toMatch(/已上报案件/);
    expect(await pageWidth(p)).toBeLessThanOrEqual(390);
    expect(await axeViolations(p), 'axe on 联户').toEqual([]);
    await screenshot(p, 'households-phone');

    // The raised case is the household's open matter, and opens from there.
    const link = zheng.locator('.open-cases a');
    await expect.poll(() => link.count()).toBe(1);
    const trackingNo = (await link.textContent()) ?? '';
    await link.click();
    await p.getByText(trackingNo).first().waitFor();
    expect(p.url()).toContain('#/case/');
  });
});
