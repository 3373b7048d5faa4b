/**
 * Files from the resident channels and the hotline, through the local stack
 * with its relay and media worker running, fetched from fake providers on
 * loopback (allow-listed): WeChat's media API and PicUrl, Twilio's MMS media
 * behind its account credentials, a 12345 system's file server. Each lands on
 * its case once, without its location; what may not be fetched is refused
 * before anything is written (or, found out by the worker, recorded as failed
 * and the resident told).
 */
import exifr from 'exifr';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import type { CaseState } from '../../shared/domain/index.ts';
import { dumpTable, settledDump } from '../support/dynamo.ts';
import { fakeProvider, keys, mediaFixture, object, s3Of, type FakeProvider } from '../support/files.ts';
import { call, login, startTestStack, timeline, waitFor } from '../support/stack.ts';
import { WECHAT, nextMsgId, nowSeconds, postTwilio, postWechat, receiptOf, replyFields, wechatText } from '../support/channels.ts';
import { buildXml, cdata, parseXml } from '../../shared/channels/xml.ts';
import { xmlReady } from '../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

let stack: LocalStack;
let provider: FakeProvider;
let mediator: string;
let township: string;
let load: (id: string) => Promise<CaseState | undefined>;
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';

function wechatImage(openId: string, mediaId: string, picUrl: string | undefined, msgId = nextMsgId()): string {
  return buildXml({
    xml: { ToUserName: cdata(WECHAT.account), FromUserName: cdata(openId), CreateTime: nowSeconds(), MsgType: cdata('image'), ...(picUrl ? { PicUrl: cdata(picUrl) } : {}), MediaId: cdata(mediaId), MsgId: msgId },
  });
}

function wechatVoice(openId: string, mediaId: string, recognition: string, msgId = nextMsgId()): string {
  return buildXml({
    xml: { ToUserName: cdata(WECHAT.account), FromUserName: cdata(openId), CreateTime: nowSeconds(), MsgType: cdata('voice'), MediaId: cdata(mediaId), Format: cdata('amr'), Recognition: cdata(recognition), MsgId: msgId },
  });
}

/** The cases once background work (the relay, the worker) has stopped changing them. */
/** The cases' items once the relay has delivered every pending effect (its markers cleared) and the table is still. */
const caseItems = async () => {
  await waitFor('no effects pending', async () => ((await dumpTable(stack.dynamodb, stack.tableName)).some((i) => i.fxPk !== undefined) ? undefined : true));
  return (await settledDump(stack.dynamodb, stack.tableName)).filter((i) => String(i.pk).startsWith('CASE#'));
};
const settledFiles = (id: string, n: number) =>
  waitFor(`${n} file(s) settled on ${id}`, async () => {
    const state = await load(id);
    return state && (state.attachments?.length ?? 0) >= n && !state.pendingMedia ? state : undefined;
  }, 20_000);
const mediaGets = () => provider.requests.filter((r) => r.url.startsWith('/cgi-bin/media/get')).length;
const twimlText = (xml: string) => (parseXml(xml) as { Response: { Message?: string } }).Response.Message ?? '';

