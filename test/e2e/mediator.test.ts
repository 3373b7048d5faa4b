/**
 * The mediator's day in real Chromium, on a 390-pixel phone and a 1366-pixel
 * desk, against the local stack with its workers: 我的待办's tabs, 登记 and its
 * 回执, the case page's next step, drafts through a 409 and a lost session,
 * one session for every tab, 督办 and the 红黄牌 board, 回访 by someone other
 * than the resolver, search, the resident's 不满意 on /track/, pages that do
 * not scroll sideways, and axe-core on every page.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { axeViolations, chromiumAvailable, DESKTOP, pageWidth, PHONE, screenshot, signIn } from '../support/browser.ts';
import { call, login, waitFor } from '../support/stack.ts';

const CHINA_DAY = (offsetDays: number) => new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(!chromiumAvailable())('the mediator’s day in Chromium', () => {
  const suite = browserSuite({ workers: true, seedCases: true });
  const page = (options = DESKTOP) => suite.page(options);

  async function fileCase(body: Record<string, unknown>) {
    const reply = await call(suite.stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', ...body } });
    expect(reply.status, reply.text).toBe(201);
    return reply.body as { id: string; trackingNo: string; trackingCode: string; version: number };
  }

  async function act(username: string, id: string, action: Record<string, unknown>) {
    const token = await login(suite.stack, username);
    const current = await call(suite.stack, 'GET', `/v1/cases/${id}`, { headers: { authorization: `Bearer ${token}` } });
    const reply = await call(suite.stack, 'POST', `/v1/cases/${id}/actions`, { body: { expectedVersion: current.body.version, ...action }, headers: { authorization: `Bearer ${token}` } });
    expect(reply.status, reply.text).toBe(200);
    return reply.body;
  }

  const noViolations = async (p: Page, where: string) => expect(await axeViolations(p), `axe on ${where}`).toEqual([]);
  const tab = (p: Page, name: string) => p.getByRole('navigation', { name: '待办分类' }).getByRole('link', { name: new RegExp(`^${name}`) });

  it('我的待办: tabs with counts; the approver finds the extension, the officer the orange urgent case below; tab and filters in the URL', async () => {
    const ext = await fileCase({ title: '楼道照明故障', description: '楼道照明全部不亮。', location: { unitId: 'hp-xf-yg-1' } });
    await act('building-mediator', ext.id, { type: 'accept' });
    await act('building-mediator', ext.id, { type: 'extend_request', reason: '等待电工', until: `${CHINA_DAY(9)}T17:00:00+08:00` });
    const risky = await fileCase({ center: 'mediation', priority: 'urgent', title: '讨薪纠纷', description: '工人被拖欠工资，扬言要聚集讨薪。', location: { unitId: 'hp-hx-jy-1' } });

    const compound = await page();
    await signIn(compound, suite.stack.url, 'compound-mediator', suite.stack.password);
    await expect.poll(() => tab(compound, '待我审批').innerText()).toMatch(/待我审批\s*1/);
    await tab(compound, '待我审批').click();
    await expect.poll(() => compound.url()).toContain('tab=approval');
    await expect.poll(() => compound.locator('table.cases').innerText()).toContain(ext.trackingNo);
    await noViolations(compound, 'the queue');
    await screenshot(compound, 'queue-tabs');

    const officer = await page(PHONE);
    await signIn(officer, suite.stack.url, 'township-mediator', suite.stack.password);
    await tab(officer, '风险件').click();
    await expect.poll(() => officer.locator('table.cases').innerText()).toContain(risky.trackingNo);
    const row = officer.locator('table.cases tr', { hasText: risky.trackingNo });
    expect(await row.innerText()).toContain('风险');
    // The filters go into the URL, so a reload or a shared link shows the same.
    await officer.getByLabel('中心').selectOption({ label: '民事调解' });
    await expect.poll(() => officer.url()).toContain('center=mediation');
    await officer.reload();
    await expect.poll(() => officer.locator('table.cases').innerText()).toContain(risky.trackingNo);
    expect(await officer.getByLabel('中心').inputValue()).toBe('mediation');
    expect(await pageWidth(officer)).toBeLessThanOrEqual(390);
    await noViolations(officer, 'the officer’s queue on a phone');
    await screenshot(officer, 'queue-officer-phone');
  });

  it('登记 on a 390-pixel phone: a walk-in filed at the 联户长’s building, its 回执 shown and sent by SMS', async () => {
    const p = await page(PHONE);
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.getByRole('link', { name: '登记' }).click();
    await p.getByRole('heading', { name: '登记群众诉求' }).waitFor();
    await noViolations(p, 'the 登记 form');
    await p.getByLabel('来访').check();
    await p.getByLabel('所属中心').selectOption('mediation');
    await p.getByLabel('诉求内容').fill('邻居家空调外机噪音很大，晚上无法入睡。');
    await p.getByLabel('姓名（选填）').fill('孙阿姨');
    await p.getByLabel(/^手机/).fill('13912349001');
    expect(await p.getByLabel('所在单位').inputValue()).toBe('hp-xf-yg-1');
    expect(await pageWidth(p)).toBeLessThanOrEqual(390);
    await p.getByRole('button', { name: '登记并出具回执' }).click();
    const receipt = p.getByRole('region', { name: '已登记 · 回执' });
    await receipt.waitFor();
    const no = await receipt.locator('.receipt-no').innerText();
    const code = await receipt.locator('.receipt-code').innerText();
    expect(code).toMatch(/^\d{6}$/);
    await receipt.getByText('回执已通过短信发送至 139****9001').waitFor();
    await noViolations(p, 'the 回执');
    await screenshot(p, 'register-receipt-phone');

    const state = (await call(suite.stack, 'GET', `/v1/cases/${no}`, { headers: { authorization: `Bearer ${await login(suite.stack, 'building-mediator')}` } })).body;
    expect(state).toMatchObject({ source: 'walk_in', unitId: 'hp-xf-yg-1', center: 'mediation' });
    // The SMS with the 回执 goes out through the relay and the notifier, recorded in the outbox (its code cut out there).
    const admin = { headers: { authorization: `Bearer ${await login(suite.stack, 'admin')}` } };
    const sent = await waitFor('the 回执 SMS', async () => {
      const outbox = await call(suite.stack, 'GET', `/v1/outbox?date=${CHINA_DAY(0)}`, admin);
      return (outbox.body.items as { topic: string; to: string; text: string; caseId: string }[]).find((m) => m.caseId === state.id && m.topic === 'receipt');
    });
    expect(sent).toMatchObject({ to: '139****9001', text: expect.stringContaining(no) });
  });

  it('on a phone the case page leads to the next step, confirms where the user looks, and offers nothing that cannot succeed', async () => {
    const c = await fileCase({ title: '噪音扰民', description: '楼下商铺音响声音很大。', reporter: { phone: '13912349002' }, location: { unitId: 'hp-xf-yg-1' } });
    const p = await page(PHONE);
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/case/${c.id}`);
    const bar = p.getByRole('navigation', { name: '常用操作' });
    await bar.getByRole('button', { name: '签收' }).waitFor();
    const box = await bar.boundingBox();
    expect(box && box.y + box.height).toBeLessThanOrEqual(844);
    // Not yet signed for: 签收 first (退回 too, had it been dispatched here), the rest under 更多.
    await expect.poll(() => bar.getByRole('button').allInnerTexts()).toEqual(['签收', '更多']);
    // A 联户长's building has no units below and no volunteers: 派单 is not offered.
    expect(await p.locator('details.action-dispatch').count()).toBe(0);
    await bar.getByRole('button', { name: '签收' }).click();
    await p.getByRole('button', { name: '确认签收' }).click();
    const toast = p.getByRole('status').filter({ hasText: '已完成：签收' });
    await toast.waitFor();
    // Over the foot of the screen, within the viewport (the page may re-render under it: asked until it stands).
    await expect.poll(async () => {
      const t = await toast.boundingBox();
      return t !== null && t.y >= 0 && t.y + t.height <= 844;
    }).toBe(true);
    await expect.poll(() => bar.getByRole('button').allInnerTexts()).toEqual(['办结', '备注 / 答复', '更多']);

    // 延期 once per level: after one is granted, it is no longer offered.
    await bar.getByRole('button', { name: '更多' }).click();
    await p.locator('details.action-extend_request > summary').click();
    const due = (await call(suite.stack, 'GET', `/v1/cases/${c.id}`)).body.resolveDueAt as string;
    await p.getByLabel('延期至').fill(new Date(Date.parse(due) + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 16));
    await p.getByLabel('延期理由').fill('等待商铺负责人回来');
    await p.getByRole('button', { name: '确认申请延期' }).click();
    await p.getByRole('status').filter({ hasText: '已完成：申请延期' }).waitFor();
    await act('compound-mediator', c.id, { type: 'extend_decide', approved: true });
    await p.reload();
    await p.locator('ol.timeline').waitFor();
    await expect.poll(() => p.locator('ol.timeline').innerText()).toContain('批准延期');
    expect(await p.locator('details.action-extend_request').count()).toBe(0);
    expect(await pageWidth(p)).toBeLessThanOrEqual(390);
    await noViolations(p, 'the case page on a phone');
    await screenshot(p, 'case-action-bar-phone');
  });

  it('a volunteer sees the task by the dispatcher’s name for them, takes it with 接单, and names are not doubled', async () => {
    const c = await fileCase({ center: 'welfare', title: '独居老人探访', description: '独居老人需要每周上门探访。', location: { unitId: 'hp-xf' } });
    await act('community-mediator', c.id, { type: 'dispatch', toVolunteerId: 'volunteer' });
    const community = await page();
    await signIn(community, suite.stack.url, 'community-mediator', suite.stack.password);
    await community.goto(`${suite.stack.url}/admin/#/case/${c.id}`);
    await community.locator('ol.timeline').waitFor();
    const facts = await community.locator('.case-grid section').first().innerText();
    expect(facts).toContain('刘洋（党员志愿者）（待接单）');
    expect(facts).not.toContain('volunteer（待接单）');
    const timeline = await community.locator('ol.timeline').innerText();
    expect(timeline).toContain('派给志愿者 刘洋（党员志愿者）');
    expect(timeline).toContain('王秀英（社区调解员）');
    expect(timeline).not.toContain('王秀英（社区调解员）（调解员）');

    const volunteer = await page(PHONE);
    await signIn(volunteer, suite.stack.url, 'volunteer', suite.stack.password);
    await volunteer.goto(`${suite.stack.url}/admin/#/case/${c.id}`);
    await volunteer.getByRole('navigation', { name: '常用操作' }).getByRole('button', { name: '接单' }).click();
    await volunteer.getByRole('button', { name: '确认接单' }).click();
    await volunteer.getByRole('status').filter({ hasText: '已完成：接单' }).waitFor();
  });

  it('a 409 keeps the draft and shows what changed; a reload keeps it too; sent again it applies once', async () => {
    const c = await fileCase({ title: '占道经营', description: '小区门口占道经营，影响通行。', location: { unitId: 'hp-xf-yg-1' } });
    await act('building-mediator', c.id, { type: 'accept' });
    const p = await page();
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/case/${c.id}`);
    await p.locator('details.action-note > summary').click();
    const text = '已与摊主沟通，承诺明天搬离。\n请物业配合监督。';
    await p.locator('details.action-note').getByLabel('内容').fill(text);
    // Meanwhile a colleague records a contact.
    await act('building-mediator', c.id, { type: 'contact', channel: 'visit', summary: '同事上门查看了现场' });
    suite.allowConsoleErrors(/status of 409/);
    await p.getByRole('button', { name: '确认备注 / 答复' }).click();
    const alert = p.getByRole('alert').filter({ hasText: '该案件刚被他人修改' });
    await alert.waitFor();
    await expect.poll(() => alert.innerText()).toContain('联系（走访）：同事上门查看了现场');
    await expect.poll(() => p.locator('details.action-note').getByLabel('内容').inputValue()).toBe(text);
    expect(await p.locator('details.action-note').getAttribute('open')).not.toBeNull();
    await noViolations(p, 'the case page after a 409');

    await p.reload();
    await p.locator('ol.timeline').waitFor();
    await expect.poll(() => p.locator('details.action-note').getByLabel('内容').inputValue()).toBe(text);
    await p.getByRole('button', { name: '确认备注 / 答复' }).click();
    await p.getByRole('status').filter({ hasText: '已完成：备注 / 答复' }).waitFor();
    await expect.poll(() => p.locator('ol.timeline').innerText()).toContain('已与摊主沟通');
    // Sent and accepted: the draft is gone.
    expect(await p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('maodiaotong.draft.')))).toEqual([]);
    // Read as staff: an API client is not shown internal notes.
    const staff = { headers: { authorization: `Bearer ${await login(suite.stack, 'building-mediator')}` } };
    const events = (await call(suite.stack, 'GET', `/v1/cases/${c.id}/events`, staff)).body.items as { type: string }[];
    expect(events.filter((e) => e.type === 'noted')).toHaveLength(1);
  });

  it('a new tab is signed in; when the session runs out the login appears over the page and the draft survives it', async () => {
    const c = await fileCase({ title: '楼道堆物', description: '楼道堆放杂物。', location: { unitId: 'hp-xf-yg-1' } });
    const first = await page();
    await signIn(first, suite.stack.url, 'building-mediator', suite.stack.password);
    // Another tab of the same browser: no second sign-in.
    const second = await first.context().newPage();
    await second.goto(`${suite.stack.url}/admin/#/case/${c.id}`);
    await second.getByRole('heading', { name: '楼道堆物' }).waitFor();
    expect(await second.getByLabel('密码').count()).toBe(0);

    await second.locator('details.action-accept > summary').waitFor();
    await second.locator('details.action-note > summary').click();
    await second.locator('details.action-note').getByLabel('内容').fill('已通知物业清理。');
    // The session runs out (its token is no longer accepted) while the user types.
    await second.evaluate(() => {
      const key = 'maodiaotong.session';
      const session = JSON.parse(localStorage.getItem(key) ?? '{}') as object;
      localStorage.setItem(key, JSON.stringify({ ...session, token: 'expired' }));
    });
    suite.allowConsoleErrors(/status of 401/);
    await second.getByRole('button', { name: '确认备注 / 答复' }).click();
    const dialog = second.getByRole('dialog', { name: '请重新登录' });
    await dialog.waitFor();
    await noViolations(second, 'signing in again over the page');
    await dialog.getByLabel('密码').fill(suite.stack.password);
    await dialog.getByRole('button', { name: '登录' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Back where they were, with what they typed.
    expect(await second.locator('details.action-note').getByLabel('内容').inputValue()).toBe('已通知物业清理。');
    await second.getByRole('button', { name: '确认备注 / 答复' }).click();
    await second.getByRole('status').filter({ hasText: '已完成：备注 / 答复' }).waitFor();
    // The first tab follows the new session: it works on without asking.
    await first.getByRole('button', { name: '刷新' }).click();
    expect(await first.getByRole('dialog').count()).toBe(0);
  });

  it('督办 by the leader reaches the unit as 督办件; the 红黄牌 board ranks the units and an officer puts one under 督办', async () => {
    const c = await fileCase({ title: '垃圾清运', description: '小区垃圾清运不及时。', location: { unitId: 'hp-xf-cy' } });
    const leader = await page();
    await signIn(leader, suite.stack.url, 'leader', suite.stack.password);
    await leader.goto(`${suite.stack.url}/admin/#/case/${c.id}`);
    await leader.locator('details.action-order_supervision > summary').click();
    await leader.getByLabel('督办意见').fill('群众多次反映，请三日内办结。');
    await leader.getByLabel('限办日期').fill(CHINA_DAY(3));
    await leader.getByRole('button', { name: '确认督办' }).click();
    await leader.getByRole('status').filter({ hasText: '已完成：督办' }).waitFor();
    await expect.poll(() => leader.locator('.case-grid').innerText()).toContain('群众多次反映，请三日内办结。');

    const officer = await page();
    await signIn(officer, suite.stack.url, 'township-mediator', suite.stack.password);
    await officer.getByRole('link', { name: '红黄牌' }).click();
    await officer.getByRole('heading', { name: '红黄牌' }).waitFor();
    const xf = officer.locator('tr[data-unit="hp-xf"]');
    await xf.waitFor();
    await xf.getByRole('link', { name: '幸福社区' }).click();
    const cy = officer.locator('tr[data-unit="hp-xf-cy"]');
    await cy.waitFor();
    await noViolations(officer, 'the 红黄牌 board');
    await cy.locator('details.supervise > summary').click();
    await cy.getByLabel('督办意见').fill('超期件较多，限期整改。');
    await cy.getByLabel('限期整改至').fill(CHINA_DAY(10));
    await cy.getByRole('button', { name: '确认督办' }).click();
    await officer.getByRole('status').filter({ hasText: '已对翠苑小区督办' }).waitFor();
    await expect.poll(() => cy.innerText()).toContain('督办中：超期件较多，限期整改。');
    await screenshot(officer, 'board');

    // The compound's own mediator: the order on the unit, and the case in 督办件.
    const admin = await login(suite.stack, 'admin');
    const created = await call(suite.stack, 'POST', '/v1/users', {
      body: { username: 'cy-mediator', displayName: '周敏', role: 'mediator', unitId: 'hp-xf-cy', password: 'cuiyuan-pass' },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(created.status, created.text).toBe(201);
    const unit = await page(PHONE);
    await signIn(unit, suite.stack.url, 'cy-mediator', 'cuiyuan-pass');
    await unit.getByText('本单位被督办').waitFor();
    await tab(unit, '督办件').click();
    await expect.poll(() => unit.locator('table.cases').innerText()).toContain(c.trackingNo);
    await noViolations(unit, 'the 督办件 tab on a phone');
  });

  it('回访 from the 待回访 tab, by the level above; the one who resolved it is not offered it', async () => {
    const c = await fileCase({ title: '下水道堵塞', description: '1栋下水道堵塞。', reporter: { phone: '13912349003' }, location: { unitId: 'hp-xf-yg-1' } });
    await act('building-mediator', c.id, { type: 'accept' });
    await act('building-mediator', c.id, { type: 'resolve', outcome: 'resolved', summary: '已疏通' });
    const resolver = await page();
    await signIn(resolver, suite.stack.url, 'building-mediator', suite.stack.password);
    await resolver.goto(`${suite.stack.url}/admin/#/case/${c.id}`);
    await resolver.locator('ol.timeline').waitFor();
    expect(await resolver.locator('details.action-follow_up').count()).toBe(0);

    const compound = await page(PHONE);
    await signIn(compound, suite.stack.url, 'compound-mediator', suite.stack.password);
    await tab(compound, '待回访').click();
    const row = compound.locator('table.cases tr', { hasText: c.trackingNo });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain('回访期限');
    await row.getByRole('link', { name: c.trackingNo }).click();
    await compound.getByRole('navigation', { name: '常用操作' }).getByRole('button', { name: '回访' }).click();
    await compound.getByLabel('满意', { exact: true }).check();
    await compound.getByRole('button', { name: '确认回访' }).click();
    await compound.getByRole('status').filter({ hasText: '已完成：回访' }).waitFor();
    const events = (await call(suite.stack, 'GET', `/v1/cases/${c.id}/events`)).body.items as { type: string; actor: { id: string } }[];
    expect(events.at(-1)).toMatchObject({ type: 'followed_up', actor: { id: 'compound-mediator' } });
  });

  it('the header box finds cases by words and by a 12345 work-order number', async () => {
    const c = await fileCase({ externalId: '12345-20261201-0777', title: '小区健身器材损坏', description: '健身器材的单杠断裂，存在安全隐患。', location: { unitId: 'hp-xf-cy-2' } });
    const p = await page();
    await signIn(p, suite.stack.url, 'community-mediator', suite.stack.password);
    const box = p.getByRole('searchbox', { name: '按编号、电话、工单号或关键词查找案件' });
    await box.fill('单杠 隐患');
    await box.press('Enter');
    await p.getByRole('heading', { name: '查找：单杠 隐患' }).waitFor();
    await expect.poll(() => p.locator('table.cases').innerText()).toContain(c.trackingNo);
    await noViolations(p, 'the search page');
    await box.fill('12345-20261201-0777');
    await box.press('Enter');
    await expect.poll(() => p.locator('table.cases tbody tr').first().innerText()).toContain(c.trackingNo);
  });

  it('a resident records 不满意 on /track/ and the case reopens and escalates', async () => {
    const c = await fileCase({ title: '油烟扰民', description: '楼下饭店油烟直排。', reporter: { phone: '13912349004' }, location: { unitId: 'hp-xf-yg-1' } });
    await act('building-mediator', c.id, { type: 'accept' });
    await act('building-mediator', c.id, { type: 'resolve', outcome: 'resolved', summary: '已要求饭店加装净化器' });
    const p = await page(PHONE);
    await p.goto(`${suite.stack.url}/track/?no=${c.trackingNo}`);
    await p.getByRole('heading', { name: '诉求办理进度查询' }).waitFor();
    // The link carries the number: the cursor waits in the 提取码.
    await expect.poll(() => p.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('code');
    await noViolations(p, 'the tracking form');
    await p.getByLabel('提取码').fill(c.trackingCode);
    await p.getByRole('button', { name: '查询' }).click();
    const result = p.locator('section.track-result');
    await result.locator('dl.facts').getByText('已要求饭店加装净化器').waitFor();
    expect(await result.innerText()).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    await noViolations(p, 'the tracking result');
    await p.getByLabel('意见（选填）').fill('油烟还是很大');
    await result.getByRole('button', { name: '不满意' }).click();
    await result.getByText('感谢您的评价').waitFor();
    await expect.poll(() => result.innerText()).toContain('评价：不满意。诉求已重新办理');
    // Reopened: no old result, and the rating buttons are gone.
    expect(await result.innerText()).not.toContain('办理结果');
    expect(await result.getByRole('button', { name: '满意', exact: true }).count()).toBe(0);
    await waitFor('the case to go up to the compound', async () => ((await call(suite.stack, 'GET', `/v1/cases/${c.id}`)).body.unitId === 'hp-xf-yg' ? true : undefined), 30_000);
    // The resident adds information; the mediators see it.
    await result.getByLabel('补充的情况（工作人员可见）').fill('晚上七点最严重');
    await result.getByRole('button', { name: '提交补充' }).click();
    await result.getByText('已提交，工作人员会看到您补充的情况。').waitFor();
    const events = (await call(suite.stack, 'GET', `/v1/cases/${c.id}/events`)).body.items as { type: string; data: { text?: string } }[];
    expect(events.at(-1)).toMatchObject({ type: 'noted', data: { text: '晚上七点最严重' } });
    expect(await pageWidth(p)).toBeLessThanOrEqual(390);
    await screenshot(p, 'track-dissatisfied-phone');
  }, 60_000);

  it('a long word without spaces does not make the page wider than the screen, on a phone or a desk', async () => {
    const word = 'http://example.com/' + 'a'.repeat(300);
    const c = await fileCase({ title: word.slice(0, 100), description: `${word} ${word}`, location: { unitId: 'hp-xf-yg-1' } });
    for (const [options, width] of [[PHONE, 390], [DESKTOP, 1366]] as const) {
      const p = await page(options);
      await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
      await expect.poll(() => p.locator('table.cases').innerText()).toContain(c.trackingNo);
      expect(await pageWidth(p), `queue at ${width}`).toBeLessThanOrEqual(width);
      await p.goto(`${suite.stack.url}/admin/#/case/${c.id}`);
      await p.locator('ol.timeline').waitFor();
      expect(await pageWidth(p), `case at ${width}`).toBeLessThanOrEqual(width);
    }
  });

  it('axe-core finds no violation on any page, on a phone or a desk', async () => {
    const c = await fileCase({
      title: '漏水调解',
      description: '楼上漏水，双方协商。',
      reporter: { name: '吴先生', phone: '13912349005' },
      location: { unitId: 'hp-xf-yg-1' },
      parties: [
        { name: '吴建华', role: 'applicant' },
        { name: '郑丽', role: 'respondent' },
      ],
    });
    await act('building-mediator', c.id, { type: 'accept' });
    await act('building-mediator', c.id, {
      type: 'record_agreement',
      agreement: { parties: [{ name: '吴建华', role: 'applicant' }, { name: '郑丽', role: 'respondent' }], facts: '漏水', terms: ['郑丽维修'], performance: { method: '维修', deadline: CHINA_DAY(10) } },
    });
    const routes: [string, string, string][] = [
      ['admin', '#/queue', '我的待办'],
      ['admin', `#/case/${c.id}`, '漏水调解'],
      ['admin', `#/case/${c.id}/agreement`, '人民调解协议书'],
      ['admin', '#/cases', '辖区案件'],
      ['admin', '#/dashboard', '统计'],
      ['admin', '#/board', '红黄牌'],
      ['admin', '#/register', '登记群众诉求'],
      ['admin', '#/search?q=漏水', '查找：漏水'],
      ['admin', '#/search?phone=13912349005', '来电查找：13912349005'],
      ['admin', '#/manage/accounts', '管理'],
      ['admin', '#/manage/units', '管理'],
      ['admin', '#/manage/outbox', '管理'],
      ['admin', '#/manage/calendar', '管理'],
    ];
    for (const options of [PHONE, DESKTOP]) {
      const p = await page(options);
      await p.goto(`${suite.stack.url}/admin/`);
      await p.getByLabel('用户名').waitFor();
      await noViolations(p, 'the sign-in page');
      await signIn(p, suite.stack.url, 'admin', suite.stack.password);
      for (const [, hash, heading] of routes) {
        await p.goto(`${suite.stack.url}/admin/${hash}`);
        await p.getByRole('heading', { name: heading }).first().waitFor();
        await p.waitForLoadState('networkidle');
        await noViolations(p, `${hash} at ${options.viewport?.width ?? 0}`);
      }
      await p.goto(`${suite.stack.url}/track/`);
      await p.getByRole('heading', { name: '诉求办理进度查询' }).waitFor();
      await noViolations(p, 'the tracking page');
    }
  }, 120_000);
});
