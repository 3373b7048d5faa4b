/**
 * A centre's form in real Chromium (issue 17.1): at 登记 the chosen centre's
 * own fields appear, are filled and filed, and the case page shows them by
 * their labels; 家庭情况 stays hidden there until the mediator asks to see it.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { MASKED_FORM_TEXT } from '../../shared/domain/index.ts';
import { axeViolations, chromiumAvailable, DESKTOP, signIn } from '../support/browser.ts';
import { call, login } from '../support/stack.ts';

describe.skipIf(!chromiumAvailable())('a centre’s form in Chromium', () => {
  const suite = browserSuite();

  /** Fill the common part of 登记 for `center`, then let `fill` fill its form, file it and open the case page. */
  async function register(p: Page, center: string, description: string, fill: () => Promise<void>): Promise<string> {
    await p.goto(`${suite.stack.url}/admin/#/register`);
    await p.getByRole('heading', { name: '登记群众诉求' }).waitFor();
    await p.getByLabel('来访').check();
    await p.getByLabel('所属中心').selectOption(center);
    await p.getByLabel('诉求内容').fill(description);
    await fill();
    await p.getByRole('button', { name: '登记并出具回执' }).click();
    const receipt = p.getByRole('region', { name: '已登记 · 回执' });
    await receipt.waitFor();
    const no = await receipt.locator('.receipt-no').innerText();
    await receipt.getByRole('link', { name: '查看案件' }).click();
    await p.locator('section[aria-labelledby="facts"]').waitFor();
    return no;
  }

  it('fills 民事调解’s 纠纷类型 and 争议金额 at 登记 and shows them on the case page', async () => {
    const p = await suite.page(DESKTOP);
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/register`);
    await p.getByLabel('所属中心').selectOption('mediation');
    const form = p.getByRole('group', { name: '民事调解登记项' });
    await form.waitFor();
    // Only the chosen centre's form is asked.
    expect(await p.getByRole('group', { name: '民生保障登记项' }).count()).toBe(0);
    expect(await axeViolations(p), 'axe on the 登记 form with a centre’s fields').toEqual([]);

    const no = await register(p, 'mediation', '楼上装修把我家天花板弄坏了，物业不管。', async () => {
      await p.getByLabel(/^纠纷类型/).selectOption('物业');
      await p.getByLabel(/^争议金额/).fill('12000');
    });
    const facts = p.locator('section[aria-labelledby="facts"]');
    await expect.poll(() => facts.locator('[data-field="disputeType"]').textContent()).toBe('物业');
    expect(await facts.locator('[data-field="amount"]').textContent()).toBe('12,000 元');
    expect(await facts.textContent()).toContain('纠纷类型');
    expect(await facts.textContent()).toContain('争议金额');

    // What the page sent is what the case holds.
    const state = (await call(suite.stack, 'GET', `/v1/cases/${no}`, { headers: { authorization: `Bearer ${await login(suite.stack, 'building-mediator')}` } })).body;
    expect(state).toMatchObject({ center: 'mediation', source: 'walk_in', fields: { disputeType: '物业', amount: 12000 } });
  }, 120_000);

  it('keeps 民生保障’s 家庭情况 hidden on the case page until 显示 is asked', async () => {
    const p = await suite.page(DESKTOP);
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await register(p, 'welfare', '老人独居，想申请低保。', async () => {
      await p.getByLabel(/^求助类别/).selectOption('低保');
      await p.getByLabel(/^家庭情况/).fill('独居老人，儿子在外地，无固定收入');
    });
    const facts = p.locator('section[aria-labelledby="facts"]');
    await expect.poll(() => facts.locator('[data-field="household"]').textContent()).toBe(MASKED_FORM_TEXT);
    expect(await facts.locator('[data-field="helpType"]').textContent()).toBe('低保');
    await facts.getByRole('button', { name: '显示' }).click();
    await expect.poll(() => facts.locator('[data-field="household"]').textContent()).toBe('独居老人，儿子在外地，无固定收入');
  }, 120_000);

  it('fills in 补充/更正信息 on a case that came without a form, and the timeline says 补充信息 with what changed', async () => {
    const p = await suite.page(DESKTOP);
    // By a hotline, without fields (as an SMS or WeChat case comes).
    const filed = await call(suite.stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'mediation', description: '邻居装修噪音扰民，协商不成。', reporter: { phone: '13912340077' }, location: { unitId: 'hp-xf-yg-1' } },
    });
    expect(filed.status, filed.text).toBe(201);
    const id = filed.body.id as string;
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/case/${id}`);
    await p.locator('details.action-set_fields > summary').click();
    const form = p.locator('details.action-set_fields').getByRole('group', { name: '民事调解登记项' });
    await form.waitFor();
    expect(await axeViolations(p), 'axe on 补充/更正信息').toEqual([]);
    await form.getByLabel(/^纠纷类型/).selectOption('邻里');
    await form.getByLabel(/^争议金额/).fill('800');
    await p.getByRole('button', { name: '确认补充/更正信息' }).click();

    const facts = p.locator('section[aria-labelledby="facts"]');
    await expect.poll(() => facts.locator('[data-field="disputeType"]').textContent()).toBe('邻里');
    expect(await facts.locator('[data-field="amount"]').textContent()).toBe('800 元');
    await expect.poll(() => p.locator('ol.timeline').innerText()).toContain('补充信息：纠纷类型：邻里；争议金额：800 元');

    // Corrected: the form opens with the case's values; one changed is recorded from → to.
    await p.locator('details.action-set_fields > summary').click();
    const again = p.locator('details.action-set_fields').getByRole('group', { name: '民事调解登记项' });
    expect(await again.getByLabel(/^纠纷类型/).inputValue()).toBe('邻里');
    await again.getByLabel(/^纠纷类型/).selectOption('物业');
    await p.getByRole('button', { name: '确认补充/更正信息' }).click();
    await expect.poll(() => p.locator('ol.timeline').innerText()).toContain('补充信息：纠纷类型：邻里 → 物业');
    const state = (await call(suite.stack, 'GET', `/v1/cases/${id}`, { headers: { authorization: `Bearer ${await login(suite.stack, 'building-mediator')}` } })).body;
    expect(state.fields).toEqual({ disputeType: '物业', amount: 800 });
  }, 120_000);
});
