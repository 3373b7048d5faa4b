/**
 * 议事厅 in real Chromium against the local stack with its workers: a
 * community mediator raises a topic from three residents' cases, schedules a
 * 屋场夜话, records it, agrees two decisions and publishes the result, which
 * resolves the three cases (each shows it on its timeline); the unit's public
 * page shows the result without the names of those who took part.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { axeViolations, chromiumAvailable, DESKTOP, PHONE, screenshot, signIn } from '../support/browser.ts';
import { call, login } from '../support/stack.ts';

const CHINA_DAY = (offsetDays: number) => new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(!chromiumAvailable())('议事厅 in Chromium', () => {
  const suite = browserSuite({ workers: true });
  const page = (options = DESKTOP) => suite.page(options);

  it('a meeting from three linked cases to a published result that resolves them, on their timelines and the public page', async () => {
    const cases: { id: string; trackingNo: string }[] = [];
    for (const [i, unitId] of ['hp-xf-yg-1', 'hp-xf-yg-2', 'hp-xf-yg-3'].entries()) {
      const reply = await call(suite.stack, 'POST', '/v1/cases', {
        body: { source: 'hotline', center: 'voice', description: `院子里一下雨就积水，排水沟堵了（第${i + 1}户）`, reporter: { name: `居民${i + 1}`, phone: `1391111000${i}` }, location: { unitId } },
      });
      expect(reply.status, reply.text).toBe(201);
      cases.push(reply.body);
    }

    const p = await page();
    await signIn(p, suite.stack.url, 'community-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/deliberations?cases=${cases.map((c) => c.id).join(',')}`);
    const raise = p.getByRole('form', { name: '发起议题' });
    await raise.getByLabel('议题').fill('阳光小区院落排水');
    await raise.getByLabel('情况说明').fill('三户反映雨天院内积水，排水沟堵塞');
    await raise.getByRole('button', { name: '发起' }).click();
    await expect.poll(() => p.url()).toMatch(/#\/deliberations\/T/);
    await expect.poll(() => p.getByRole('heading', { level: 1 }).innerText()).toBe('阳光小区院落排水');
    await expect.poll(() => p.locator('.linked-cases li').count()).toBe(3);

    const schedule = p.getByRole('form', { name: '排定会议' });
    await schedule.getByLabel('会议形式').selectOption({ label: '屋场夜话' });
    await schedule.getByLabel('地点').fill('阳光小区议事亭');
    await schedule.getByRole('button', { name: '排定会议' }).click();
    await expect.poll(() => p.locator('#main').innerText()).toContain('屋场夜话');

    const record = p.getByRole('form', { name: '记录会议' });
    await record.getByLabel(/参会人/).fill('周秀兰 居民\n张桂兰 联户长\n刘志刚 两代表一委员\n陈国平 党员');
    await record.getByLabel('会议纪要').fill('大家同意物业疏通主管道，社区加装雨水篦子。');
    await record.getByRole('button', { name: '记录会议' }).click();
    await expect.poll(() => p.locator('#main').innerText()).toContain('参会 4 人');

    for (const [text, owner, days, practical] of [
      ['疏通院内主排水管道', '阳光物业', 3, true],
      ['加装雨水篦子', '幸福社区', 10, false],
    ] as const) {
      const agree = p.getByRole('form', { name: '添加共识' });
      await agree.getByLabel('共识内容').fill(text);
      await agree.getByLabel('责任人').fill(owner);
      await agree.getByLabel('完成期限').fill(CHINA_DAY(days));
      if (practical) await agree.getByLabel('属于为民办实事').check();
      await agree.getByRole('button', { name: '添加共识' }).click();
      await expect.poll(() => p.locator('table.decisions').innerText()).toContain(text);
    }
    expect(await axeViolations(p), 'axe on the topic page').toEqual([]);

    const publish = p.getByRole('form', { name: '公示结果' });
    await publish.getByLabel('议定结果').fill('物业三日内疏通主排水管道，社区十日内加装雨水篦子');
    expect(await publish.getByLabel(/据此办结关联的 3 件诉求/).isChecked()).toBe(true);
    await publish.getByRole('button', { name: '公示' }).click();
    await expect.poll(() => p.locator('#main').innerText()).toContain('关联的 3 件诉求据此办结');
    await screenshot(p, 'deliberation-published');

    // Each linked case: resolved, the result on its timeline.
    for (const c of cases) {
      await p.goto(`${suite.stack.url}/admin/#/case/${c.id}`);
      await expect.poll(() => p.locator('#main').innerText(), { timeout: 10_000 }).toContain('议事协商「阳光小区院落排水」结果公示');
      expect(await p.locator('#main').innerText()).toContain('已办结');
    }

    // The unit's public page, on a phone and signed out: the result, how many took part, no names.
    const pub = await page(PHONE);
    await pub.goto(`${suite.stack.url}/track/?unit=hp-xf`);
    await expect.poll(() => pub.getByRole('heading', { level: 1 }).innerText()).toContain('议事结果公示');
    await expect.poll(() => pub.locator('#main').innerText()).toContain('物业三日内疏通主排水管道');
    const text = await pub.locator('#main').innerText();
    expect(text).toContain('参会 4 人');
    expect(text).toContain('化解群众诉求 3 件');
    expect(text).not.toContain('周秀兰');
    expect(await axeViolations(pub), 'axe on the public page').toEqual([]);
    await screenshot(pub, 'deliberation-public');

    // The figures count it.
    const token = await login(suite.stack, 'community-mediator');
    const stats = await call(suite.stack, 'GET', '/v1/stats/deliberations', { headers: { authorization: `Bearer ${token}` } });
    expect(stats.body).toMatchObject({ meetings: 1, participants: 4, settled: 1, casesResolved: 3 });
  });
});
