/**
 * Who a resident is on a channel, and how hard a code is to guess:
 * a phone linked to a WeChat openId only once the code sent to it comes back;
 * 查询/撤回/回访 only on cases reported from that openId or phone; every
 * limit counted and checked in one conditional write, so parallel guessing
 * gains nothing; and a resident locked out of the tracking page by someone
 * else's wrong codes still tracks by the channel they filed from.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { clock } from '../../shared/service/clock.ts';
import { AttemptLimiter } from '../../shared/store/limits.ts';
import { ChannelStore } from '../../shared/store/channel-store.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, startTestStack } from '../support/stack.ts';
import { linkCodeSentTo, postTwilio, postWechat, replyFields, wechatText } from '../support/channels.ts';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.stop());
afterEach(() => clock.reset());

const say = async (openId: string, text: string, now = clock.now()) =>
  replyFields((await postWechat(stack, wechatText(openId, text), { timestamp: String(Math.floor(now.getTime() / 1000)) })).text).Content ?? '';

let sids = 0;
const sms = async (from: string, body: string) => {
  const reply = await postTwilio(stack, { MessageSid: `SMidentity${Date.now()}${++sids}`, From: from, To: '+14155550100', Body: body });
  return /<Message>([^<]*)<\/Message>/.exec(reply.text)?.[1] ?? '';
};

async function hotlineCase(phone: string, description = '楼下夜市噪音扰民') {
  const reply = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description, reporter: { name: '受害人', phone }, location: { unitId: 'hp-xf-yg-1' } } });
  return reply.body as { id: string; trackingNo: string; trackingCode: string; status: string };
}

describe('linking a phone to WeChat', () => {
  it('an unverified number grants nothing: a stranger claiming it cannot 查询, 撤回 or 回访 its cases', async () => {
    const victim = await hotlineCase('13712348545');
    const asked = await say('oAttacker01', '手机号 13712348545');
    expect(asked).toContain('验证码已通过短信发送至 137****8545');
    expect(asked).toContain('绑定前，这个号码不能查询或撤回任何诉求');
    expect(await say('oAttacker01', `查询 ${victim.trackingNo}`)).toBe(`未找到编号 ${victim.trackingNo} 的诉求，请核对后重试。`);
    expect(await say('oAttacker01', `撤回 ${victim.trackingNo}`)).toBe(`未找到编号 ${victim.trackingNo} 的诉求，请核对后重试。`);
    expect(await say('oAttacker01', '不满意')).toContain('没有待评价的诉求');
    const after = await call(stack, 'GET', `/v1/cases/${victim.id}`);
    expect(after.body.status).toBe('pending');
    // The code went to the victim's phone, not to the stranger.
    expect(await linkCodeSentTo(stack, '13712348545')).toMatch(/^\d{6}$/);
    expect(asked).not.toMatch(/\d{6}/);
  });

  it('the code typed back links the number: 查询 and 撤回 then act on the cases reported with it', async () => {
    const own = await hotlineCase('13712340001', '楼道堆放杂物');
    await say('oOwner01', '绑定 13712340001');
    const code = await linkCodeSentTo(stack, '13712340001');
    expect(await say('oOwner01', `验证码 ${code}`)).toBe('已绑定手机号 137****0001。您通过短信和微信反映的诉求将合并查看。');
    expect(await say('oOwner01', `查询 ${own.trackingNo}`)).toBe(`编号 ${own.trackingNo} 当前状态：待签收。`);
    expect(await say('oOwner01', `撤回 ${own.trackingNo}`)).toBe(`编号 ${own.trackingNo} 的诉求已撤回。`);
    // Used up: the same code does nothing a second time.
    expect(await say('oOwner01', `验证码 ${code}`)).toContain('验证码已失效');
  });

  it('5 tries per code: a wrong code says how many are left, then the code is spent, even for the right digits', async () => {
    await say('oGuesser01', '手机号 13712340002');
    const code = (await linkCodeSentTo(stack, '13712340002')) as string;
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await say('oGuesser01', `验证码 ${wrong}`));
    expect(answers).toEqual(['验证码不正确，还可以再试 4 次。', '验证码不正确，还可以再试 3 次。', '验证码不正确，还可以再试 2 次。', '验证码不正确，还可以再试 1 次。', '验证码不正确，本次验证码已失效，请重新发送手机号获取新的验证码。']);
    expect(await say('oGuesser01', code)).toContain('验证码已失效');
  });

  it('a code lives 10 minutes', async () => {
    await say('oSlow01', '手机号 13712340003');
    const code = await linkCodeSentTo(stack, '13712340003');
    const later = new Date(Date.now() + 10 * 60_000 + 5_000);
    clock.set(() => later);
    expect(await say('oSlow01', `验证码 ${code}`, later)).toContain('验证码已失效');
  });

  it('codes are limited per phone (3 an hour) and per openId (5 an hour)', async () => {
    for (const openId of ['oA1', 'oA2', 'oA3']) expect(await say(openId, '手机号 13712340004')).toContain('验证码已通过短信发送');
    expect(await say('oA4', '手机号 13712340004')).toMatch(/^获取验证码过于频繁，请 \d+ 分钟后再试。$/);
    expect(await linkCodeSentTo(stack, '13712340004')).toMatch(/^\d{6}$/);
    expect((await (await import('../support/channels.ts')).smsQueuedTo(stack, '13712340004')).length).toBe(3);
    for (let i = 0; i < 5; i++) expect(await say('oSprayer', `手机号 1371234010${i}`)).toContain('验证码已通过短信发送');
    expect(await say('oSprayer', '手机号 13712340110')).toContain('过于频繁');
  });

  it('100 parallel guesses of one code: at most 5 are compared, the others find it spent', async () => {
    await say('oParallel', '手机号 13712340005');
    const code = (await linkCodeSentTo(stack, '13712340005')) as string;
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const answers = await Promise.all(Array.from({ length: 100 }, () => say('oParallel', `验证码 ${wrong}`)));
    const compared = answers.filter((a) => a.startsWith('验证码不正确'));
    expect(compared.length).toBe(5);
    expect(answers.filter((a) => a.includes('已失效或尝试次数已用完')).length).toBe(95);
  });

  it('the store counts tries in one conditional write: 100 parallel tries, exactly 5 get the code to compare', async () => {
    const store = new ChannelStore(stack.dynamodb, stack.tableName);
    const validUntil = new Date(Date.now() + 600_000).toISOString();
    await store.startVerification('race-key', { phone: '13712340006', codeHash: 'h', validUntil });
    const tries = await Promise.all(Array.from({ length: 100 }, () => store.tryVerification('race-key', new Date().toISOString(), 5)));
    expect(tries.filter((t) => t !== undefined).length).toBe(5);
  });
});

describe('attempt limits', () => {
  it('100 parallel wrong guesses against the limiter: exactly 5 go through', async () => {
    const limiter = new AttemptLimiter(stack.dynamodb, stack.tableName);
    const now = new Date();
    const rule = { scope: 'race', max: 5, windowSeconds: 900 };
    const attempts = await Promise.all(Array.from({ length: 100 }, () => limiter.take([{ rule, subject: 'one-number' }], now)));
    expect(attempts.filter((a) => a.wait === 0).length).toBe(5);
    expect(attempts.every((a) => a.wait === 0 || a.wait <= 900)).toBe(true);
  });

  it('a right attempt with no wrong ones before leaves the table as it was', async () => {
    const limiter = new AttemptLimiter(stack.dynamodb, stack.tableName);
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const attempt = await limiter.take([{ rule: { scope: 'clean', max: 5, windowSeconds: 900 }, subject: 'x' }], new Date());
    await attempt.giveBack();
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('the tracking page: 100 parallel wrong 提取码 get at most 5 answers of 404, the rest 429', async () => {
    const filed = await hotlineCase('13712340007');
    const replies = await Promise.all(Array.from({ length: 100 }, () => call(stack, 'GET', `/v1/track/${filed.trackingNo}?code=000001`, { key: null })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(95);
    expect(statuses.every((s) => s === 404 || s === 429)).toBe(true);
  });
});

describe('lock-out abuse', () => {
  it('a resident locked out of the tracking page by someone else’s wrong codes still tracks by the SMS they filed from', async () => {
    const phone = '13712340008';
    const receipt = await sms(`+86${phone}`, '翠苑小区1栋门口的井盖丢了');
    const trackingNo = /编号 ([2-9A-HJ-NP-Z]{10})/.exec(receipt)?.[1] as string;
    const trackingCode = /提取码 (\d{6})/.exec(receipt)?.[1] as string;
    for (let i = 0; i < 5; i++) expect((await call(stack, 'GET', `/v1/track/${trackingNo}?code=000000`, { key: null })).status).toBe(404);
    const locked = await call(stack, 'GET', `/v1/track/${trackingNo}?code=${trackingCode}`, { key: null });
    expect(locked.status).toBe(429);
    expect(locked.body.error.message).toContain('短信或微信发送“查询 编号”');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await sms(`+86${phone}`, `查询 ${trackingNo}`)).toBe(`编号 ${trackingNo} 当前状态：待签收。`);
    // Someone else's phone gets nothing about it.
    expect(await sms('+8613712340009', `查询 ${trackingNo}`)).toBe(`未找到编号 ${trackingNo} 的诉求，请核对后重试。`);
  });
});
