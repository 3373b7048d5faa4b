/**
 * Villages and a county (issue 15, points 1 and 2) over HTTP on the demo
 * county: 枝江市 over the urban 和平街道 and the rural 问安镇. A village's case
 * names its levels 村 / 小组 / 湾落 in the view, the resident's SMS and the
 * 调解协议书; an import takes a unit's kind; the county sees each township as
 * a row of its statistics, puts cases and units under 督办, hears the
 * townships' 督办 alerts, and receives a case only by a township's referral.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { chinaDay } from '../../shared/domain/index.ts';
import { clock } from '../../shared/service/clock.ts';
import { Outbox } from '../../shared/store/outbox.ts';
import { call, login, startTestStack, timeline, waitFor } from '../support/stack.ts';

let stack: LocalStack;
let now = new Date('2026-11-25T01:00:00Z'); // Wednesday 09:00 China time
const as: Record<string, { headers: Record<string, string> }> = {};
const ACCOUNTS = ['wanluo-liaison', 'village-mediator', 'township-mediator', 'county-officer', 'county-leader', 'admin', 'community-mediator'] as const;
/** The county's 12345 line: it files into any township of the county. */
const COUNTY_HOTLINE = 'county-hotline-key';

/** Tokens for the clock as it is now (a test that moves the clock on logs in again). */
async function loginAll() {
  for (const name of ACCOUNTS) as[name] = { headers: { authorization: `Bearer ${await login(stack, name)}` } };
}

beforeAll(async () => {
  clock.set(() => now);
  stack = await startTestStack({ workers: true, sweepIntervalMs: 100 });
  const runtime = await import('../../shared/service/runtime.ts');
  await runtime.directory.putApiClient(COUNTY_HOTLINE, { name: 'hotline-county', sources: ['hotline'], scopes: ['cases:write', 'cases:read'], rootUnitId: 'zj' });
  await loginAll();
});
afterAll(async () => {
  await stack.stop();
  clock.reset();
});

const file = async (unitId: string, description: string, extra: Record<string, unknown> = {}) => {
  const reply = await call(stack, 'POST', '/v1/cases', { key: COUNTY_HOTLINE, body: { source: 'hotline', center: 'mediation', description, location: { unitId }, ...extra } });
  expect(reply.status, reply.text).toBe(201);
  return reply.body as { id: string; trackingNo: string };
};
const view = async (who: string, id: string) => {
  const reply = await call(stack, 'GET', `/v1/cases/${id}`, as[who]);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
};
const act = async (who: string, id: string, action: Record<string, unknown>) => {
  const reply = await call(stack, 'POST', `/v1/cases/${id}/actions`, { ...as[who], body: { expectedVersion: (await view(who, id)).version, ...action } });
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
};
const outboxOf = async (id: string) => {
  const days = [...new Set((await timeline(stack, id, COUNTY_HOTLINE)).map((e) => chinaDay(e.at)))];
  const items: { caseId: string; topic: string; text: string; recipientName: string; unitId?: string }[] = [];
  // Read from the store: the 通知记录 page is an admin's, and the demo's admin is 和平街道's.
  const outbox = new Outbox(stack.dynamodb, stack.tableName);
  for (const day of days) items.push(...(await outbox.list(day, { limit: 500 })).items);
  return items.filter((m) => m.caseId === id);
};

