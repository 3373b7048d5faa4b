/**
 * Files through the local stack (gateway, dynalite or DynamoDB Local, s3rver):
 * a mediator's upload by presigned URL, checked by its content, its location
 * removed, recorded once; downloads only for those who may see the case, each
 * request audited; and every bad upload refused with nothing stored — in the
 * table or in the bucket.
 */
import exifr from 'exifr';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dumpTable } from '../support/dynamo.ts';
import { keys, mediaFixture, s3Of } from '../support/files.ts';
import { call, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
const tokens: Record<string, string> = {};
const as = (user: string) => ({ headers: { authorization: `Bearer ${tokens[user]}` } });
let caseId: string;
let trackingCode: string;

async function fileCase(unitId = 'hp-xf-yg-1') {
  const filed = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '楼道漏水，墙皮脱落。', reporter: { name: '周女士', phone: '13800138000' }, location: { unitId } } });
  expect(filed.status).toBe(201);
  return filed.body.id as string;
}

/** The table and the bucket's kept files: what a refused request must leave as they were. */
async function stored() {
  const table = (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => !String(i.pk).startsWith('LIMIT#'));
  return JSON.stringify({ table, files: await keys(s3Of(stack), stack.bucket, 'cases/') });
}

async function requestUpload(user: string, id: string, file: { name: string; mediaType: string; size: number }) {
  return call(stack, 'POST', `/v1/cases/${id}/attachments/uploads`, { ...as(user), body: file });
}

async function put(url: string, bytes: Buffer, mediaType: string) {
  return fetch(url, { method: 'PUT', headers: { 'content-type': mediaType }, body: new Uint8Array(bytes) });
}

/** The whole upload as the page does it: ask, PUT, complete. */
async function upload(user: string, id: string, name: string, bytes: Buffer, mediaType: string, facts: Record<string, unknown> = {}) {
  const asked = await requestUpload(user, id, { name, mediaType, size: bytes.length });
  expect(asked.status, asked.text).toBe(201);
  const sent = await put(asked.body.url, bytes, mediaType);
  expect(sent.status).toBe(200);
  return { asked, done: await call(stack, 'POST', `/v1/cases/${id}/attachments`, { ...as(user), body: { uploadId: asked.body.uploadId, ...facts } }) };
}

beforeAll(async () => {
  stack = await startTestStack();
  for (const user of ['building-mediator', 'community-mediator', 'volunteer', 'leader', 'admin']) tokens[user] = await login(stack, user);
  caseId = await fileCase();
  trackingCode = (await call(stack, 'GET', `/v1/cases/${caseId}`)).body.trackingCode;
});
afterAll(() => stack.stop());