beforeAll(async () => {
  provider = await fakeProvider();
  provider.route('/cgi-bin/token', () => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: 'TOKEN', expires_in: 7200 }) }));
  provider.route('/cgi-bin/message/custom/send', () => ({ headers: { 'content-type': 'application/json' }, body: '{"errcode":0,"errmsg":"ok"}' }));
  provider.route('/cgi-bin/media/get', (req): { headers: Record<string, string>; body: Buffer | string } => {
    const id = new URL(req.url ?? '', 'http://x').searchParams.get('media_id');
    if (id === 'PHOTO1') return { headers: { 'content-type': 'image/jpeg', 'content-disposition': 'attachment; filename="PHOTO1.jpg"' }, body: mediaFixture('gps.jpg') };
    if (id === 'VOICE1') return { headers: { 'content-type': 'audio/amr' }, body: mediaFixture('voice.amr') };
    return { headers: { 'content-type': 'text/plain' }, body: '{"errcode":40007,"errmsg":"invalid media_id"}' };
  });
  provider.route('/mmbiz/pic.jpg', () => ({ headers: { 'content-type': 'image/jpeg' }, body: mediaFixture('gps.heic') }));
  const twilioMedia = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME1`;
  provider.route(twilioMedia, (req) =>
    req.headers.authorization === `Basic ${Buffer.from(`${ACCOUNT_SID}:local-twilio-token`).toString('base64')}` ? { headers: { 'content-type': 'image/png' }, body: mediaFixture('gps.png') } : { status: 401, body: 'auth' },
  );
  provider.route(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME2`, () => ({ headers: { 'content-type': 'image/jpeg' }, body: mediaFixture('not-an-image.jpg') }));
  provider.route('/files/statement.pdf', () => ({ headers: { 'content-type': 'application/pdf' }, body: mediaFixture('doc.pdf') }));
  provider.route('/files/recording.mp3', () => ({ headers: { 'content-type': 'audio/mpeg' }, body: mediaFixture('voice.mp3') }));
  provider.route('/files/to-metadata', () => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }));
  for (let i = 0; i < 20; i++) provider.route(`/files/page-${i}.pdf`, () => ({ headers: { 'content-type': 'application/pdf' }, body: mediaFixture('doc.pdf') }));
  // The fakes on loopback are allow-listed by address (an operator's entry), which is the one way an internal address is.
  vi.stubEnv('MEDIA_ALLOWED_HOSTS', `${provider.origin},http://localhost:${new URL(provider.origin).port}`);
  vi.stubEnv('WECHAT_APP_SECRET', 'local-app-secret');
  vi.stubEnv('WECHAT_API_BASE', provider.origin);
  vi.stubEnv('TWILIO_ACCOUNT_SID', ACCOUNT_SID);
  vi.stubEnv('TWILIO_API_BASE', provider.origin);
  stack = await startTestStack({ workers: true, sweepIntervalMs: 3_600_000, relayIntervalMs: 100 });
  const runtime = await import('../../shared/service/runtime.ts');
  load = async (id) => (await runtime.store.load(id))?.state;
  mediator = await login(stack, 'building-mediator');
  township = await login(stack, 'township-mediator');
});
afterAll(async () => {
  await stack.stop();
  await provider.close();
  vi.unstubAllEnvs();
});