describe('a village (rural branch)', () => {
  it('names its levels 村 / 小组 / 湾落 in the case view, the resident\'s SMS and the 调解协议书', async () => {
    const filed = await file('wa-gms-1-wj', '王家湾两户因宅基地边界发生争执，多次吵架。', { reporter: { name: '王大爷', phone: '13900000051' } });
    let c = await view('wanluo-liaison', filed.id);
    expect(c).toMatchObject({ level: 'building', levelName: '湾落', unitName: '问安镇 关庙山村 一组 王家湾' });
    expect(c.place.map((p: { levelName: string; name: string }) => `${p.levelName}：${p.name}`)).toEqual(['村：关庙山村', '小组：一组', '湾落：王家湾']);

    // The 联户长 cannot settle it: up to the group, then the village, each step told to the resident in the village's words.
    await act('wanluo-liaison', filed.id, { type: 'escalate', reason: '双方分歧大，需村里调解' });
    c = await waitFor('the move to the group', async () => ((await view('village-mediator', filed.id)).level === 'compound' ? view('village-mediator', filed.id) : undefined));
    expect(c).toMatchObject({ unitId: 'wa-gms-1', levelName: '小组' });
    const runtime = await import('../../shared/service/runtime.ts');
    await runtime.cases.act(filed.id, { type: 'escalate', reason: '组里协调不成' }, { kind: 'user', id: 'group-head', name: '一组组长', role: 'mediator', unitId: 'wa-gms-1' });
    c = await waitFor('the move to the village', async () => ((await view('village-mediator', filed.id)).level === 'community' ? view('village-mediator', filed.id) : undefined));
    expect(c).toMatchObject({ unitId: 'wa-gms', levelName: '村', unitName: '问安镇 关庙山村' });
    const texts = await waitFor('the resident told of both moves', async () => {
      const sms = (await outboxOf(filed.id)).filter((m) => m.topic === 'status').map((m) => m.text);
      return sms.length >= 2 ? sms : undefined;
    });
    expect(texts).toEqual(expect.arrayContaining([`【矛调通】您的诉求 ${filed.trackingNo} 已转至小组（一组）办理。`, `【矛调通】您的诉求 ${filed.trackingNo} 已转至村（关庙山村）办理。`]));

    // The village's 调委会 mediates and records the agreement: it names where the dispute arose, by the village's levels.
    await act('village-mediator', filed.id, { type: 'accept' });
    await act('village-mediator', filed.id, {
      type: 'record_agreement',
      agreement: {
        parties: [{ name: '王大爷', role: 'applicant' }, { name: '王二叔', role: 'respondent' }],
        facts: '两户宅基地边界不清',
        terms: ['以老界石为界，双方不再争执'],
        performance: { method: '当场确认界址', deadline: '2026-12-05' },
      },
    });
    const printed = await call(stack, 'GET', `/v1/cases/${filed.id}?reveal=personal`, as['village-mediator']);
    expect(printed.body.agreement.terms).toEqual(['以老界石为界，双方不再争执']);
    expect(printed.body.place.map((p: { levelName: string }) => p.levelName)).toEqual(['村', '小组', '湾落']);
    expect(printed.body.levelName).toBe('村');

    // An urban case keeps 社区 / 小区 / 楼栋.
    const urban = await view('community-mediator', (await file('hp-xf-yg-1', '楼上漏水')).id);
    expect(urban.levelName).toBe('楼栋');
    expect(urban.place.map((p: { levelName: string }) => p.levelName)).toEqual(['社区', '小区', '楼栋']);
  });

  it('statistics of the village say 小事不出村, the city\'s 小事不出社区', async () => {
    const village = await call(stack, 'GET', '/v1/stats?unitId=wa-gms', as['county-officer']);
    expect(village.status, village.text).toBe(200);
    expect(village.body.unit).toMatchObject({ kind: 'rural', levelName: '村' });
    expect(village.body.labels).toMatchObject({ grassroots: '小事不出村', levels: { building: '湾落', compound: '小组', community: '村', township: '镇' } });
    const city = await call(stack, 'GET', '/v1/stats?unitId=hp-xf', as['county-officer']);
    expect(city.body.labels).toMatchObject({ grassroots: '小事不出社区', levels: { building: '楼栋', community: '社区' } });
  });

  it('an import takes a unit\'s kind (urban/rural or 城市/农村), inherited below it; a bad kind is a 400 naming the row and column, and nothing is written', async () => {
    const csv = '编号,名称,层级,上级编号,类型\nhp-ls,柳树村,村,hp,农村\nhp-ls-1,一组,小组,hp-ls,\nhp-ls-1-1,刘家湾,湾落,hp-ls-1,\n';
    const imported = await call(stack, 'POST', '/v1/units/import', { ...as['admin']!, raw: csv, headers: { ...as['admin']!.headers, 'content-type': 'text/csv' } });
    expect(imported.status, imported.text).toBe(200);
    const units = (await call(stack, 'GET', '/v1/units', as['admin']!)).body.items as { id: string; kind?: string; branchKind: string; levelName: string }[];
    expect(units.find((u) => u.id === 'hp-ls')).toMatchObject({ kind: 'rural', branchKind: 'rural', levelName: '村' });
    expect(units.find((u) => u.id === 'hp-ls-1-1')).toMatchObject({ branchKind: 'rural', levelName: '湾落' });
    expect(units.find((u) => u.id === 'hp-xf')).toMatchObject({ branchKind: 'urban', levelName: '社区' });
    const byJson = await call(stack, 'POST', '/v1/units/import', { ...as['admin']!, body: { units: [{ id: 'hp-ls-2', name: '二组', level: 'compound', parentId: 'hp-ls', kind: 'rural' }] } });
    expect(byJson.status, byJson.text).toBe(200);

    const before = (await call(stack, 'GET', '/v1/units', as['admin']!)).body.version;
    const bad = await call(stack, 'POST', '/v1/units/import', {
      ...as['admin']!,
      raw: 'id,name,level,parentId,kind\nhp-ls-3,三组,compound,hp-ls,rural\nhp-ls-4,四组,compound,hp-ls,郊区\n',
      headers: { ...as['admin']!.headers, 'content-type': 'text/csv' },
    });
    expect(bad.status, bad.text).toBe(400);
    expect(bad.body.error.issues).toEqual([expect.objectContaining({ row: 3, column: 'kind', message: '类型须为 城市（urban）或 农村（rural）' })]);
    const badJson = await call(stack, 'POST', '/v1/units/import', { ...as['admin']!, body: { units: [{ id: 'hp-ls-5', name: '五组', level: 'compound', parentId: 'hp-ls', kind: 'suburban' }] } });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.issues[0].path).toBe('units.0.kind');
    const after = await call(stack, 'GET', '/v1/units', as['admin']!);
    expect(after.body.version).toBe(before);
    expect(after.body.items.some((u: { id: string }) => u.id === 'hp-ls-3' || u.id === 'hp-ls-5')).toBe(false);
  });
});