describe('a mediator adds a photo from the phone', () => {
  it('is uploaded by presigned URL, kept without its location, recorded once, and read back by those who may', async () => {
    const photo = mediaFixture('gps.jpg');
    expect((await exifr.gps(photo))?.latitude).toBeCloseTo(30.59, 1);
    const { asked, done } = await upload('building-mediator', caseId, 'IMG_0001.JPG', photo, 'image/jpeg', { caption: '楼道墙面渗水', visibility: 'shared', purpose: 'evidence' });
    expect(asked.body).toMatchObject({ method: 'PUT', headers: { 'content-type': 'image/jpeg' }, maxBytes: 10 * 1024 * 1024 });
    expect(done.status, done.text).toBe(201);
    const file = done.body.attachment;
    expect(file).toMatchObject({ kind: 'image', mediaType: 'image/jpeg', name: 'IMG_0001.jpg', caption: '楼道墙面渗水', visibility: 'shared', origin: 'upload', locationRemoved: true, by: expect.any(String) });

    // The stored copy: no GPS (exifr), its SHA-256 as recorded; the upload itself is gone.
    const s3 = s3Of(stack);
    expect(await keys(s3, stack.bucket, `cases/${caseId}/`)).toEqual([`cases/${caseId}/${file.id}`]);
    expect(await keys(s3, stack.bucket, `uploads/${caseId}/`)).toEqual([]);
    const listed = await call(stack, 'GET', `/v1/cases/${caseId}/attachments`, as('community-mediator'));
    expect(listed.status).toBe(200);
    const [item] = listed.body.items;
    const download = await fetch(item.url);
    expect(download.headers.get('content-type')).toBe('image/jpeg');
    expect(download.headers.get('content-disposition')).toMatch(/^inline; filename="IMG_0001.jpg"/);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(await exifr.gps(bytes)).toBeUndefined();
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    expect(bytes.length).toBe(file.size);

    // The case lists it (metadata only), the timeline has it, the count is right.
    const view = await call(stack, 'GET', `/v1/cases/${caseId}`, as('building-mediator'));
    expect(view.body.attachments).toEqual([expect.objectContaining({ id: file.id })]);
    expect(JSON.stringify(view.body)).not.toContain('X-Amz-Signature');
    expect(done.body.version).toBe(view.body.version);
  });

  it('completing the same upload again answers the same file, and writes nothing', async () => {
    const { asked, done } = await upload('building-mediator', caseId, 'b.png', mediaFixture('gps.png'), 'image/png');
    expect(done.status).toBe(201);
    const before = await stored();
    const again = await call(stack, 'POST', `/v1/cases/${caseId}/attachments`, { ...as('building-mediator'), body: { uploadId: asked.body.uploadId } });
    expect(again.status).toBe(200);
    expect(again.body.attachment.id).toBe(done.body.attachment.id);
    expect(await stored()).toBe(before);
  });

  it('a PDF is downloaded, never shown in place', async () => {
    const { done } = await upload('building-mediator', caseId, '调解协议书（签字）.pdf', mediaFixture('doc.pdf'), 'application/pdf', { purpose: 'agreement' });
    expect(done.status).toBe(201);
    const one = await call(stack, 'GET', `/v1/cases/${caseId}/attachments/${done.body.attachment.id}`, as('building-mediator'));
    const download = await fetch(one.body.url);
    expect(download.headers.get('content-disposition')).toContain(`attachment; filename="`);
    expect(download.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('调解协议书（签字）.pdf')}`);
    expect(download.headers.get('content-type')).toBe('application/pdf');
  });
});

describe('who gets a file', () => {
  it('every request for files is audited, one entry naming the files it handed out', async () => {
    const audits = async () => (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => i.pk === `AUDIT#${caseId}` && i.what === 'attachment_view');
    const before = (await audits()).length;
    const listed = await call(stack, 'GET', `/v1/cases/${caseId}/attachments`, as('leader'));
    expect(listed.body.items.length).toBeGreaterThan(1);
    const after = await audits();
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ username: 'leader', attachmentIds: listed.body.items.map((a: { id: string }) => a.id) });
    const trail = await call(stack, 'GET', `/v1/cases/${caseId}/audit`, as('admin'));
    expect(trail.body.items.some((e: { what: string }) => e.what === 'attachment_view')).toBe(true);
  });

  it('outside the jurisdiction the case and its files do not exist; a volunteer not on the task gets nothing', async () => {
    const other = await fileCase('hp-hx-jy-1');
    const outside = await call(stack, 'GET', `/v1/cases/${other}/attachments`, as('building-mediator'));
    expect(outside.status).toBe(404);
    expect((await requestUpload('building-mediator', other, { name: 'a.jpg', mediaType: 'image/jpeg', size: 10 })).status).toBe(404);
    expect((await call(stack, 'GET', `/v1/cases/${caseId}/attachments`, as('volunteer'))).status).toBe(404);
  });

  it('the hotline that filed the case uploads and reads its shared files; a leader cannot add any', async () => {
    const asked = await call(stack, 'POST', `/v1/cases/${caseId}/attachments/uploads`, { body: { name: 'call.mp3', mediaType: 'audio/mpeg', size: mediaFixture('voice.mp3').length } });
    expect(asked.status).toBe(201);
    expect((await put(asked.body.url, mediaFixture('voice.mp3'), 'audio/mpeg')).status).toBe(200);
    const done = await call(stack, 'POST', `/v1/cases/${caseId}/attachments`, { body: { uploadId: asked.body.uploadId, visibility: 'shared' } });
    expect(done.status, done.text).toBe(201);
    expect(done.body.attachment).toMatchObject({ kind: 'audio', mediaType: 'audio/mpeg', origin: 'hotline' });
    const read = await call(stack, 'GET', `/v1/cases/${caseId}/attachments`);
    expect(read.body.items.every((a: { visibility: string }) => a.visibility === 'shared')).toBe(true);
    expect((await requestUpload('leader', caseId, { name: 'a.jpg', mediaType: 'image/jpeg', size: 10 })).status).toBe(403);
  });
});