describe('WeChat', () => {
  it('an image (fake media API) lands on the case once despite WeChat retrying the message; GPS gone from the stored copy', async () => {
    const openId = 'oPhotoResident000000000001';
    const msgId = nextMsgId();
    const xml = wechatImage(openId, 'PHOTO1', `${provider.origin}/mmbiz/pic.jpg`, msgId);
    const first = await postWechat(stack, xml);
    expect(first.status).toBe(200);
    const reply = replyFields(first.text).Content ?? '';
    const { trackingNo } = receiptOf(reply);
    expect(reply).toContain('请再发一段文字');
    // WeChat retries after 5 s without an answer: the same MsgId, twice more, one of them at once.
    const [second, third] = await Promise.all([postWechat(stack, xml), postWechat(stack, xml)]);
    expect(replyFields(second.text).Content).toBe(reply);
    expect(replyFields(third.text).Content).toBe(reply);
    const state = await settledFiles(trackingNo, 1);
    expect(state.attachments).toHaveLength(1);
    expect(state.attachments?.[0]).toMatchObject({ kind: 'image', mediaType: 'image/jpeg', origin: 'wechat', visibility: 'shared', locationRemoved: true, name: 'PHOTO1.jpg' });
    expect(state.reporter.openId).toBe(openId);
    // A late retry after the file is in changes nothing either.
    await postWechat(stack, xml);
    await new Promise((r) => setTimeout(r, 500));
    expect((await load(trackingNo))?.attachments).toHaveLength(1);
    expect(mediaGets()).toBe(1);
    const stored = await object(s3Of(stack), stack.bucket, `cases/${trackingNo}/${state.attachments?.[0]?.id}`);
    expect(await exifr.gps(stored)).toBeUndefined();
  });

  it('a voice message goes to the open case: the recording attached, WeChat’s transcript added as text', async () => {
    const openId = 'oVoiceResident000000000001';
    const filed = receiptOf(replyFields((await postWechat(stack, wechatText(openId, '阳光小区1栋楼下每晚有人大声喧哗'))).text).Content ?? '');
    const answer = replyFields((await postWechat(stack, wechatVoice(openId, 'VOICE1', '昨晚又吵到凌晨两点'))).text).Content;
    expect(answer).toBe(`已收到，文件将添加到诉求 ${filed.trackingNo}。`);
    const state = await settledFiles(filed.trackingNo, 1);
    expect(state.attachments?.[0]).toMatchObject({ kind: 'audio', mediaType: 'audio/amr' });
    const events = await timeline(stack, filed.trackingNo, mediator);
    expect(events.some((e) => e.type === 'noted' && String(e.data.text).includes('昨晚又吵到凌晨两点'))).toBe(true);
  });

  it('when the media API cannot give the picture, PicUrl is fetched instead', async () => {
    const openId = 'oPicUrlResident00000000001';
    const { trackingNo } = receiptOf(replyFields((await postWechat(stack, wechatImage(openId, 'EXPIRED', `${provider.origin}/mmbiz/pic.jpg`))).text).Content ?? '');
    const state = await settledFiles(trackingNo, 1);
    // The fallback picture is a HEIC photo: cleaned too.
    expect(state.attachments?.[0]).toMatchObject({ mediaType: 'image/heic', locationRemoved: true });
  });
});

describe('Twilio MMS', () => {
  it('files the text with its pictures, fetched with the account’s credentials; one that is not a picture is refused and the resident told', async () => {
    const from = '+8613900139088';
    const reply = await postTwilio(stack, {
      MessageSid: 'MM1',
      AccountSid: ACCOUNT_SID,
      From: from,
      Body: '阳光小区1栋的楼道墙面大面积渗水',
      NumMedia: '2',
      MediaUrl0: `${provider.origin}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME1`,
      MediaContentType0: 'image/png',
      MediaUrl1: `${provider.origin}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME2`,
      MediaContentType1: 'image/jpeg',
    });
    expect(reply.status).toBe(200);
    const { trackingNo } = receiptOf(twimlText(reply.text));
    const state = await settledFiles(trackingNo, 1);
    expect(state.attachments).toEqual([expect.objectContaining({ mediaType: 'image/png', origin: 'sms', locationRemoved: true })]);
    const events = await timeline(stack, trackingNo, mediator);
    expect(events.find((e) => e.type === 'media_failed')?.data).toMatchObject({ origin: 'sms' });
    // The resident hears of it on the channel they wrote in on (the outbox is the record).
    await waitFor('the resident told', async () => {
      const sent = (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => String(i.pk).startsWith('OUTBOX#') && i.topic === 'file_failed' && i.to === '13900139088');
      return sent.length === 1 ? sent : undefined;
    });
    expect(provider.requests.filter((r) => r.url.endsWith('/Media/ME1')).every((r) => r.authorization?.startsWith('Basic '))).toBe(true);
  });

  it('media on a host outside the allow-list: a polite answer, and nothing stored', async () => {
    const before = JSON.stringify(await caseItems());
    const files = await keys(s3Of(stack), stack.bucket);
    const reply = await postTwilio(stack, { MessageSid: 'MM2', From: '+8613900139089', Body: '', NumMedia: '1', MediaUrl0: 'https://evil.example.com/x.jpg' });
    expect(reply.status).toBe(200);
    expect(twimlText(reply.text)).toContain('无法接收');
    expect(JSON.stringify(await caseItems())).toBe(before);
    expect(await keys(s3Of(stack), stack.bucket)).toEqual(files);
  });
});

