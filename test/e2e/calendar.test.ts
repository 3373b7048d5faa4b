/**
 * 管理 › 节假日 in real Chromium: an admin is told on every page when a year of
 * the next 60 days has no holiday data ("2027 年节假日安排未录入"), enters its
 * holidays (a 春节 span included) and 调休 workdays, and the banner goes; a
 * line that is no date is refused before anything is sent.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { chromiumAvailable, screenshot, signIn } from '../support/browser.ts';
import { call, login } from '../support/stack.ts';

describe.skipIf(!chromiumAvailable())('holiday years in Chromium', () => {
  const suite = browserSuite();
  afterAll(async () => (await import('../../shared/service/clock.ts')).clock.reset());

  it('shows the banner, takes a year’s holidays and 调休 days, and the banner goes', async () => {
    const page = await suite.page();
    await signIn(page, suite.stack.url, 'county-admin', suite.stack.password);
    // The server's day: within 60 days of a year the calendar library does not know (the browser keeps its own clock).
    (await import('../../shared/service/clock.ts')).clock.set(() => new Date('2026-11-25T02:00:00Z'));
    await page.reload();
    const banner = page.getByRole('alert').filter({ hasText: '2027 年节假日安排未录入' });
    await banner.waitFor();
    await banner.getByRole('link', { name: '去录入' }).click();
    await page.getByRole('heading', { name: '管理' }).waitFor();
    await expect.poll(() => page.getByLabel('年份').inputValue()).toBe('2027');

    // A line that is no date is refused in plain words, and nothing is sent.
    await page.getByLabel(/放假日期/).fill('2027-01-01\n正月初一');
    await page.getByRole('button', { name: '保存该年节假日安排' }).click();
    await page.getByRole('alert').filter({ hasText: '正月初一' }).waitFor();
    const admin = { headers: { authorization: `Bearer ${await login(suite.stack, 'county-admin')}` } };
    expect((await call(suite.stack, 'GET', '/v1/config/calendar', admin)).body.stored).toBeNull();

    await page.getByLabel(/放假日期/).fill('2027-01-01\n2027-02-06~2027-02-13\n2027-10-01～2027-10-07');
    await page.getByLabel(/调休上班日期/).fill('2027-02-14\n2027-09-26');
    await page.getByRole('button', { name: '保存该年节假日安排' }).click();
    await page.getByRole('status').filter({ hasText: '已保存 2027 年：放假 16 天，调休上班 2 天' }).waitFor();
    await page.locator('table.calendar-years tr[data-year="2027"]').waitFor();
    // The banner goes at once.
    await expect.poll(() => page.getByText('2027 年节假日安排未录入').count()).toBe(0);
    await screenshot(page, 'manage-calendar');

    const stored = (await call(suite.stack, 'GET', '/v1/config/calendar', admin)).body;
    expect(stored.stored.years).toEqual([
      {
        year: 2027,
        holidays: ['2027-01-01', ...['06', '07', '08', '09', '10', '11', '12', '13'].map((d) => `2027-02-${d}`), ...['01', '02', '03', '04', '05', '06', '07'].map((d) => `2027-10-${d}`)],
        workdays: ['2027-02-14', '2027-09-26'],
      },
    ]);
    expect(stored.effective.uncoveredYears).toEqual([]);
    // Another page: no banner now.
    await page.goto(`${suite.stack.url}/admin/#/queue`);
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    expect(await page.getByText('节假日安排未录入').count()).toBe(0);
  });
});
