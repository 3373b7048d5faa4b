/** Inbound SMS (Twilio, Aliyun, Tencent) through the real local stack, with the notifier running. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { parseXml } from '../../shared/channels/xml.ts';
import type { CaseState } from '../../shared/domain/index.ts';
import { stateFromItem } from '../../shared/store/codec.ts';
import { dumpTable, scanItems, settledDump } from '../support/dynamo.ts';
import { call, login, startTestStack, waitFor } from '../support/stack.ts';
import { aliyunMessage, postAliyun, postTencent, postTwilio, queueDrained, receiptOf } from '../support/channels.ts';
import { chinaDay } from '../../shared/domain/index.ts';

let stack: LocalStack;
let admin: string;
let load: (id: string) => Promise<CaseState | undefined>;

beforeAll(async () => {
  stack = await startTestStack({ workers: true, sweepIntervalMs: 3_600_000 });
  const runtime = await import('../../shared/service/runtime.ts');
  load = async (id) => (await runtime.store.load(id))?.state;
  admin = await login(stack, 'admin');
});
afterAll(() => stack.stop());

const twimlText = (xml: string) => {
  const tree = parseXml(xml) as { Response: { Message?: string } | string };
  return typeof tree.Response === 'string' ? undefined : tree.Response.Message;
};

const casesOf = async (phone: string) =>
  (await scanItems(stack.dynamodb, stack.tableName))
    .filter((i) => i.sk === 'STATE')
    .map((i) => stateFromItem(i).state)
    .filter((s) => s.reporter.phone === phone);

/**
 * Messages the notifier sent to a phone (the local stand-in for SMS), as the
 * outbox keeps them: the number in full, any code cut out. (通知记录 shows
 * admins the number masked; see "the outbox as admins read it" below.)
 */
async function outboxTo(phone: string): Promise<{ text: string; channel: string; provider: string; topic: string }[]> {
  return (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => String(i.pk).startsWith('OUTBOX#') && i.to === phone) as never;
}

