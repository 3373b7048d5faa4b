/**
 * 点单 and 报到 by message through the local stack: the menu answered by SMS
 * and WeChat, an order filed as a case carrying its service, a service not
 * on the menu filing nothing, a 报到 by SMS registered (pending, source sms)
 * for the community to see, a WeChat 报到 without a linked phone told how to
 * link it, and a provider's retry of a message writing nothing new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { parseXml } from '../../shared/channels/xml.ts';
import type { CaseState } from '../../shared/domain/index.ts';
import { stateFromItem } from '../../shared/store/codec.ts';
import { scanItems } from '../support/dynamo.ts';
import { call, login, startTestStack } from '../support/stack.ts';
import { linkCodeSentTo, postTwilio, postWechat, receiptOf, replyFields, wechatText } from '../support/channels.ts';

let stack: LocalStack;
let mediator: string;
let load: (id: string) => Promise<CaseState | undefined>;

beforeAll(async () => {
  stack = await startTestStack();
  const runtime = await import('../../shared/service/runtime.ts');
  load = async (id) => (await runtime.store.load(id))?.state;
  mediator = await login(stack, 'community-mediator');
});
afterAll(() => stack.stop());

const sid = () => `SM${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`;
const twimlText = (xml: string) => {
  const tree = parseXml(xml) as { Response: { Message?: string } | string };
  return typeof tree.Response === 'string' ? '' : (tree.Response.Message ?? '');
};
const sms = async (from: string, body: string, messageSid = sid()) => twimlText((await postTwilio(stack, { MessageSid: messageSid, From: from, Body: body })).text);
const casesOf = async (phone: string) =>
  (await scanItems(stack.dynamodb, stack.tableName))
    .filter((i) => i.sk === 'STATE')
    .map((i) => stateFromItem(i).state)
    .filter((s) => s.reporter.phone === phone);
const registrations = async () =>
  (await call(stack, 'GET', '/v1/volunteers/registrations', { headers: { authorization: `Bearer ${mediator}` } })).body.items as { name: string; source: string; status: string }[];

describe('点单 by message', () => {
  it('answers 点单 with the numbered menu and how to order, by SMS and by WeChat', async () => {
    const lines = (await sms('+8613900159001', '点单')).split('\n');
    expect(lines[0]).toBe('可点单的服务：');
    expect(lines).toContain('3. 陪诊（陪同就医、取药）');
    expect(lines.at(-1)).toContain('点单 序号');
    const wechat = await postWechat(stack, wechatText('o-order-menu', '点单'));
    expect(replyFields(wechat.text).Content).toContain('1. 代办');
    expect(await casesOf('13900159001')).toEqual([]);
  });

  it('files an order by number or by name as a case carrying the service, with the usual receipt; a retry files nothing more', async () => {
    const messageSid = sid();
    const reply = await sms('+8613900159002', '点单 3 阳光小区1栋 母亲周二去区医院复查', messageSid);
    const { trackingNo } = receiptOf(reply);
    expect(await load(trackingNo)).toMatchObject({
      source: 'sms',
      center: 'welfare',
      service: { code: 'escort', name: '陪诊' },
      unitId: 'hp-xf-yg-1',
      reporter: { phone: '13900159002' },
      description: '点单：陪诊。阳光小区1栋 母亲周二去区医院复查',
    });
    expect(await sms('+8613900159002', '点单 3 阳光小区1栋 母亲周二去区医院复查', messageSid)).toBe(reply);
    const byName = receiptOf(await sms('+8613900159002', '点单 上门维修 阳光小区1栋 厨房水龙头漏水'));
    expect((await load(byName.trackingNo))?.service).toEqual({ code: 'repair', name: '上门维修' });
    expect(await casesOf('13900159002')).toHaveLength(2);
  });

  it('answers a service not on the menu with the menu, and files nothing', async () => {
    for (const text of ['点单 理发 阳光小区1栋', '点单 99']) {
      const reply = await sms('+8613900159003', text);
      expect(reply).toMatch(/^服务清单中没有“(理发|99)”/);
      expect(reply).toContain('1. 代办');
    }
    expect(await casesOf('13900159003')).toEqual([]);
  });
});

describe('报到 by message', () => {
  it('registers by SMS (pending, source sms) for the community to see; a retry and a second 报到 add nothing', async () => {
    const messageSid = sid();
    const text = '报到 赵建国 幸福社区 水电维修、陪诊 周末全天 党员';
    const reply = await sms('+8613900159004', text, messageSid);
    expect(reply).toBe('赵建国，您已向幸福社区报到，社区审核通过后将联系您。');
    const mine = (await registrations()).filter((r) => r.name === '赵建国');
    expect(mine).toEqual([expect.objectContaining({ status: 'pending', source: 'sms', skills: ['水电维修', '陪诊'], availability: '周末全天', kind: 'party_member', communityId: 'hp-xf' })]);
    expect(await sms('+8613900159004', text, messageSid)).toBe(reply);
    expect(await sms('+8613900159004', text)).toContain('已向幸福社区报到过');
    expect((await registrations()).filter((r) => r.name === '赵建国')).toHaveLength(1);
  });

  it('answers a 报到 out of format with the format, and one on WeChat without a linked phone with how to link it; nothing written', async () => {
    expect(await sms('+8613900159005', '报到 钱多多 幸福社区')).toMatch(/^内容不全。报到格式：报到 姓名 居住社区/);
    expect(await sms('+8613900159005', '报到 钱多多 无名社区 代办 周末')).toContain('未找到社区“无名社区”');
    const wechat = await postWechat(stack, wechatText('o-baodao-unlinked', '报到 孙小美 幸福社区 心理疏导 工作日晚上'));
    expect(replyFields(wechat.text).Content).toContain('手机号');
    const names = (await registrations()).map((r) => r.name);
    expect(names).not.toContain('钱多多');
    expect(names).not.toContain('孙小美');
  });

  it('registers by WeChat with the phone the resident has linked (source wechat)', async () => {
    const openId = 'o-baodao-linked';
    const wechat = async (text: string) => replyFields((await postWechat(stack, wechatText(openId, text))).text).Content ?? '';
    await wechat('手机号 13900159006');
    const code = await linkCodeSentTo(stack, '13900159006');
    expect(await wechat(`验证码 ${code}`)).toContain('已绑定手机号');
    expect(await wechat('报到 周明 幸福社区 法律咨询 工作日晚上 干部')).toBe('周明，您已向幸福社区报到，社区审核通过后将联系您。');
    expect((await registrations()).filter((r) => r.name === '周明')).toEqual([expect.objectContaining({ source: 'wechat', kind: 'cadre', status: 'pending' })]);
  });
});
