/**
 * 联户 through HTTP: the roster import (CSV and JSON, dry run, row-numbered
 * Chinese errors, nothing half written), jurisdiction (a 联户长 sees only their
 * own households), the phone masked and its reveal audited, a visit raising a
 * case once however often it is sent, the statistics, and 宣传 notices —
 * rate-limited by China's day, delivered by the relay into the outbox, 退订
 * honoured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { clock } from '../../shared/service/clock.ts';
import { AuditTrail } from '../../shared/store/audit.ts';
import { dumpTable } from '../support/dynamo.ts';
import { aliyunMessage, postAliyun } from '../support/channels.ts';
import { call, login, startTestStack, waitFor } from '../support/stack.ts';

let stack: LocalStack;
const auth: Record<string, { headers: Record<string, string> }> = {};
const as = (user: string) => auth[user] as { headers: Record<string, string> };
const csv = (user: string, text: string, query = '') =>
  call(stack, 'POST', `/v1/households/import${query}`, { raw: text, headers: { ...as(user).headers, 'content-type': 'text/csv' } });
const chinaToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const households = (user: string, query = '') => call(stack, 'GET', `/v1/households${query}`, as(user));
const ids = (reply: { body: { items: { id: string }[] } }) => reply.body.items.map((h) => h.id).sort();

beforeAll(async () => {
  stack = await startTestStack({ workers: true, sweepIntervalMs: 3_600_000, relayIntervalMs: 100 });
  for (const user of ['building-mediator', 'liaison-yg1b', 'community-mediator', 'leader', 'admin', 'volunteer']) {
    auth[user] = { headers: { authorization: `Bearer ${await login(stack, user)}` } };
  }
});
afterAll(() => stack.stop());

describe('the roster import', () => {
  it('imports a sheet with Chinese headers; a dry run writes nothing; the same sheet again changes nothing', async () => {
    const sheet = '\uFEFF楼栋编号,联户长账号,地址,户主,电话,人数,备注\nhp-xf-yg-2,,阳光小区2栋101,钱文,139 1234 5701,2,独居老人\nhp-xf-yg-1,building-mediator,阳光小区1栋401,孙丽,13912345702,5,\n';
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    // A 联户长 of 1栋 cannot import 2栋's household (outside their building): the mediator above both does.
    const refused = await csv('building-mediator', sheet, '?dryRun=true');
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues[0]).toMatchObject({ row: 2, column: '楼栋编号' });
    expect(refused.body.error.issues[0].message).toMatch(/^第 2 行「楼栋编号」：/);

    // The 2栋 row names no 联户长 and the importer is none: the sheet is refused whole.
    const noLiaison = await csv('community-mediator', sheet, '?dryRun=true');
    expect(noLiaison.status).toBe(400);
    expect(noLiaison.body.error.issues).toEqual([{ path: 'households.0.liaisonId', row: 2, column: '联户长账号', message: '第 2 行「联户长账号」：请填写联户长账号' }]);

    const fixed = sheet.replace('hp-xf-yg-2,,', 'hp-xf-yg-2,building-mediator,');
    // building-mediator's unit is 1栋: not a 联户长 over 2栋.
    const wrongLiaison = await csv('community-mediator', fixed, '?dryRun=true');
    expect(wrongLiaison.body.error.issues[0].message).toBe('第 2 行「联户长账号」：联户长 building-mediator 不负责该楼栋');

    const good = fixed.replace('hp-xf-yg-2,building-mediator,阳光小区2栋101', 'hp-xf-yg-1,building-mediator,阳光小区1栋402');
    const preview = await csv('community-mediator', good, '?dryRun=true');
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toMatchObject({ dryRun: true, imported: 2, unchanged: 0 });
    expect(preview.body.created).toHaveLength(2);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);

    const done = await csv('community-mediator', good);
    expect(done.body).toMatchObject({ dryRun: false, imported: 2, created: preview.body.created });
    const again = await csv('community-mediator', good);
    expect(again.body).toMatchObject({ imported: 0, created: [], updated: [], unchanged: 2 });

    const mine = await households('building-mediator');
    const added = mine.body.items.find((h: { address: string }) => h.address === '阳光小区1栋402');
    expect(added).toMatchObject({ head: '钱文', phone: '139****5701', people: 2, notes: '独居老人', liaisonId: 'building-mediator', unitId: 'hp-xf-yg-1' });
  });

  it('refuses a sheet with bad rows, naming each by its line and column in Chinese, and writes none of it', async () => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const bad = [
      '户编号,楼栋编号,地址,户主,电话,人数,备注',
      'yg1-501,hp-xf-yg-1,阳光小区1栋501,林海,13912345801,3,',
      'yg1-502,hp-xf-yg-1,阳光小区1栋502,,12345,3,',
      'yg1-503,hp-xf-yg-1,阳光小区1栋503,高峰,13912345803,很多,',
      'yg1-504,hp-nowhere,阳光小区1栋504,许诺,13912345804,1,',
      'yg1-501,hp-xf-yg-1,阳光小区1栋505,林海,13912345801,3,',
    ].join('\n');
    const reply = await csv('building-mediator', bad);
    expect(reply.status).toBe(400);
    const issues = reply.body.error.issues as { row: number; column: string; message: string }[];
    expect(issues.map((i) => [i.row, i.column])).toEqual([
      [3, '户主'],
      [3, '电话'],
      [4, '人数'],
    ]);
    expect(issues.map((i) => i.message)).toEqual(['第 3 行「户主」：不能为空', '第 3 行「电话」：电话号码格式不正确', '第 4 行「人数」：人数须为 1–50 的整数']);

    // The shape is right; the rules over the rows then name the unknown unit and the duplicate.
    const second = await csv('building-mediator', bad.split('\n').filter((_, i) => i !== 2 && i !== 3).join('\n'));
    expect(second.status).toBe(400);
    expect(second.body.error.issues.map((i: { message: string }) => i.message)).toEqual(['第 3 行「楼栋编号」：单位 hp-nowhere 不在您的辖区内', '第 4 行「户编号」：与第 1 条是同一户']);
    // JSON rows are named by their place too.
    const json = await call(stack, 'POST', '/v1/households/import', { ...as('building-mediator'), body: { households: [{ unitId: 'hp-xf-yg-1', address: '1栋601', head: '甲', people: 0 }] } });
    expect(json.body.error.issues[0]).toMatchObject({ path: 'households.0.people', message: '第 1 条「人数」：人数须为 1–50 的整数' });
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });
});

describe('jurisdiction and privacy', () => {
  it('shows a 联户长 only their own households, and those above the building all of them', async () => {
    expect(ids(await households('liaison-yg1b'))).toEqual(['yg1-301']);
    const mine = ids(await households('building-mediator'));
    expect(mine).toEqual(expect.arrayContaining(['yg1-101', 'yg1-102', 'yg1-201']));
    expect(mine).not.toContain('yg1-301');
    expect(ids(await households('community-mediator'))).toEqual(expect.arrayContaining([...mine, 'yg1-301']));
    expect((await households('volunteer')).status).toBe(403);
    // Another's household does not exist for a 联户长: no edit, no visit.
    expect((await call(stack, 'PUT', '/v1/households/yg1-301', { ...as('building-mediator'), body: { people: 3 } })).status).toBe(404);
    const visit = await call(stack, 'POST', '/v1/households/yg1-301/visits', { ...as('building-mediator'), body: { date: chinaToday(), summary: '了解情况', duty: 'opinion' } });
    expect(visit.status).toBe(404);
    expect((await households('building-mediator', '?unitId=hp-hx')).status).toBe(404);
  });

  it('masks the phone, shows it on request with one audit entry per household, and never to a leader in full', async () => {
    const masked = (await households('building-mediator')).body.items.find((h: { id: string }) => h.id === 'yg1-101');
    expect(masked.phone).toBe('139****5601');
    const trail = new AuditTrail(stack.dynamodb, stack.tableName);
    expect(await trail.householdTrail('yg1-101')).toEqual([]);
    const revealed = (await households('building-mediator', '?reveal=personal')).body.items.find((h: { id: string }) => h.id === 'yg1-101');
    expect(revealed.phone).toBe('13912345601');
    expect(await trail.householdTrail('yg1-101')).toEqual([expect.objectContaining({ username: 'building-mediator', what: 'household_phone', householdId: 'yg1-101' })]);
    // Another 联户长's household was not shown, so not audited.
    expect(await trail.householdTrail('yg1-301')).toEqual([]);
    const leader = (await households('leader', '?unitId=hp-xf-yg-1&reveal=personal')).body.items.find((h: { id: string }) => h.id === 'yg1-101');
    expect(leader.phone).toBe('139****5601');
    expect(await trail.householdTrail('yg1-101')).toHaveLength(1);
  });

  it('edits a household on the page; bad input is a 400 naming the field and changes nothing', async () => {
    const edited = await call(stack, 'PUT', '/v1/households/yg1-102', { ...as('building-mediator'), body: { people: 5, notes: '困难户' } });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body).toMatchObject({ people: 5, notes: '困难户', phone: '139****5611', head: '吴国强' });
    const bad = await call(stack, 'PUT', '/v1/households/yg1-102', { ...as('building-mediator'), body: { phone: '110', unitId: 'hp-xf-yg-2' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.some((i: { path: string }) => i.path === 'phone')).toBe(true);
    const handOver = await call(stack, 'PUT', '/v1/households/yg1-102', { ...as('building-mediator'), body: { liaisonId: 'liaison-yg1b' } });
    expect(handOver.status).toBe(400);
    const after = (await households('building-mediator')).body.items.find((h: { id: string }) => h.id === 'yg1-102');
    expect(after).toMatchObject({ people: 5, liaisonId: 'building-mediator' });
  });
});

describe('visits', () => {
  it('raises a case from a visit in one step — the head as reporter, the building as unit, source visit — once, however often it is sent', async () => {
    const send = () =>
      call(stack, 'POST', '/v1/households/yg1-201/visits', {
        headers: { ...as('building-mediator').headers, 'idempotency-key': 'visit-yg1-201-a' },
        body: { date: chinaToday(), summary: '楼上漏水到郑家卫生间，协商未果', duty: 'dispute', raiseCase: { center: 'mediation', title: '漏水纠纷' } },
      });
    const [first, second] = [await send(), await send()];
    expect(first.status, first.text).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.case.id).toBe(first.body.case.id);
    expect(second.body.visit.caseId).toBe(first.body.case.id);
    const state = await call(stack, 'GET', `/v1/cases/${first.body.case.id}?reveal=personal`, as('building-mediator'));
    expect(state.body).toMatchObject({ source: 'visit', unitId: 'hp-xf-yg-1', center: 'mediation', title: '漏水纠纷', reporter: { name: '郑建平', phone: '13912345612' } });
    // One case, one visit.
    const items = await dumpTable(stack.dynamodb, stack.tableName);
    expect(items.filter((i) => i.pk === 'HOUSEHOLDS#hp-xf-yg-1' && String(i.sk).startsWith('VISIT#') && i.householdId === 'yg1-201')).toHaveLength(1);
    expect(items.filter((i) => String(i.pk).startsWith('CASE#') && i.sk === 'STATE')).toHaveLength(1);
    // The household now shows it as an open matter.
    const roster = (await households('building-mediator')).body.items.find((h: { id: string }) => h.id === 'yg1-201');
    expect(roster.openCases.map((c: { id: string }) => c.id)).toEqual([first.body.case.id]);
    expect(roster.visitsThisMonth).toBe(1);

    // The same key with another visit is refused.
    const reused = await call(stack, 'POST', '/v1/households/yg1-201/visits', {
      headers: { ...as('building-mediator').headers, 'idempotency-key': 'visit-yg1-201-a' },
      body: { date: chinaToday(), summary: '另一件事', duty: 'opinion' },
    });
    expect(reused.status).toBe(422);
  });

  it('refuses a bad visit naming the field: a future date, an unknown duty, settled and raised at once', async () => {
    const post = (body: unknown) => call(stack, 'POST', '/v1/households/yg1-101/visits', { ...as('building-mediator'), body });
    const future = await post({ date: '2999-01-01', summary: '探访', duty: 'safety' });
    expect(future.body.error.issues).toEqual([{ path: 'date', message: '走访日期不能晚于今天' }]);
    expect((await post({ date: chinaToday(), summary: '探访', duty: 'chat' })).body.error.issues[0].path).toBe('duty');
    const both = await post({ date: chinaToday(), summary: '探访', duty: 'dispute', settled: true, raiseCase: { center: 'mediation' } });
    expect(both.body.error.issues[0]).toMatchObject({ path: 'raiseCase', message: '已就地化解的事项不再上报为案件' });
    expect((await call(stack, 'POST', '/v1/households/yg1-101/visits', { ...as('leader'), body: { date: chinaToday(), summary: '探访', duty: 'safety' } })).status).toBe(403);
  });

  it('counts per 联户长 and per building: households, visited, visits this month, matters, settled on the spot', async () => {
    const visit = (user: string, id: string, body: Record<string, unknown>) =>
      call(stack, 'POST', `/v1/households/${id}/visits`, { ...as(user), body: { date: chinaToday(), duty: 'dispute', summary: '邻里噪音，当场劝解', ...body } });
    expect((await visit('building-mediator', 'yg1-101', { settled: true })).status).toBe(201);
    expect((await visit('building-mediator', 'yg1-101', { duty: 'policy', summary: '讲解医保政策' })).status).toBe(201);
    expect((await visit('liaison-yg1b', 'yg1-301', { settled: true })).status).toBe(201);
    const mine = await call(stack, 'GET', '/v1/households/stats', as('building-mediator'));
    expect(mine.status).toBe(200);
    expect(mine.body.byLiaison).toHaveLength(1);
    expect(mine.body.byLiaison[0]).toMatchObject({ liaisonId: 'building-mediator', liaisonName: '张桂兰（联户长）', householdsVisited: 2, visits: 3, matters: 2, settled: 1 });
    const community = await call(stack, 'GET', '/v1/households/stats?unitId=hp-xf', as('community-mediator'));
    expect(community.body.byLiaison.map((s: { liaisonId: string }) => s.liaisonId)).toEqual(['building-mediator', 'liaison-yg1b']);
    expect(community.body.byUnit).toEqual([expect.objectContaining({ unitId: 'hp-xf-yg-1', visits: 4, matters: 3, settled: 2 })]);
    expect(community.body.total).toMatchObject({ households: mine.body.total.households + 1, visits: 4 });
    expect((await call(stack, 'GET', '/v1/households/stats?month=2026-13', as('community-mediator'))).body.error.issues[0].path).toBe('month');
  });
});

describe('宣传 notices', () => {
  it('sends a notice to the unit\'s households through the outbox, at most 3 a day per unit, and skips a phone that replied 退订', async () => {
    // 吴国强 replies 退订 by SMS.
    expect((await postAliyun(stack, [aliyunMessage('13912345611', '退订')])).status).toBe(200);
    await waitFor('the opt-out', async () => ((await dumpTable(stack.dynamodb, stack.tableName)).some((i) => String(i.pk).startsWith('OPTOUT#')) ? true : undefined));

    const send = (text: string, key?: string) =>
      call(stack, 'POST', '/v1/notices', { headers: { ...as('building-mediator').headers, ...(key ? { 'idempotency-key': key } : {}) }, body: { unitId: 'hp-xf-yg-1', kind: 'safety', text } });
    const first = await send('今晚有大风，请关好门窗。', 'notice-1');
    expect(first.status, first.text).toBe(201);
    // A 联户长's notice goes to their own households.
    expect(first.body.households).toBe((await households('building-mediator')).body.items.filter((h: { phone?: string }) => h.phone).length);
    expect((await send('今晚有大风，请关好门窗。', 'notice-1')).status).toBe(200);
    const sent = await waitFor('the notice in the outbox', async () => {
      const items = (await dumpTable(stack.dynamodb, stack.tableName)).filter((i) => String(i.pk).startsWith('OUTBOX#') && i.caseId === first.body.id);
      return items.length === first.body.households && items.every((i) => i.status !== 'sending') ? items : undefined;
    });
    expect(sent.every((i) => i.topic === 'notice' && String(i.text).includes('今晚有大风') && String(i.text).includes('退订'))).toBe(true);
    expect(sent.find((i) => i.to === '13912345611')).toMatchObject({ status: 'undeliverable', reason: '已退订' });
    expect(sent.filter((i) => i.status === 'sent').map((i) => i.to)).toContain('13912345601');
    // The marker is cleared once delivered.
    await waitFor('the notice marker cleared', async () => {
      const item = (await dumpTable(stack.dynamodb, stack.tableName)).find((i) => i.pk === `NOTICE#${first.body.id}`);
      return item && item.fx === undefined ? item : undefined;
    });

    expect((await send('周六上午社区议事会。')).status).toBe(201);
    expect((await send('医保缴费截止提醒。')).status).toBe(201);
    const fourth = await send('第四条');
    expect(fourth.status).toBe(429);
    expect(fourth.headers.get('retry-after')).toMatch(/^\d+$/);
    // Bad input names the field; a volunteer sends nothing.
    expect((await call(stack, 'POST', '/v1/notices', { ...as('building-mediator'), body: { unitId: 'hp-xf-yg-1', kind: 'ad', text: '' } })).body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['kind', 'text']);
    expect((await call(stack, 'POST', '/v1/notices', { ...as('volunteer'), body: { unitId: 'hp-xf', kind: 'policy', text: '通知' } })).status).toBe(403);
  });
});

describe('the daily limit of notices', () => {
  it("counts China's day, not UTC's: three at 23:30 UTC leave none for 00:30 UTC (08:30 in China), and China's midnight (16:00 UTC) starts the next", async () => {
    const at = (iso: string) => clock.set(() => new Date(iso));
    try {
      // Signed in at each time: a token lives on the same clock.
      const send = async (text: string) =>
        call(stack, 'POST', '/v1/notices', { headers: { authorization: `Bearer ${await login(stack, 'community-mediator')}` }, body: { unitId: 'hp-xf-yg-1', kind: 'policy', text } });
      at('2026-03-10T23:30:00Z');
      for (const text of ['一', '二', '三']) {
        const sent = await send(text);
        expect(sent.status, sent.text).toBe(201);
      }
      // A new UTC day, the same China day (2026-03-11).
      at('2026-03-11T00:30:00Z');
      const refused = await send('四');
      expect(refused.status).toBe(429);
      // Until China's midnight: 15.5 hours.
      expect(Number(refused.headers.get('retry-after'))).toBe(15.5 * 3600);
      at('2026-03-11T16:00:00Z');
      expect((await send('五')).status).toBe(201);
    } finally {
      clock.reset();
    }
  });
});