describe('a county above the townships', () => {
  it('sees county-wide statistics, each township a row of 各下级单位', async () => {
    await file('hp-hx-jy-1', '小区停车位纠纷');
    const stats = await call(stack, 'GET', '/v1/stats', as['county-leader']);
    expect(stats.status, stats.text).toBe(200);
    expect(stats.body.unit).toMatchObject({ id: 'zj', name: '枝江市', level: 'county' });
    const rows = stats.body.byChild as { unitId: string; total: number }[];
    expect(rows.map((r) => r.unitId).sort()).toEqual(['hp', 'wa']);
    const township = async (id: string) => (await call(stack, 'GET', `/v1/stats?unitId=${id}`, as['county-leader'])).body.total as number;
    const [hp, wa] = [await township('hp'), await township('wa')];
    expect(hp).toBeGreaterThan(0);
    expect(wa).toBeGreaterThan(0);
    expect(rows.find((r) => r.unitId === 'hp')?.total).toBe(hp);
    expect(rows.find((r) => r.unitId === 'wa')?.total).toBe(wa);
    expect(stats.body.total).toBe(hp + wa);
    // A township's officer sees their own township only.
    expect((await call(stack, 'GET', '/v1/stats?unitId=wa', as['township-mediator'])).status).toBe(404);
  });

  it('puts any case or unit of any township under 督办', async () => {
    const c = await file('wa-gms-2-zj', '张家湾灌溉用水纠纷');
    await act('county-officer', c.id, { type: 'order_supervision', note: '市里关注，请尽快化解', until: '2026-12-10' });
    expect((await view('village-mediator', c.id)).supervisionOrder).toMatchObject({ note: '市里关注，请尽快化解' });
    const unit = await call(stack, 'PUT', '/v1/units/hp-xf/supervision', { ...as['county-leader'], body: { note: '超期件较多，限期整改', until: '2026-12-10' } });
    expect(unit.status, unit.text).toBe(200);
    // A township officer's reach stops at its own township.
    const other = await call(stack, 'PUT', '/v1/units/wa-gms/supervision', { ...as['township-mediator'], body: { note: 'x', until: '2026-12-10' } });
    expect(other.status).toBe(404);
  });

  it('a timer stops at the township (督办, the county alerted too); the township refers a case up by a manual escalation with a reason', async () => {
    const c = await file('hp', '跨镇的土地流转纠纷', { reporter: { phone: '13900000052' } });
    let current = await view('township-mediator', c.id);
    expect(current).toMatchObject({ unitId: 'hp', level: 'township' });

    // Overdue at the township: 督办, not a move to the county; the county hears of it.
    now = new Date(Date.parse(current.acceptDueAt) + 60_000);
    await loginAll();
    await waitFor('督办', async () => (await timeline(stack, c.id, COUNTY_HOTLINE)).find((e) => e.type === 'supervised'));
    current = await view('township-mediator', c.id);
    expect(current).toMatchObject({ unitId: 'hp', level: 'township', supervision: { alerts: 1 } });
    expect((await timeline(stack, c.id, COUNTY_HOTLINE)).some((e) => e.type === 'escalated')).toBe(false);
    const alerts = await waitFor('the alerts', async () => {
      const found = (await outboxOf(c.id)).filter((m) => m.topic === 'supervision');
      return found.length >= 2 ? found : undefined;
    });
    expect(alerts.map((m) => m.recipientName).sort()).toEqual(['市矛调中心', '街道矛调中心']);
    expect(alerts.find((m) => m.recipientName === '市矛调中心')?.text).toBe(`【矛调通】督办（第1次）：和平街道的诉求 ${c.trackingNo} 已超期未办结，请跟踪督促。`);

    // The township refers it to the county, with its reason; the county takes it and can go no higher.
    const refused = await call(stack, 'POST', `/v1/cases/${c.id}/actions`, { ...as['township-mediator'], body: { type: 'escalate', expectedVersion: current.version } });
    expect(refused.status).toBe(400);
    await act('township-mediator', c.id, { type: 'escalate', reason: '涉及两个乡镇，需市里协调' });
    current = await waitFor('the referral', async () => ((await view('county-officer', c.id)).level === 'county' ? view('county-officer', c.id) : undefined));
    expect(current).toMatchObject({ unitId: 'zj', levelName: '县/市' });
    const referral = (await timeline(stack, c.id, COUNTY_HOTLINE)).find((e) => e.type === 'escalated');
    expect(referral?.data).toMatchObject({ fromUnitId: 'hp', toUnitId: 'zj', reason: 'manual', note: '涉及两个乡镇，需市里协调' });
    await act('county-officer', c.id, { type: 'accept' });
    const top = await call(stack, 'POST', `/v1/cases/${c.id}/actions`, { ...as['county-officer'], body: { type: 'escalate', reason: '再上报', expectedVersion: (await view('county-officer', c.id)).version } });
    expect(top.status).toBe(422);
    expect(top.body.error.message).toBe('案件已在最高层级，没有上级可上报');
  });
});
