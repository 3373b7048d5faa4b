/**
 * 双报到 and 群众点单 in real Chromium against the local stack: a party member
 * registers (报到) without an account, the community approves them on 志愿者
 * (the account's first password shown once), a resident's order is 登记ed
 * with a service from the community's menu, the community dispatches it to
 * the new volunteer, who 接单 on a phone and 办结; the resident confirms
 * 满意 on /track/, and 统计 counts the order through.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { axeViolations, chromiumAvailable, DESKTOP, PHONE, screenshot, signIn } from '../support/browser.ts';
import { call, login } from '../support/stack.ts';

describe.skipIf(!chromiumAvailable())('双报到 volunteers in Chromium', () => {
  const suite = browserSuite({ workers: true });
  const page = (options = DESKTOP) => suite.page(options);
  const noViolations = async (p: Page, where: string) => expect(await axeViolations(p), `axe on ${where}`).toEqual([]);

  it('报到 → approval → 点单 → 派单 → 接单 → 办结 → the resident confirms', async () => {
    // 报到, on a phone, without signing in.
    const member = await page(PHONE);
    await member.goto(`${suite.stack.url}/admin/#/baodao`);
    await member.getByRole('heading', { name: '党员、干部到社区报到' }).waitFor();
    await expect.poll(() => member.getByLabel('居住社区').locator('option').count()).toBeGreaterThan(1);
    await member.getByLabel('居住社区').selectOption('hp-xf');
    await member.getByLabel('姓名').fill('林晓东');
    await member.getByLabel('手机').fill('13900000099');
    await member.getByLabel('身份').selectOption('party_member');
    await member.getByLabel(/^特长/).fill('陪诊，代办');
    await member.getByLabel('可服务时间').fill('周二、周四上午');
    await noViolations(member, 'the 报到 form');
    await member.getByRole('button', { name: '提交报到' }).click();
    await expect.poll(() => member.getByRole('status').innerText()).toMatch(/已向.*幸福社区报到，当前状态：待审核/);
    await screenshot(member, 'baodao-phone');

    // The community approves it: the account and its first password, once.
    const community = await page();
    await signIn(community, suite.stack.url, 'community-mediator', suite.stack.password);
    await community.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '志愿者' }).click();
    const pending = community.locator('li', { hasText: '林晓东' });
    await pending.waitFor();
    expect(await pending.innerText()).toContain('13900000099');
    await noViolations(community, 'the 志愿者 page');
    await pending.getByLabel(/^账号/).fill('linxd');
    await pending.getByRole('button', { name: '通过' }).click();
    const approved = community.getByRole('status').filter({ hasText: '已通过 林晓东 的报到' });
    await approved.waitFor();
    const password = /初始密码 (\S+?)（/.exec(await approved.innerText())?.[1];
    expect(password).toBeTruthy();
    await expect.poll(() => community.locator('table').innerText()).toContain('linxd');
    expect(await community.locator('li', { hasText: '林晓东' }).count()).toBe(0);
    await screenshot(community, 'volunteers-page');

    // 点单 through 登记: the service picker offers the community's menu.
    await community.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '登记' }).click();
    await expect.poll(() => community.getByLabel(/^点单服务/).locator('option').allInnerTexts()).toContain('四点半课堂（放学后作业辅导）');
    await community.getByLabel('所属中心').selectOption('welfare');
    await community.getByLabel('诉求内容').fill('父亲周四要去区医院复查，家里没人陪，想请志愿者陪诊。');
    await community.getByLabel(/^手机/).fill('13912349100');
    await community.getByLabel(/^点单服务/).selectOption('escort');
    await community.getByRole('button', { name: '登记并出具回执' }).click();
    const trackingNo = (await community.locator('.receipt-no').innerText()).trim();
    const trackingCode = (await community.locator('.receipt-code').innerText()).trim();
    const filed = await call(suite.stack, 'GET', `/v1/track/${trackingNo}?code=${trackingCode}`, { key: null });
    expect(filed.status).toBe(200);

    // 派单 to the new volunteer (the dispatch form itself is covered by the admin page's test).
    const token = await login(suite.stack, 'community-mediator');
    const auth = { authorization: `Bearer ${token}` };
    // A case's id is its tracking number.
    const id = trackingNo;
    for (const action of [{ type: 'accept' }, { type: 'dispatch', toVolunteerId: 'linxd', note: '请周四上午陪同' }]) {
      const current = await call(suite.stack, 'GET', `/v1/cases/${id}`, { headers: auth });
      const reply = await call(suite.stack, 'POST', `/v1/cases/${id}/actions`, { headers: auth, body: { expectedVersion: current.body.version, ...action } });
      expect(reply.status, reply.text).toBe(200);
    }

    // 接单 and 办结 by the volunteer, on a phone, with the password the community handed over.
    const volunteer = await page(PHONE);
    await signIn(volunteer, suite.stack.url, 'linxd', password as string);
    await volunteer.goto(`${suite.stack.url}/admin/#/case/${id}`);
    await volunteer.locator('ol.timeline').waitFor();
    expect(await volunteer.locator('.case-grid section').first().innerText()).toContain('陪诊');
    await volunteer.getByRole('navigation', { name: '常用操作' }).getByRole('button', { name: '接单' }).click();
    await volunteer.getByRole('button', { name: '确认接单' }).click();
    await volunteer.getByRole('status').filter({ hasText: '已完成：接单' }).waitFor();
    const resolve = volunteer.locator('details.action-resolve');
    await resolve.locator('summary').click();
    await resolve.getByLabel('办理情况').fill('已陪同复查，取回药品并送到家。');
    await resolve.locator('button[type=submit]').click();
    await volunteer.getByRole('status').filter({ hasText: '已完成：办结' }).waitFor();

    // The resident confirms on /track/.
    const resident = await page(PHONE);
    await resident.goto(`${suite.stack.url}/track/?no=${trackingNo}`);
    await resident.getByLabel('提取码').fill(trackingCode);
    await resident.getByRole('button', { name: '查询' }).click();
    const result = resident.locator('section.track-result');
    await result.locator('dl.facts').getByText('已陪同复查，取回药品并送到家。').waitFor();
    await result.getByRole('button', { name: '满意', exact: true }).click();
    await result.getByText('感谢您的评价').first().waitFor();

    // The case names the service and who did it; 统计 counts the order through to the confirmation.
    await community.goto(`${suite.stack.url}/admin/#/case/${id}`);
    await community.locator('ol.timeline').waitFor();
    const facts = await community.locator('.case-grid section').first().innerText();
    expect(facts).toContain('陪诊');
    // By name once the page knows the account (this page's list of volunteers was loaded before the approval).
    expect(facts).toMatch(/服务志愿者\s*(林晓东|linxd)/);
    await community.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '统计' }).click();
    await expect.poll(() => community.locator('[data-services]').innerText()).toContain('点单 1 件');
    expect(await community.locator('[data-rate="接单率"]').innerText()).toContain('1 / 1');
    expect(await community.locator('[data-rate="群众确认率"]').innerText()).toContain('1 / 1');
  });
});