describe('the hotline', () => {
  it('an attachment by URL is fetched by the worker, not the request', async () => {
    const filed = await call(stack, 'POST', '/v1/cases', {
      body: {
        source: 'hotline',
        center: 'mediation',
        description: '邻里因漏水纠纷，来电人提供书面说明和通话录音。',
        reporter: { name: '钱先生', phone: '13800138011' },
        location: { unitId: 'hp-xf-yg-1' },
        attachments: [
          { url: `${provider.origin}/files/statement.pdf`, name: '书面说明.pdf', caption: '来电人提供的书面说明' },
          { url: `${provider.origin}/files/recording.mp3`, visibility: 'shared' },
        ],
      },
    });
    expect(filed.status).toBe(201);
    expect(filed.body.pendingAttachments).toBe(2);
    const state = await settledFiles(filed.body.id, 2);
    expect(state.attachments?.map((a) => [a.mediaType, a.name, a.origin, a.visibility])).toEqual([
      ['application/pdf', '书面说明.pdf', 'hotline', 'internal'],
      ['audio/mpeg', 'recording.mp3', 'hotline', 'shared'],
    ]);
    // The hotline reads back what it may: the shared file only.
    const read = await call(stack, 'GET', `/v1/cases/${filed.body.id}/attachments`);
    expect(read.body.items.map((a: { name: string }) => a.name)).toEqual(['recording.mp3']);
  });

  it('a URL outside the allow-list is 400 and nothing is stored', async () => {
    const before = JSON.stringify(await caseItems());
    for (const url of ['https://files.example.org/a.jpg', 'http://169.254.169.254/latest/meta-data/', 'file:///etc/passwd', 'http://[::1]:80/']) {
      const refused = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '附件地址不对', attachments: [{ url }] } });
      expect(refused.status, url).toBe(400);
      expect(refused.body.error.issues[0].path).toBe('attachments.0.url');
    }
    expect(JSON.stringify(await caseItems())).toBe(before);
  });

  it('an allowed host that resolves to an internal address, or redirects to one, is never fetched: recorded as failed', async () => {
    const port = new URL(provider.origin).port;
    const seen = provider.requests.length;
    const filed = await call(stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'voice', description: '两个坏地址', attachments: [{ url: `http://localhost:${port}/files/statement.pdf` }, { url: `${provider.origin}/files/to-metadata` }] },
    });
    expect(filed.status).toBe(201);
    await waitFor('both settled', async () => ((await load(filed.body.id))?.pendingMedia === undefined ? true : undefined), 20_000);
    const failed = (await timeline(stack, filed.body.id, township)).filter((e) => e.type === 'media_failed');
    expect(failed).toHaveLength(2);
    expect((await load(filed.body.id))?.attachments).toBeUndefined();
    // localhost was never connected to; the redirect was followed no further than the fake.
    expect(provider.requests.slice(seen).map((r) => r.url)).toEqual(['/files/to-metadata']);
  });

  it('a 21st file: the resident is told politely, nothing is added', async () => {
    const openId = 'oFullResident0000000000001';
    const filed = await call(stack, 'POST', '/v1/cases', {
      body: {
        source: 'hotline',
        center: 'voice',
        description: '二十页材料',
        reporter: { openId },
        location: { unitId: 'hp-xf-yg-1' },
        attachments: Array.from({ length: 20 }, (_, i) => ({ url: `${provider.origin}/files/page-${i}.pdf` })),
      },
    });
    expect(filed.status).toBe(201);
    await settledFiles(filed.body.id, 20);
    const before = JSON.stringify(await caseItems());
    const answer = replyFields((await postWechat(stack, wechatImage(openId, 'PHOTO1', undefined))).text).Content;
    expect(answer).toContain('最多可添加 20 个文件');
    expect(JSON.stringify(await caseItems())).toBe(before);
    const tooMany = await call(stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'voice', description: '二十一个', attachments: Array.from({ length: 21 }, (_, i) => ({ url: `${provider.origin}/files/page-${i % 20}.pdf` })) },
    });
    expect(tooMany.status).toBe(400);
  });
});
