/**
 * The privacy policy through HTTP: what each reader gets of a mediation case
 * with every personal field filled, when reading personal details is audited
 * (a reveal, a phone search: one entry per request), and what volunteers see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
const tokens: Record<string, string> = {};
const as = (user: string) => ({ headers: { authorization: `Bearer ${tokens[user]}` } });

const REPORTER = { name: '吴秀英', phone: '13912340777' };
const PARTY = { name: '郑建国', role: 'respondent', phone: '13812340888', idNumber: '110101198001011234', address: '阳光小区1栋302室' };
const MINUTES = '双方同意由楼上住户承担维修费用（笔录）';
const NOTE = '内部：对方曾多次拒绝沟通';
let mediation: { id: string; trackingCode: string };

async function act(user: string, id: string, body: Record<string, unknown>) {
  const current = await call(stack, 'GET', `/v1/cases/${id}`, as(user));
  const reply = await call(stack, 'POST', `/v1/cases/${id}/actions`, { ...as(user), body: { expectedVersion: current.body.version, ...body } });
  if (reply.status !== 200) throw new Error(`${String(body.type)}: ${reply.status} ${reply.text}`);
  return reply.body;
}

const auditItems = async () => (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => String(i.pk).startsWith('AUDIT#'));

beforeAll(async () => {
  stack = await startTestStack();
  for (const user of ['building-mediator', 'community-mediator', 'township-mediator', 'volunteer', 'leader', 'admin']) tokens[user] = await login(stack, user);
  const filed = await call(stack, 'POST', '/v1/cases', {
    body: { source: 'hotline', center: 'mediation', description: '楼上漏水到我家，对方不愿维修。', reporter: REPORTER, parties: [PARTY], location: { unitId: 'hp-xf-yg-1' } },
  });
  mediation = filed.body;
  const id = mediation.id;
  await act('building-mediator', id, { type: 'accept' });
  await act('building-mediator', id, { type: 'note', visibility: 'internal', text: NOTE });
  const session = await act('building-mediator', id, { type: 'schedule_session', at: '2026-12-01T10:00:00+08:00', place: '调解室', mediators: ['张桂兰'] });
  await act('building-mediator', id, { type: 'record_minutes', sessionId: session.sessions[0].id, content: MINUTES });
  await act('building-mediator', id, {
    type: 'record_agreement',
    agreement: {
      parties: [{ name: REPORTER.name, role: 'applicant', phone: REPORTER.phone }, PARTY],
      facts: '漏水',
      terms: ['楼上维修'],
      performance: { method: '当面', deadline: '2026-12-10' },
    },
  });
});
afterAll(() => stack.stop());

describe('a mediator reads a case', () => {
  it('sees personal details masked, and writes no audit entry for that', async () => {
    const before = (await auditItems()).length;
    const plain = await call(stack, 'GET', `/v1/cases/${mediation.id}`, as('community-mediator'));
    expect(plain.status).toBe(200);
    expect(plain.body.revealed).toBe(false);
    expect(plain.body.reporter).toEqual({ name: '吴**', phone: '139****0777' });
    expect(plain.body.parties).toEqual([{ name: PARTY.name, role: 'respondent', phone: '138****0888', idNumber: '110***********1234', address: '阳光小区***' }]);
    expect(plain.body.agreement.parties[1].idNumber).toBe('110***********1234');
    expect(plain.body.sessions[0].minutes).toBe(MINUTES);
    for (const secret of [REPORTER.phone, PARTY.phone, PARTY.idNumber, mediation.trackingCode]) expect(plain.text).not.toContain(secret);
    expect((await auditItems()).length).toBe(before);
  });

  it('asks to see them (?reveal=personal): in full, recorded once in the case’s 查阅记录 with what was shown', async () => {
    const before = (await auditItems()).length;
    const revealed = await call(stack, 'GET', `/v1/cases/${mediation.id}?reveal=personal`, as('community-mediator'));
    expect(revealed.body.revealed).toBe(true);
    expect(revealed.body.reporter).toEqual(REPORTER);
    expect(revealed.body.parties[0]).toEqual(PARTY);
    expect(revealed.text).not.toContain(mediation.trackingCode);
    expect((await auditItems()).length).toBe(before + 1);
    const trail = await call(stack, 'GET', `/v1/cases/${mediation.id}/audit`, as('township-mediator'));
    expect(trail.body.items.at(-1)).toMatchObject({
      username: 'community-mediator',
      what: 'reporter_details',
      fields: ['reporterName', 'reporterPhone', 'partyPhone', 'partyIdNumber', 'partyAddress'],
    });
    const bad = await call(stack, 'GET', `/v1/cases/${mediation.id}?reveal=everything`, as('community-mediator'));
    expect([bad.status, bad.body.error.issues]).toEqual([400, [{ path: 'reveal', message: '只能为 personal' }]]);
  });

  it('a leader may reveal contact details but never sees a party’s ID number', async () => {
    const revealed = await call(stack, 'GET', `/v1/cases/${mediation.id}?reveal=personal`, as('leader'));
    expect(revealed.body.reporter).toEqual(REPORTER);
    expect(revealed.body.parties[0]).toEqual({ name: PARTY.name, role: 'respondent', phone: PARTY.phone, address: PARTY.address });
    expect(revealed.text).not.toContain(PARTY.idNumber);
  });

  it('the timeline shows the intake masked, never the 提取码, and the internal note and minutes to staff', async () => {
    const events = await call(stack, 'GET', `/v1/cases/${mediation.id}/events`, as('community-mediator'));
    const received = events.body.items.find((e: { type: string }) => e.type === 'received');
    expect(received.data.reporter).toEqual({ name: '吴**', phone: '139****0777' });
    expect(received.data.trackingCode).toBeUndefined();
    expect(received.data.parties[0].idNumber).toBe('110***********1234');
    expect(events.text).not.toContain(mediation.trackingCode);
    expect(events.text).not.toContain(PARTY.idNumber);
    expect(events.text).toContain(NOTE);
    expect(events.text).toContain(MINUTES);
  });

  it('lists show names masked and no party phone, ID number or minutes — the agreement’s parties included', async () => {
    const list = await call(stack, 'GET', '/v1/cases?scope=subtree&limit=200', as('community-mediator'));
    const item = list.body.items.find((i: { id: string }) => i.id === mediation.id);
    expect(item.reporter).toEqual({ name: '吴**', phone: '139****0777' });
    expect(item.agreement.parties).toEqual([{ name: '吴**', role: 'applicant' }, { name: '郑**', role: 'respondent' }]);
    expect(item.sessions[0].minutes).toBeUndefined();
    for (const secret of [REPORTER.phone, PARTY.phone, PARTY.idNumber, PARTY.address, MINUTES]) expect(list.text).not.toContain(secret);
  });
});

describe('the 12345 client that filed it', () => {
  it('reads its reporter and 提取码 back, never the minutes, the internal note or the parties’ details', async () => {
    const read = await call(stack, 'GET', `/v1/cases/${mediation.id}`);
    expect(read.body.reporter).toEqual(REPORTER);
    expect(read.body.trackingCode).toBe(mediation.trackingCode);
    expect(read.body.sessions[0].minutes).toBeUndefined();
    expect(read.body.parties[0]).toEqual({ name: PARTY.name, role: 'respondent' });
    const events = await call(stack, 'GET', `/v1/cases/${mediation.id}/events`);
    for (const text of [read.text, events.text]) {
      for (const secret of [MINUTES, NOTE, PARTY.phone, PARTY.idNumber]) expect(text).not.toContain(secret);
    }
    expect(events.body.items.find((e: { type: string }) => e.type === 'minutes_recorded').data).toEqual({ sessionId: expect.any(String) });
  });
});

describe('a search by phone', () => {
  it('finding 50 cases writes 1 audit item, which each case’s 查阅记录 shows', async () => {
    const phone = '13912345050';
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const filed = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: `第${i + 1}次反映路灯不亮`, reporter: { phone }, location: { unitId: 'hp-xf-yg-1' } } });
      ids.push(filed.body.id);
    }
    const before = (await auditItems()).length;
    const found = await call(stack, 'GET', `/v1/cases?phone=${phone}&limit=50`, as('township-mediator'));
    expect(found.body.items).toHaveLength(50);
    expect(found.text).not.toContain(phone);
    const written = (await auditItems()).length - before;
    expect(written).toBe(1);
    const [entry] = (await auditItems()).filter((i) => i.what === 'reporter_search' && (i.caseIds as string[]).length === 50);
    expect(entry).toMatchObject({ username: 'township-mediator', phone: '139****5050' });
    expect(JSON.stringify(entry)).not.toContain(phone);
    for (const id of [ids[0], ids[49]]) {
      const trail = await call(stack, 'GET', `/v1/cases/${id}/audit`, as('admin'));
      expect(trail.body.items).toEqual([expect.objectContaining({ what: 'reporter_search', username: 'township-mediator', phone: '139****5050' })]);
    }
    // A case of another caller is not in that search's trail.
    const trail = await call(stack, 'GET', `/v1/cases/${mediation.id}/audit`, as('admin'));
    expect(trail.body.items.some((e: { what: string }) => e.what === 'reporter_search')).toBe(false);
  });
});

describe('volunteers see only their tasks', () => {
  it('lists, reads and phone search show only the cases dispatched to them, with only what the task needs', async () => {
    const file = async (description: string) =>
      (await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'welfare', description, reporter: { name: '陈奶奶', phone: '13912346000' }, parties: [PARTY], location: { address: '幸福社区' } } })).body;
    const task = await file('独居老人需要每周上门探访');
    const other = await file('独居老人想了解助餐点');
    await act('community-mediator', task.id, { type: 'note', visibility: 'internal', text: NOTE });
    await act('community-mediator', task.id, { type: 'dispatch', toVolunteerId: 'volunteer', note: '请每周二上门' });

    const mine = await call(stack, 'GET', '/v1/cases?scope=mine', as('volunteer'));
    expect(mine.body.items.map((i: { id: string }) => i.id)).toEqual([task.id]);
    const subtree = await call(stack, 'GET', '/v1/cases?scope=subtree&limit=200', as('volunteer'));
    expect(subtree.body.items.map((i: { id: string }) => i.id)).toEqual([task.id]);
    const byPhone = await call(stack, 'GET', '/v1/cases?phone=13912346000', as('volunteer'));
    expect(byPhone.body.items.map((i: { id: string }) => i.id)).toEqual([task.id]);
    expect((await call(stack, 'GET', `/v1/cases/${other.id}`, as('volunteer'))).status).toBe(404);
    expect((await call(stack, 'GET', `/v1/cases/${mediation.id}/events`, as('volunteer'))).status).toBe(404);

    const read = await call(stack, 'GET', `/v1/cases/${task.id}?reveal=personal`, as('volunteer'));
    expect(read.body.reporter).toEqual({ name: '陈奶奶', phone: '13912346000' });
    expect(read.body.parties).toEqual([{ name: PARTY.name, role: 'respondent' }]);
    const events = await call(stack, 'GET', `/v1/cases/${task.id}/events`, as('volunteer'));
    expect(events.text).toContain('请每周二上门');
    for (const text of [read.text, events.text]) {
      for (const secret of [NOTE, PARTY.phone, PARTY.idNumber, PARTY.address, task.trackingCode]) expect(text).not.toContain(secret);
    }
    // Accepted, it stays theirs; the offer to someone else's never was.
    await act('volunteer', task.id, { type: 'accept' });
    expect((await call(stack, 'GET', '/v1/cases?scope=mine', as('volunteer'))).body.items.map((i: { id: string }) => i.id)).toEqual([task.id]);
  });
});