describe('the contract', () => {
  it('OpenAPI documents every attachment route and the intake’s files by URL', async () => {
    const doc = await call(stack, 'GET', '/openapi.json', { key: null });
    for (const path of ['/v1/cases/{id}/attachments/uploads', '/v1/cases/{id}/attachments', '/v1/cases/{id}/attachments/{attachmentId}', '/v1/track/{trackingNo}/attachments']) {
      expect(doc.body.paths[path], path).toBeDefined();
    }
    expect(doc.body.components.schemas.Intake.properties.attachments.maxItems).toBe(20);
    expect(doc.body.components.schemas.UploadRequest.required).toEqual(['name', 'mediaType', 'size']);
    expect(doc.body.components.schemas.Attachment.properties.mediaType.enum).toContain('image/heic');
  });
});

describe('the resident', () => {
  it('sees the files shared with them on the tracking page, never the internal ones, with the 提取码 only', async () => {
    const internal = await upload('building-mediator', caseId, '内部.png', mediaFixture('gps.png'), 'image/png', { visibility: 'internal', caption: '内部照片' });
    expect(internal.done.status).toBe(201);
    const page = await call(stack, 'GET', `/v1/track/${caseId}?code=${trackingCode}`, { key: null });
    expect(page.status).toBe(200);
    expect(page.body.attachments.length).toBeGreaterThan(0);
    expect(page.body.attachments.map((a: { id: string }) => a.id)).not.toContain(internal.done.body.attachment.id);
    expect(page.text).not.toContain('内部照片');
    const links = await call(stack, 'GET', `/v1/track/${caseId}/attachments?code=${trackingCode}`, { key: null });
    expect(links.status).toBe(200);
    expect(links.body.items.map((a: { id: string }) => a.id)).toEqual(page.body.attachments.map((a: { id: string }) => a.id));
    expect(links.body.items[0]).not.toHaveProperty('by');
    expect((await fetch(links.body.items[0].url)).status).toBe(200);
    const wrong = await call(stack, 'GET', `/v1/track/${caseId}/attachments?code=000000`, { key: null });
    expect(wrong.status).toBe(404);
    const audited = (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => i.pk === `AUDIT#${caseId}` && i.username === 'resident');
    expect(audited).toHaveLength(1);
  });
});