describe('Twilio', () => {
  const sid = () => `SM${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`;

  it('files a case from a signed form and answers in TwiML with the tracking number', async () => {
    const reply = await postTwilio(stack, { MessageSid: sid(), From: '+8613900139001', To: '+14155550100', Body: '阳光小区1栋门口的路灯坏了好几天了' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(reply.text.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')).toBe(true);
    const { trackingNo } = receiptOf(twimlText(reply.text) ?? '');
    expect(await load(trackingNo)).toMatchObject({ source: 'sms', unitId: 'hp-xf-yg-1', reporter: { phone: '13900139001' } });
  });

  it('answers 查询 by SMS with the status', async () => {
    const from = '+8613900139002';
    const filed = receiptOf(twimlText((await postTwilio(stack, { MessageSid: sid(), From: from, Body: '翠苑小区2栋的下水道堵了' })).text) ?? '');
    const status = await postTwilio(stack, { MessageSid: sid(), From: from, Body: `cx ${filed.trackingNo}` });
    expect(twimlText(status.text)).toBe(`编号 ${filed.trackingNo} 当前状态：待签收。`);
  });

  it('refuses a bad signature with 403 and writes nothing', async () => {
    // The earlier tests' effects delivered first (their markers cleared), so only these requests could change the table.
    await waitFor('no effects pending', async () => ((await dumpTable(stack.dynamodb, stack.tableName)).some((i) => i.fxPk !== undefined) ? undefined : true));
    const before = await settledDump(stack.dynamodb, stack.tableName);
    const fields = { MessageSid: sid(), From: '+8613900139003', Body: '伪造' };
    const forged = await postTwilio(stack, fields, { token: 'not-the-token' });
    const unsigned = await postTwilio(stack, fields, { signature: '' });
    expect([forged.status, unsigned.status]).toEqual([403, 403]);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('answers Twilio’s retry of a message (same MessageSid) with the same TwiML and no second case', async () => {
    const fields = { MessageSid: sid(), From: '+8613900139004', Body: '和谐家园1栋有人在楼道堆放杂物' };
    const first = await postTwilio(stack, fields);
    const again = await postTwilio(stack, fields);
    expect(again.text).toBe(first.text);
    expect(await casesOf('13900139004')).toHaveLength(1);
  });
});

describe('Aliyun', () => {
  it('files one case per message of an array of 3, acknowledges in Aliyun’s format, and sends each receipt by SMS', async () => {
    const messages = [
      aliyunMessage('13900139011', '阳光小区2栋电梯坏了，老人上不了楼'),
      aliyunMessage('13900139012', '和谐家园1栋楼下烧烤摊油烟扰民'),
      aliyunMessage('13900139013', '翠苑小区1栋邻居家狗半夜一直叫'),
    ];
    const reply = await postAliyun(stack, messages);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ code: 0, msg: '接收成功' });
    for (const m of messages) {
      const [state, ...more] = await casesOf(m.phone_number);
      expect(more).toHaveLength(0);
      expect(state).toMatchObject({ source: 'sms', description: m.content, externalId: `aliyun:${m.sequence_id}` });
      const sent = await waitFor(`receipt to ${m.phone_number}`, async () => {
        const out = await outboxTo(m.phone_number);
        return out.length > 0 ? out : undefined;
      });
      expect(sent).toEqual([expect.objectContaining({ topic: 'reply', channel: 'sms', provider: 'console' })]);
      // The 回执 went to the resident with its 提取码; the record keeps it without.
      expect(sent[0]!.text).toContain(`编号 ${state!.trackingNo}，提取码 ******`);
    }
    // Aliyun retries the same push: acknowledged again, nothing filed or sent twice. The first push's effects
    // (receipts, statistics counters) are delivered first, so only the retry could change the table.
    const noEffectsPending = async () => ((await dumpTable(stack.dynamodb, stack.tableName)).some((i) => i.fxPk !== undefined) ? undefined : true);
    await waitFor('no effects pending', noEffectsPending);
    const before = await settledDump(stack.dynamodb, stack.tableName);
    expect((await postAliyun(stack, messages)).body).toEqual({ code: 0, msg: '接收成功' });
    for (const m of messages) expect(await casesOf(m.phone_number)).toHaveLength(1);
    await waitFor('the notifier to handle the re-queued replies', () => queueDrained(stack, 'notify'));
    for (const m of messages) expect(await outboxTo(m.phone_number)).toHaveLength(1);
    await waitFor('no effects pending', noEffectsPending);
    expect((await settledDump(stack.dynamodb, stack.tableName)).length).toBe(before.length);
  });

  it('the outbox as admins read it (通知记录): phones masked and never a 提取码', async () => {
    const phone = '13900139041';
    await postAliyun(stack, [aliyunMessage(phone, '阳光小区3栋楼道灯坏了')]);
    const [state] = await waitFor('the case', async () => ((await casesOf(phone)).length ? casesOf(phone) : undefined));
    await waitFor('the receipt', async () => ((await outboxTo(phone)).length ? true : undefined));
    const day = chinaDay(new Date().toISOString());
    const reply = await call(stack, 'GET', `/v1/outbox?date=${day}&limit=500`, { headers: { authorization: `Bearer ${admin}` } });
    expect(reply.status).toBe(200);
    const receipt = reply.body.items.find((m: { caseId: string }) => m.caseId === state!.id);
    expect(receipt).toMatchObject({ channel: 'sms', to: '139****9041' });
    expect(receipt.text).toContain(`编号 ${state!.trackingNo}，提取码 ******`);
    expect(reply.text).not.toContain(phone);
    expect(reply.text).not.toContain(state!.trackingCode);
    for (const item of reply.body.items as { to: string; text: string }[]) {
      expect(item.to).not.toMatch(/\d{7}/);
      expect(item.text).not.toMatch(/(提取码|验证码)\s*\d/);
    }
  });

  it('answers 查询 by SMS with the status, sent back through the notifier', async () => {
    const phone = '13900139021';
    await postAliyun(stack, [aliyunMessage(phone, '和谐家园2栋门禁坏了')]);
    const [state] = await casesOf(phone);
    await postAliyun(stack, [aliyunMessage(phone, `查询 ${state!.trackingNo}`)]);
    const status = await waitFor('status reply', async () => (await outboxTo(phone)).find((m) => m.text.includes('当前状态')));
    expect(status.text).toBe(`编号 ${state!.trackingNo} 当前状态：待签收。`);
  });

  it('answers a wrong path secret with 404, as if there were no such route, and writes nothing', async () => {
    const before = await settledDump(stack.dynamodb, stack.tableName);
    const wrong = await postAliyun(stack, [aliyunMessage('13900139031', '不该被受理')], 'guessed-secret');
    expect(wrong.status).toBe(404);
    expect(wrong.body.error.code).toBe('not_found');
    expect(wrong.text).not.toContain('guessed-secret');
    const noSecret = await call(stack, 'POST', '/webhooks/sms/aliyun', { body: [aliyunMessage('13900139031', 'x')], key: null });
    expect(noSecret.status).toBe(404);
    const otherProvider = await call(stack, 'POST', '/webhooks/sms/huawei/local-sms-secret', { body: [aliyunMessage('13900139031', 'x')], key: null });
    expect(otherProvider.status).toBe(404);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('refuses a whole batch when one message is bad (Aliyun’s error format), writing nothing', async () => {
    const before = await settledDump(stack.dynamodb, stack.tableName);
    const reply = await postAliyun(stack, [aliyunMessage('13900139041', '正常的一条'), aliyunMessage('12345', '号码不对')]);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: 400, msg: expect.stringContaining('[1].phone_number') });
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });
});

describe('Tencent Cloud', () => {
  it('files a reply callback and acknowledges in Tencent’s format', async () => {
    const reply = await postTencent(stack, { extend: '', mobile: '13900139051', nationcode: '86', sign: '矛调通', text: '阳光小区3栋楼顶漏水', time: Math.floor(Date.now() / 1000) });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ result: 0, errmsg: 'OK' });
    expect(await casesOf('13900139051')).toEqual([expect.objectContaining({ unitId: 'hp-xf-yg-3', source: 'sms' })]);
  });
});

describe('one resident across intake paths', () => {
  it('flags an SMS repeating a hotline case of the same phone about the same building (重复件)', async () => {
    const hotline = await call(stack, 'POST', '/v1/cases', {
      body: {
        source: 'hotline',
        center: 'voice',
        description: '阳光小区1栋地下车库积水很深，车开不出去',
        reporter: { phone: '13900139061' },
        location: { unitId: 'hp-xf-yg-1' },
      },
    });
    expect(hotline.status).toBe(201);
    await postAliyun(stack, [aliyunMessage('13900139061', '阳光小区1栋地下车库积水很深，车都开不出去了')]);
    // The notifier looks for repeats after intake, off the request path.
    const sms = await waitFor('the SMS case flagged', async () => (await casesOf('13900139061')).find((s) => s.source === 'sms' && s.possibleRepeatOf));
    expect(sms.possibleRepeatOf).toEqual([hotline.body.id]);
    // The hotline path applies the same rule.
    const again = await call(stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'voice', description: '阳光小区1栋地下车库积水很深，车开不出去', reporter: { phone: '13900139061' }, location: { unitId: 'hp-xf-yg-1' } },
    });
    const flagged = await waitFor('the hotline case flagged', async () => {
      const c = await call(stack, 'GET', `/v1/cases/${again.body.id}`);
      return c.body.possibleRepeatOf ? c.body : undefined;
    });
    expect(flagged.possibleRepeatOf).toEqual([sms.id, hotline.body.id]);
  });
});
