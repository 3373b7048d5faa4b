/** 履行回访 on the admin page in Chromium: the unit records 未履行 and the case reopens; 统计 shows 协议履行率. */
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { DESKTOP, chromiumAvailable, signIn } from '../support/browser.ts';
import { call, login } from '../support/stack.ts';

describe.skipIf(!chromiumAvailable())('履行回访 in Chromium', () => {
  const suite = browserSuite({ workers: true });

  async function act(username: string, id: string, action: Record<string, unknown>) {
    const token = await login(suite.stack, username);
    const current = await call(suite.stack, 'GET', `/v1/cases/${id}`, { headers: { authorization: `Bearer ${token}` } });
    const reply = await call(suite.stack, 'POST', `/v1/cases/${id}/actions`, { body: { expectedVersion: current.body.version, ...action }, headers: { authorization: `Bearer ${token}` } });
    expect(reply.status, reply.text).toBe(200);
    return reply.body;
  }

  it('the unit records 未履行 from the case page, the case is worked again, and 统计 shows 协议履行率', async () => {
    const filed = await call(suite.stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'mediation', description: '邻里漏水纠纷', reporter: { phone: '13912349101' }, location: { unitId: 'hp-xf-yg-1' } },
    });
    const id = filed.body.id as string;
    await act('building-mediator', id, { type: 'accept' });
    await act('building-mediator', id, {
      type: 'record_agreement',
      agreement: {
        parties: [{ name: '吴先生', role: 'applicant' }, { name: '郑女士', role: 'respondent' }],
        facts: '卫生间渗水',
        terms: ['修复防水层'],
        performance: { method: '维修', deadline: '2026-12-10' },
      },
    });
    await act('building-mediator', id, { type: 'resolve', outcome: 'resolved', summary: '达成协议' });

    const page = await suite.page(DESKTOP);
    await signIn(page, suite.stack.url, 'building-mediator', suite.stack.password);
    await page.goto(`${suite.stack.url}/admin/#/case/${id}`);
    const form = page.locator('details.action-record_performance');
    await form.locator('summary').click();
    await form.getByText('协议约定履行期限').waitFor();
    await form.getByLabel('履行情况').selectOption({ label: '未履行' });
    await form.getByLabel('核实情况').fill('郑女士拒不维修');
    await form.getByRole('button', { name: '确认履行回访' }).click();
    await page.getByRole('status').filter({ hasText: '已完成：履行回访' }).waitFor();
    await page.locator('ol.timeline', { hasText: '履行情况：未履行，郑女士拒不维修（重新办理）' }).waitFor();
    const after = (await call(suite.stack, 'GET', `/v1/cases/${id}`)).body;
    expect(after).toMatchObject({ status: 'pending', performanceCheck: { result: { performance: 'unperformed' } } });

    await page.goto(`${suite.stack.url}/admin/#/dashboard`);
    await page.getByText('协议履行率').first().waitFor();
  });
});