describe('bad uploads are refused with nothing stored', () => {
  it('a type the case does not take, declared', async () => {
    const before = await stored();
    const reply = await requestUpload('building-mediator', caseId, { name: 'setup.exe', mediaType: 'application/x-msdownload', size: 100 });
    expect(reply.status).toBe(415);
    expect(reply.body.error.code).toBe('unsupported_media_type');
    expect(await stored()).toBe(before);
  });

  it('a type the case does not take, disguised: HTML sent as a JPEG', async () => {
    const before = await stored();
    const { done } = await upload('building-mediator', caseId, 'photo.jpg', mediaFixture('not-an-image.jpg'), 'image/jpeg');
    expect(done.status).toBe(415);
    expect(done.body.error.message).toMatch(/not one of the types/);
    expect(await stored()).toBe(before);
    expect(await keys(s3Of(stack), stack.bucket, `uploads/${caseId}/`)).toEqual([]);
  });

  it('a file over 10 MB: refused when declared, and when it arrives bigger than declared', async () => {
    const before = await stored();
    const declared = await requestUpload('building-mediator', caseId, { name: 'big.jpg', mediaType: 'image/jpeg', size: 10 * 1024 * 1024 + 1 });
    expect(declared.status).toBe(413);
    // s3rver, unlike S3, does not hold the upload to its signed length: the check on completing still does.
    const asked = await requestUpload('building-mediator', caseId, { name: 'big.jpg', mediaType: 'image/jpeg', size: 1000 });
    const big = Buffer.concat([mediaFixture('gps.jpg'), Buffer.alloc(10 * 1024 * 1024)]);
    await put(asked.body.url, big, 'image/jpeg');
    const done = await call(stack, 'POST', `/v1/cases/${caseId}/attachments`, { ...as('building-mediator'), body: { uploadId: asked.body.uploadId } });
    expect(done.status).toBe(413);
    expect(await stored()).toBe(before);
  });

  it('an expired upload URL: the bucket refuses it, and there is nothing to complete', async () => {
    const before = await stored();
    const asked = await requestUpload('building-mediator', caseId, { name: 'late.jpg', mediaType: 'image/jpeg', size: mediaFixture('gps.jpg').length });
    const url = new URL(asked.body.url);
    const signedAt = url.searchParams.get('X-Amz-Date')!;
    const hourAgo = new Date(Date.parse(`${signedAt.slice(0, 4)}-${signedAt.slice(4, 6)}-${signedAt.slice(6, 8)}T${signedAt.slice(9, 11)}:${signedAt.slice(11, 13)}:${signedAt.slice(13, 15)}Z`) - 3600_000);
    url.searchParams.set('X-Amz-Date', hourAgo.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''));
    const sent = await put(url.toString(), mediaFixture('gps.jpg'), 'image/jpeg');
    expect(sent.status).toBe(403);
    const done = await call(stack, 'POST', `/v1/cases/${caseId}/attachments`, { ...as('building-mediator'), body: { uploadId: asked.body.uploadId } });
    expect(done.status).toBe(404);
    expect(await stored()).toBe(before);
  });

  it('a foreign upload: issued for another case, to another person, or made up', async () => {
    const other = await fileCase();
    const before = await stored();
    const asked = await requestUpload('building-mediator', other, { name: 'x.jpg', mediaType: 'image/jpeg', size: mediaFixture('gps.jpg').length });
    await put(asked.body.url, mediaFixture('gps.jpg'), 'image/jpeg');
    const elsewhere = await call(stack, 'POST', `/v1/cases/${caseId}/attachments`, { ...as('building-mediator'), body: { uploadId: asked.body.uploadId } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.issues[0]).toMatchObject({ path: 'uploadId', message: 'was issued for another case' });
    const someoneElse = await call(stack, 'POST', `/v1/cases/${other}/attachments`, { ...as('community-mediator'), body: { uploadId: asked.body.uploadId } });
    expect(someoneElse.status).toBe(400);
    const [payload] = String(asked.body.uploadId).split('.');
    const madeUp = await call(stack, 'POST', `/v1/cases/${other}/attachments`, { ...as('building-mediator'), body: { uploadId: `${payload}.${'A'.repeat(43)}` } });
    expect(madeUp.status).toBe(400);
    expect(await stored()).toBe(before);
  });

  it('a 21st file', async () => {
    const full = await fileCase();
    const pdf = mediaFixture('doc.pdf');
    for (let i = 0; i < 20; i++) expect((await upload('building-mediator', full, `第${i + 1}页.pdf`, pdf, 'application/pdf')).done.status).toBe(201);
    const before = await stored();
    const reply = await requestUpload('building-mediator', full, { name: '第21页.pdf', mediaType: 'application/pdf', size: pdf.length });
    expect(reply.status).toBe(422);
    expect(reply.body.error.message).toContain('at most 20 attachments');
    expect(await stored()).toBe(before);
  });
});
