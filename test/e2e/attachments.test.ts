/**
 * Files on the admin page in real Chromium on a phone-sized screen, against
 * the local stack (s3rver behind presigned URLs): a 联户长 adds a photo of the
 * site from the phone's files, it shows as a thumbnail in the case's files and
 * on the timeline, without its location in the stored copy; a file that is not
 * a photo, recording or PDF is refused in plain words; the resident sees the
 * shared photo on the tracking page. Screenshots go to test-artifacts/.
 */
import exifr from 'exifr';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.ts';
import { axeViolations, chromiumAvailable, screenshot, signIn } from '../support/browser.ts';
import { keys, object, s3Of } from '../support/files.ts';
import { call, login } from '../support/stack.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/media/${name}`, import.meta.url));
const PHONE = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe.skipIf(!chromiumAvailable())('files on the admin page in Chromium', () => {
  const suite = browserSuite({ workers: true });
  const page = () => suite.page(PHONE);

  it('on a phone, a photo added from the files shows as a thumbnail, on the timeline too, and is stored without its location', async () => {
    const filed = await call(suite.stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'voice', description: '楼道墙面渗水，墙皮大面积脱落。', reporter: { name: '周女士', phone: '13912340031' }, location: { unitId: 'hp-xf-yg-1' } },
    });
    expect(filed.status).toBe(201);
    const p = await page();
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/case/${filed.body.id}`);
    const form = p.getByRole('form', { name: '添加附件' });
    await form.waitFor();
    await form.locator('input[name="files"]').setInputFiles(fixture('gps.jpg'));
    await form.getByLabel('说明').fill('楼道墙面渗水（现场）');
    await form.getByLabel('谁能看到').selectOption('shared');
    await form.getByRole('button', { name: '上传' }).click();
    await p.getByRole('status').filter({ hasText: '已添加 1 个附件' }).waitFor();

    const thumb = p.locator('.case-files img.thumb');
    await thumb.waitFor();
    // The picture really loaded (from the bucket, by its presigned URL), turned upright: the 64×48 photo's
    // EXIF orientation (6, a phone held upright) survived the cleaning, so it shows 48 wide. The timeline shows it too.
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(48);
    await expect.poll(() => p.locator('ol.timeline img.thumb').count()).toBe(1);
    // Viewed in place: the photo whole over the page, closed again with 关闭.
    await p.locator('.case-files button.file-tile').click();
    const viewer = p.getByRole('dialog', { name: 'gps.jpg：楼道墙面渗水（现场）' });
    await viewer.locator('img').waitFor();
    await screenshot(p, 'case-file-viewer-phone');
    expect(await axeViolations(p), 'axe on the file viewer').toEqual([]);
    await viewer.getByRole('button', { name: '关闭' }).click();
    await expect.poll(() => viewer.count()).toBe(0);
    await expect.poll(() => p.locator('ol.timeline').textContent()).toContain('添加照片「gps.jpg」：楼道墙面渗水（现场）（向群众公开）');
    const wide = await p.evaluate(() => Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > 376).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 12));
    expect(wide).toEqual([]);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(p, 'case-files-phone');

    const [key] = await keys(s3Of(suite.stack), suite.stack.bucket, `cases/${filed.body.id}/`);
    expect(await exifr.gps(await object(s3Of(suite.stack), suite.stack.bucket, key!))).toBeUndefined();

    // The resident sees it on the tracking page, on their phone.
    const trackingCode = (await call(suite.stack, 'GET', `/v1/cases/${filed.body.id}`)).body.trackingCode as string;
    const resident = await page();
    await resident.goto(`${suite.stack.url}/track/?no=${filed.body.trackingNo}`);
    await resident.getByLabel('提取码').fill(trackingCode);
    await resident.getByRole('button', { name: '查询' }).click();
    await resident.getByRole('button', { name: '查看附件' }).click();
    const shared = resident.locator('.track-files img');
    await expect.poll(() => shared.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(48);
    await screenshot(resident, 'track-files-phone');
  });

  it('on a phone, the signed 调解协议书 photographed with the camera is added to the case as the agreement', async () => {
    const filed = await call(suite.stack, 'POST', '/v1/cases', {
      body: {
        source: 'hotline',
        center: 'mediation',
        description: '楼上漏水到楼下，双方同意调解。',
        reporter: { phone: '13912340033' },
        location: { unitId: 'hp-xf-yg-1' },
        parties: [{ name: '吴建华', role: 'applicant' }, { name: '郑丽', role: 'respondent' }],
      },
    });
    expect(filed.status, filed.text).toBe(201);
    const p = await page();
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/case/${filed.body.id}`);
    const form = p.getByRole('form', { name: '添加附件' });
    await form.waitFor();
    // 拍照 opens the phone's rear camera (capture), for photos only; 选择文件 takes the kinds the server accepts.
    const camera = form.locator('input[name="camera"]');
    expect(await camera.getAttribute('accept')).toBe('image/*');
    expect(await camera.getAttribute('capture')).toBe('environment');
    expect(await form.locator('input[name="files"]').getAttribute('accept')).toContain('application/pdf');
    await camera.setInputFiles(fixture('gps.jpg'));
    await form.getByLabel('说明').fill('双方签字的调解协议书');
    await form.getByLabel('关于').selectOption({ label: '调解协议书（签字件）' });
    await form.getByRole('button', { name: '上传' }).click();
    await p.getByRole('status').filter({ hasText: '已添加 1 个附件' }).waitFor();
    await expect.poll(() => p.locator('.case-files li').innerText()).toContain('双方签字的调解协议书 · 调解协议书（签字件）');
    // (Internal: the hotline's own view of the case does not list it; the mediator's does.)
    const stored = await call(suite.stack, 'GET', `/v1/cases/${filed.body.id}`, { headers: { authorization: `Bearer ${await login(suite.stack, 'building-mediator')}` } });
    expect(stored.body.attachments).toMatchObject([{ purpose: 'agreement', kind: 'image', visibility: 'internal', caption: '双方签字的调解协议书' }]);
  });

  it('a file that is not a photo, recording or PDF is refused in plain words, and nothing is added', async () => {
    const filed = await call(suite.stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'voice', description: '楼道灯不亮。', reporter: { phone: '13912340032' }, location: { unitId: 'hp-xf-yg-1' } },
    });
    const p = await page();
    // The browser reports the refused request on its console; the page explains it.
    suite.allowConsoleErrors(/415/);
    await signIn(p, suite.stack.url, 'building-mediator', suite.stack.password);
    await p.goto(`${suite.stack.url}/admin/#/case/${filed.body.id}`);
    const form = p.getByRole('form', { name: '添加附件' });
    await form.locator('input[name="files"]').setInputFiles(fixture('not-an-image.jpg'));
    await form.getByRole('button', { name: '上传' }).click();
    await p.getByRole('alert').filter({ hasText: '只能上传照片' }).waitFor();
    expect(await p.locator('.case-files h3').textContent()).toContain('附件（0/20）');
    expect(await keys(s3Of(suite.stack), suite.stack.bucket, `cases/${filed.body.id}/`)).toEqual([]);
  });
});
