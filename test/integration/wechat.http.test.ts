/** The WeChat Official Account webhook through the real local stack, as WeChat's servers call it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { wechatSignature } from '../../shared/channels/wechat.ts';
import type { CaseState } from '../../shared/domain/index.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, startTestStack } from '../support/stack.ts';
import {
  WECHAT,
  nextMsgId,
  nowSeconds,
  postWechat,
  postWechatAes,
  receiptOf,
  replyFields,
  wechatCrypto,
  wechatEvent,
  wechatLocation,
  wechatText,
  linkCodeSentTo,
} from '../support/channels.ts';

let stack: LocalStack;
let load: (id: string) => Promise<CaseState | undefined>;
let flagRepeats: (id: string) => Promise<readonly string[]>;

beforeAll(async () => {
  stack = await startTestStack();
  // The handlers' own store (same process, same module): reads the case as the stack wrote it.
  const runtime = await import('../../shared/service/runtime.ts');
  load = async (id) => (await runtime.store.load(id))?.state;
  // What the notifier does with a new case's first event (this stack runs without its workers).
  flagRepeats = (id) => runtime.cases.flagRepeats(id);
});
afterAll(() => stack.stop());

const caseCount = async () => (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => String(i.sk) === 'STATE').length;

describe('URL verification (GET)', () => {
  it('echoes echostr when the signature is right, 401 when it is not', async () => {
    const timestamp = nowSeconds();
    const query = (signature: string) => new URLSearchParams({ signature, timestamp, nonce: '42', echostr: '5927782489442352469' });
    const ok = await call(stack, 'GET', `/webhooks/wechat?${query(wechatSignature(WECHAT.token, timestamp, '42'))}`, { key: null });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('5927782489442352469');
    const bad = await call(stack, 'GET', `/webhooks/wechat?${query('0'.repeat(40))}`, { key: null });
    expect(bad.status).toBe(401);
    expect(bad.text).not.toContain('5927782489442352469');
  });

  it('answers the safe-mode check with the decrypted echostr', async () => {
    const timestamp = nowSeconds();
    const echostr = wechatCrypto.encrypt('1234567890');
    const query = new URLSearchParams({ msg_signature: wechatCrypto.signature(timestamp, '7', echostr), timestamp, nonce: '7', echostr });
    const reply = await call(stack, 'GET', `/webhooks/wechat?${query}`, { key: null });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('1234567890');
  });
});

describe('a resident messages the account', () => {
  it('files a case from a signed text and answers with the tracking number and 提取码 in the reply XML', async () => {
    const openId = 'oResident-text-1';
    const text = '阳光小区1栋楼道的灯坏了一个星期，晚上很黑，老人上下楼不安全。';
    const reply = await postWechat(stack, wechatText(openId, text));
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(reply.text.startsWith('<xml><ToUserName><![CDATA[oResident-text-1]]></ToUserName><FromUserName><![CDATA[gh_local_account]]></FromUserName><CreateTime>')).toBe(true);
    const fields = replyFields(reply.text);
    expect(fields).toMatchObject({ ToUserName: openId, FromUserName: WECHAT.account, MsgType: 'text' });
    const { trackingNo, trackingCode } = receiptOf(fields.Content ?? '');

    const state = await load(trackingNo);
    expect(state).toMatchObject({
      source: 'wechat',
      filedBy: 'wechat',
      description: text,
      center: 'voice',
      unitId: 'hp-xf-yg-1',
      level: 'building',
      trackingCode,
      reporter: { openId },
    });
    // Its building was in the text: nothing is asked.
    expect(fields.Content).not.toContain('楼栋');
    const tracked = await call(stack, 'GET', `/v1/track/${trackingNo}?code=${trackingCode}`, { key: null });
    expect(tracked.body).toMatchObject({ trackingNo, status: 'pending' });
  });

  it('answers a retry of the same message (same MsgId) with the same reply and writes nothing', async () => {
    const xml = wechatText('oResident-retry', '翠苑小区2栋门口的垃圾三天没人清运了，味道很大。');
    const first = await postWechat(stack, xml);
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const again = await postWechat(stack, xml);
    const third = await postWechat(stack, xml);
    expect([first.status, again.status, third.status]).toEqual([200, 200, 200]);
    expect(again.text).toBe(first.text);
    expect(third.text).toBe(first.text);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('refuses a wrong signature with 401 and writes nothing', async () => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const reply = await postWechat(stack, wechatText('oResident-forger', '伪造的消息'), { signature: 'f'.repeat(40) });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('unauthorized');
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('works end to end in safe mode (encrypt_type=aes): decrypted, filed, reply sealed and signed', async () => {
    const openId = 'oResident-aes';
    const timestamp = nowSeconds();
    const nonce = '1357924680';
    const reply = await postWechatAes(stack, wechatText(openId, '和谐家园2栋楼上邻居家漏水到我家，协商不成，想请社区调解。'), { timestamp, nonce });
    expect(reply.status).toBe(200);
    // The envelope: only ciphertext, and a signature over it that checks.
    expect(reply.text).not.toContain('编号');
    const [, encrypt = ''] = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(reply.text) ?? [];
    const [, signature = ''] = /<MsgSignature><!\[CDATA\[([0-9a-f]+)\]\]><\/MsgSignature>/.exec(reply.text) ?? [];
    expect(signature).toBe(wechatCrypto.signature(timestamp, nonce, encrypt));
    const fields = replyFields(reply.text);
    expect(fields.ToUserName).toBe(openId);
    const { trackingNo } = receiptOf(fields.Content ?? '');
    expect(await load(trackingNo)).toMatchObject({ center: 'mediation', unitId: 'hp-hx-jy-2', reporter: { openId } });
  });

  it('refuses safe-mode ciphertext whose msg_signature does not match, writing nothing', async () => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const reply = await postWechatAes(stack, wechatText('oResident-aes-bad', '被篡改的消息'), { tamper: true });
    expect(reply.status).toBe(401);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });
});

describe('commands and conversation', () => {
  it('answers 查询 <编号> with the status of the resident’s own case, and not of someone else’s', async () => {
    const filed = replyFields((await postWechat(stack, wechatText('oOwner', '阳光小区2栋电梯经常坏，请尽快维修。'))).text);
    const { trackingNo } = receiptOf(filed.Content ?? '');
    const mine = replyFields((await postWechat(stack, wechatText('oOwner', `查询 ${trackingNo.toLowerCase()}`))).text);
    expect(mine.Content).toBe(`编号 ${trackingNo} 当前状态：待签收。`);
    const theirs = replyFields((await postWechat(stack, wechatText('oStranger', `查询 ${trackingNo}`))).text);
    expect(theirs.Content).toBe(`未找到编号 ${trackingNo} 的诉求，请核对后重试。`);
  });

  it('withdraws the resident’s own case with 撤回 <编号>', async () => {
    const { trackingNo } = receiptOf(replyFields((await postWechat(stack, wechatText('oWithdraw', '翠苑小区1栋有人占用消防通道停车。'))).text).Content ?? '');
    const other = replyFields((await postWechat(stack, wechatText('oNotTheReporter', `撤回 ${trackingNo}`))).text);
    expect(other.Content).toContain('未找到');
    expect((await load(trackingNo))?.status).toBe('pending');
    const reply = replyFields((await postWechat(stack, wechatText('oWithdraw', `撤回 ${trackingNo}`))).text);
    expect(reply.Content).toBe(`编号 ${trackingNo} 的诉求已撤回。`);
    expect((await load(trackingNo))?.status).toBe('withdrawn');
  });

  it('asks a resident whose building is unknown for it, and the next message fills it in (no second case)', async () => {
    const openId = 'oNoBuilding';
    const first = replyFields((await postWechat(stack, wechatText(openId, '楼下小饭馆油烟太大，窗户都不敢开。'))).text);
    expect(first.Content).toContain('请回复您所在的小区和楼栋');
    const { trackingNo } = receiptOf(first.Content ?? '');
    expect(await load(trackingNo)).toMatchObject({ level: 'township', unitId: 'hp', location: {} });
    const cases = await caseCount();

    const answer = replyFields((await postWechat(stack, wechatText(openId, '阳光小区3栋'))).text);
    expect(answer.Content).toBe(`已记录诉求 ${trackingNo} 的位置：和平街道 幸福社区 阳光小区 3栋。`);
    expect(await caseCount()).toBe(cases);
    expect((await load(trackingNo))?.location).toEqual({ unitId: 'hp-xf-yg-3', address: '阳光小区3栋' });

    // Remembered: the resident's next matter goes straight to the building, without asking again.
    const next = replyFields((await postWechat(stack, wechatText(openId, '单元门的门禁坏了，谁都能进来。'))).text);
    expect(next.Content).not.toContain('楼栋');
    expect(await load(receiptOf(next.Content ?? '').trackingNo)).toMatchObject({ unitId: 'hp-xf-yg-3', level: 'building' });
  });

  it('while waiting for a building, files a new matter that only mentions a place as a new case', async () => {
    const openId = 'oBusyResident';
    const first = receiptOf(replyFields((await postWechat(stack, wechatText(openId, '最近晚上总有人在楼下大声喧哗'))).text).Content ?? '');
    const second = replyFields((await postWechat(stack, wechatText(openId, '阳光小区门口有人摆摊卖菜，把路都堵住了'))).text);
    const { trackingNo } = receiptOf(second.Content ?? '');
    expect(trackingNo).not.toBe(first.trackingNo);
    expect(await load(trackingNo)).toMatchObject({ unitId: 'hp-xf-yg', level: 'compound' });
    expect((await load(first.trackingNo))?.location).toEqual({});
  });

  it('attaches a location message to the resident’s open case (locate)', async () => {
    const openId = 'oLocator';
    const { trackingNo } = receiptOf(replyFields((await postWechat(stack, wechatText(openId, '和谐家园1栋旁边的路面塌陷了一个坑。'))).text).Content ?? '');
    const reply = replyFields((await postWechat(stack, wechatLocation(openId, 30.5728, 114.2791, '和谐家园1栋东侧'))).text);
    expect(reply.Content).toBe(`已记录诉求 ${trackingNo} 的位置：和谐家园1栋东侧。`);
    expect((await load(trackingNo))?.location).toEqual({ unitId: 'hp-hx-jy-1', lat: 30.5728, lng: 114.2791, address: '和谐家园1栋东侧' });
    const nobody = replyFields((await postWechat(stack, wechatLocation('oNoCases', 30.5, 114.2, '某处'))).text);
    expect(nobody.Content).toContain('没有在办的诉求');
  });

  it('welcomes a new follower; the retried event (same FromUserName+CreateTime) gets the same reply', async () => {
    const xml = wechatEvent('oFollower', 'subscribe');
    const first = await postWechat(stack, xml);
    expect(replyFields(first.text).Content).toContain('欢迎关注');
    const again = await postWechat(stack, xml);
    expect(again.text).toBe(first.text);
    // An event that needs no answer gets WeChat's "success".
    const unsubscribe = await postWechat(stack, wechatEvent('oFollower', 'unsubscribe'));
    expect(unsubscribe.text).toBe('success');
  });

  it('flags a similar new matter from the same resident about the same building as a possible repeat (重复件)', async () => {
    const openId = 'oRepeater';
    const first = receiptOf(replyFields((await postWechat(stack, wechatText(openId, '阳光小区2栋楼上装修每天晚上十一点还在用电钻，吵得睡不着'))).text).Content ?? '');
    const second = receiptOf(replyFields((await postWechat(stack, wechatText(openId, '阳光小区2栋楼上装修每天晚上十一点还在用电钻，吵得没法睡觉'))).text).Content ?? '');
    expect(await flagRepeats(second.trackingNo)).toEqual([first.trackingNo]);
    expect((await load(second.trackingNo))?.possibleRepeatOf).toEqual([first.trackingNo]);
    // Checking again changes nothing.
    const version = (await load(second.trackingNo))?.version;
    await flagRepeats(second.trackingNo);
    expect((await load(second.trackingNo))?.version).toBe(version);
    // A different matter from the same resident is not a repeat.
    const different = receiptOf(replyFields((await postWechat(stack, wechatText(openId, '阳光小区2栋想咨询一下高龄老人补贴怎么申请'))).text).Content ?? '');
    expect(await flagRepeats(different.trackingNo)).toEqual([]);
    expect((await load(different.trackingNo))?.possibleRepeatOf).toBeUndefined();
  });

  it('links a phone number once the resident types back the code sent to it by SMS, so an SMS about the same matter is the same resident', async () => {
    const openId = 'oLinker';
    const asked = replyFields((await postWechat(stack, wechatText(openId, '手机号 13700137000'))).text);
    expect(asked.Content).toContain('验证码已通过短信发送至 137****7000');
    // Not yet verified: a case filed now does not carry the number.
    const before = receiptOf(replyFields((await postWechat(stack, wechatText(openId, '翠苑小区2栋的路灯不亮'))).text).Content ?? '');
    expect((await load(before.trackingNo))?.reporter).toEqual({ openId });
    const code = await linkCodeSentTo(stack, '13700137000');
    expect(code).toMatch(/^\d{6}$/);
    const linked = replyFields((await postWechat(stack, wechatText(openId, `验证码 ${code}`))).text);
    expect(linked.Content).toBe('已绑定手机号 137****7000。您通过短信和微信反映的诉求将合并查看。');
    const { trackingNo } = receiptOf(replyFields((await postWechat(stack, wechatText(openId, '翠苑小区1栋的化粪池堵了，污水漫到路上'))).text).Content ?? '');
    expect((await load(trackingNo))?.reporter).toEqual({ openId, phone: '13700137000' });
  });

  it('answers an unsupported message type with a hint and files nothing', async () => {
    const cases = await caseCount();
    const video = wechatText('oVideo', 'x').replace('<MsgType><![CDATA[text]]></MsgType>', '<MsgType><![CDATA[video]]></MsgType>');
    const reply = replyFields((await postWechat(stack, video)).text);
    expect(reply.Content).toContain('暂时只能接收文字、图片、语音和位置消息');
    expect(await caseCount()).toBe(cases);
    expect(nextMsgId()).toMatch(/^\d+$/);
  });
});
