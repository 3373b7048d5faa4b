/**
 * 常用语 in real Chromium: the township's admin keeps one in 管理 › 常用语与通知
 * (a wrong placeholder named before anything is sent), and a 联户长 working a
 * case chooses 常用语 in one tap in the 回复 and 办结 forms — placeholders
 * filled — edits them, sends them, and finds the edited texts in the case's
 * 办理记录.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { chromiumAvailable, performAction, screenshot, signIn } from '../support/browser.ts';
import { call, login } from '../support/stack.ts';

describe.skipIf(!chromiumAvailable())('常用语 in Chromium', () => {
  const suite = browserSuite({ workers: true });

  it('keeps a 常用语 in 管理, offers it in the action form, and the edited text is what the case records', async () => {
    // The admin of 和平街道 adds a 办结 phrase for 幸福社区 and below.
    const admin = await suite.page();
    await signIn(admin, suite.stack.url, 'admin', suite.stack.password);
    await admin.goto(`${suite.stack.url}/admin/#/manage/templates`);
    await admin.getByRole('heading', { name: '常用语', exact: true }).waitFor();
    // The seeded ones show: the county's (not editable here) and the township's.
    await admin.locator('tr[data-template="demo-return-scope"]').getByText('上级单位设置').waitFor();
    await admin.locator('tr[data-template="demo-resolve-onsite"]').getByRole('button', { name: '修改' }).waitFor();

    await admin.getByRole('button', { name: '新增常用语' }).click();
    const form = admin.locator('form.template-form');
    await form.getByLabel('名称').fill('路灯已修复');
    await form.getByLabel('所属单位').selectOption({ label: '和平街道 幸福社区' });
    await form.getByLabel('适用操作').selectOption({ label: '办结' });
    await form.getByLabel('内容').fill('{unit}已修复路灯（编号 {trackingNo}），请{name}确认。');
    await form.getByRole('button', { name: '保存' }).click();
    // Refused in the page, naming the placeholder; nothing sent.
    await form.getByRole('alert').filter({ hasText: '{name}' }).waitFor();
    const adminToken = { headers: { authorization: `Bearer ${await login(suite.stack, 'admin')}` } };
    const stored = async () => ((await call(suite.stack, 'GET', '/v1/templates', adminToken)).body.items as { title: string }[]).map((t) => t.title);
    expect(await stored()).not.toContain('路灯已修复');
    await form.getByLabel('内容').fill('{unit}已修复路灯（编号 {trackingNo}），如仍有问题请于{deadline}前告知。');
    await form.getByRole('button', { name: '保存' }).click();
    await admin.getByRole('status').filter({ hasText: '已保存“路灯已修复”' }).waitFor();
    await admin.locator('table.phrase-templates').getByText('路灯已修复').waitFor();
    expect(await stored()).toContain('路灯已修复');
    await screenshot(admin, 'manage-templates');

    // A matter at 阳光小区1栋, worked by its 联户长.
    const filed = await call(suite.stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'voice', description: '阳光小区1栋门口路灯不亮。', reporter: { name: '周女士', phone: '13800138066' }, location: { unitId: 'hp-xf-yg-1' } },
    });
    expect(filed.status, filed.text).toBe(201);
    const { id, trackingNo } = filed.body as { id: string; trackingNo: string };

    const page = await suite.page();
    await signIn(page, suite.stack.url, 'building-mediator', suite.stack.password);
    await page.goto(`${suite.stack.url}/admin/#/case/${id}`);
    await page.locator('ol.timeline').waitFor();
    await performAction(page, 'accept', async () => undefined);

    // 回复: the township's phrase, one tap; its placeholders filled; then edited before sending.
    let reply = '';
    await performAction(page, 'note', async (f) => {
      await f.getByRole('group', { name: '常用语' }).getByRole('button', { name: '已受理正在核实' }).click();
      const text = f.getByLabel('内容');
      const filled = await text.inputValue();
      expect(filled).toContain(`编号 ${trackingNo}`);
      expect(filled).toContain('和平街道 幸福社区 阳光小区 1栋');
      expect(filled).not.toMatch(/\{\w+\}/);
      reply = `${filled}如有疑问请拨打社区电话。`;
      await text.fill(reply);
      await f.getByLabel('公开答复（群众查询可见）').check();
    });

    // 办结: only the phrases for 办结 (and for this centre) are offered; the one just kept is among them.
    let summary = '';
    await performAction(page, 'resolve', async (f) => {
      const chips = f.getByRole('group', { name: '常用语' }).getByRole('button');
      expect(await chips.allTextContents()).toEqual(expect.arrayContaining(['路灯已修复', '已现场处理']));
      expect(await chips.allTextContents()).not.toContain('调解成功');
      await chips.filter({ hasText: '路灯已修复' }).click();
      const text = f.getByLabel('办理情况');
      expect(await text.inputValue()).toMatch(new RegExp(`^和平街道 幸福社区 阳光小区 1栋已修复路灯（编号 ${trackingNo}），如仍有问题请于\\d+月\\d+日\\d\\d:\\d\\d前告知。$`));
      summary = (await text.inputValue()).replace('如仍有问题', '更换了灯泡。如仍有问题');
      await text.fill(summary);
    });

    // The case's 办理记录 holds the texts as sent.
    const timeline = page.locator('ol.timeline');
    await timeline.getByText(reply).waitFor();
    await timeline.getByText(summary).waitFor();
    await screenshot(page, 'case-templates');
    const events = (await call(suite.stack, 'GET', `/v1/cases/${id}/events`)).body.items as { type: string; data: { text?: string; summary?: string } }[];
    expect(events.find((e) => e.type === 'noted')?.data.text).toBe(reply);
    expect(events.find((e) => e.type === 'resolved')?.data.summary).toBe(summary);
  }, 90_000);
});
