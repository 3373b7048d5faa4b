/**
 * 紧急求助 through the local stack: SMS, WeChat and the API answer with the
 * number to call first, the case is red and its unit alerted at once, the
 * tracking page shows the numbers, and the top unit's admin edits the signs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { parseXml } from '../../shared/channels/xml.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, login, startTestStack, waitFor } from '../support/stack.ts';
import { postTwilio, postWechat, receiptOf, replyFields, wechatText } from '../support/channels.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ workers: true, sweepIntervalMs: 3_600_000 });
});
afterAll(() => stack.stop());

const sid = () => `SM${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`;
const twimlText = (xml: string) => (parseXml(xml) as { Response: { Message: string } }).Response.Message;
const outbox = async (caseId: string, topic: string) =>
  (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => String(i.pk).startsWith('OUTBOX#') && i.caseId === caseId && i.topic === topic);

describe('紧急求助', () => {
  it('SMS: the reply starts with 120, the case is red, the unit is alerted, the tracking page shows the number', async () => {
    const reply = await postTwilio(stack, { MessageSid: sid(), From: '+8613900139501', Body: '阳光小区1栋有位老人晕倒在楼道里' });
    expect(reply.status).toBe(200);
    const text = twimlText(reply.text);
    expect(text.split('\n')[0]).toBe('如遇紧急情况，请立即拨打：120（急救）。');
    const { trackingNo, trackingCode } = receiptOf(text);
    const mediator = { headers: { authorization: `Bearer ${await login(stack, 'community-mediator')}` } };
    const list = await call(stack, 'GET', '/v1/cases?scope=subtree&limit=200', mediator);
    const listed = list.body.items.find((c: { trackingNo: string }) => c.trackingNo === trackingNo);
    // Red, at the community at once, and marked in lists.
    expect(listed).toMatchObject({ risk: { level: 'red' }, level: 'community', emergency: [{ service: 'medical', number: '120' }] });
    const alerts = await waitFor('the alert', async () => {
      const sent = await outbox(listed.id, 'emergency_alert');
      return sent.length >= 2 ? sent : undefined;
    });
    expect(alerts.map((a) => a.unitId)).toEqual(expect.arrayContaining(['hp-xf']));
    expect(String(alerts[0]?.text)).toContain('120');
    const tracked = await call(stack, 'GET', `/v1/track/${trackingNo}?code=${trackingCode}`, { key: null });
    expect(tracked.body.emergency).toEqual([{ service: 'medical', name: '急救', number: '120' }]);
  });

  it('WeChat: 家暴 → 110 first; a matter about 火车站 gets no signpost', async () => {
    const hurt = replyFields((await postWechat(stack, wechatText('o-emergency-1', '我老公又在家暴我，我在阳光小区2栋'))).text);
    expect(hurt.Content?.startsWith('如遇紧急情况，请立即拨打：110（报警）。')).toBe(true);
    const plain = replyFields((await postWechat(stack, wechatText('o-emergency-2', '阳光小区2栋旁边去火车站的公交站牌倒了'))).text);
    expect(plain.Content).not.toContain('如遇紧急情况');
  });

  it('API intake: the answer carries the signposts', async () => {
    const filed = await call(stack, 'POST', '/v1/cases', {
      body: { source: 'hotline', center: 'voice', description: '居民反映3栋502着火了，楼道有烟', reporter: { name: '钱女士', phone: '13800138111' }, location: { unitId: 'hp-xf-yg-3' } },
    });
    expect(filed.status).toBe(201);
    expect(filed.body.emergency).toEqual([{ service: 'fire', name: '火警', number: '119', terms: ['着火'] }]);
    expect(filed.body.risk.level).toBe('red');
  });

  it('the top unit’s admin edits the signs and the crisis hotline; a township admin may not', async () => {
    const top = { headers: { authorization: `Bearer ${await login(stack, 'county-admin')}` } };
    const township = { headers: { authorization: `Bearer ${await login(stack, 'admin')}` } };
    const doc = { crisisHotline: '027-85844666', signs: [{ term: '溺水', service: 'medical' }, { term: '想不开', service: 'crisis' }] };
    expect((await call(stack, 'PUT', '/v1/config/emergency', { ...township, body: doc })).status).toBe(403);
    const bad = await call(stack, 'PUT', '/v1/config/emergency', { ...top, body: { ...doc, signs: [{ term: '溺水', service: 'navy' }] } });
    expect([bad.status, bad.body.error.issues[0].path]).toEqual([400, 'signs.0.service']);
    const stored = await call(stack, 'PUT', '/v1/config/emergency', { ...top, body: doc });
    expect(stored.status, stored.text).toBe(200);
    expect(stored.body.effective).toEqual(doc);

    const drowning = twimlText((await postTwilio(stack, { MessageSid: sid(), From: '+8613900139502', Body: '阳光小区门口河里有人溺水' })).text);
    expect(drowning.split('\n')[0]).toBe('如遇紧急情况，请立即拨打：120（急救）。');
    const crisis = twimlText((await postTwilio(stack, { MessageSid: sid(), From: '+8613900139503', Body: '我最近总是想不开' })).text);
    expect(crisis.split('\n')[0]).toBe('如遇紧急情况，请立即拨打：027-85844666（心理援助热线）。');
    // 晕倒 is no longer on the edited list.
    const fainted = twimlText((await postTwilio(stack, { MessageSid: sid(), From: '+8613900139504', Body: '阳光小区1栋有人晕倒' })).text);
    expect(fainted).not.toContain('如遇紧急情况');
  });
});
