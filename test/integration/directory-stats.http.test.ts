/** Units import, account management and statistics through HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { Outbox } from '../../shared/store/outbox.ts';
import { StatCounters } from '../../shared/store/stat-counters.ts';
import { dueShard } from '../../shared/store/codec.ts';
import { DUE_SHARDS } from '../../shared/store/schema.ts';
import { dumpTable } from '../support/dynamo.ts';
import { call, deliverPending, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
let admin: { headers: Record<string, string> };

beforeAll(async () => {
  stack = await startTestStack();
  admin = { headers: { authorization: `Bearer ${await login(stack, 'admin')}` } };
});
afterAll(() => stack.stop());

describe('units', () => {
  it('imports units from CSV (a township keeps them in a spreadsheet) and from JSON', async () => {
    const csv = '\uFEFFid,name,level,parentId,contactName,contactPhone\nhp-hx-xy,新月小区,compound,hp-hx,网格员 孙,13800000009\nhp-hx-xy-1,1栋,building,hp-hx-xy,,\n';
    const imported = await call(stack, 'POST', '/v1/units/import', { ...admin, raw: csv, headers: { ...admin.headers, 'content-type': 'text/csv' } });
    expect(imported.status).toBe(200);
    expect(imported.body.imported).toBe(2);
    const byJson = await call(stack, 'POST', '/v1/units/import', { ...admin, body: { units: [{ id: 'hp-hx-xy-2', name: '2栋', level: 'building', parentId: 'hp-hx-xy' }] } });
    expect(byJson.status).toBe(200);
    const units = await call(stack, 'GET', '/v1/units', admin);
    const added = units.body.items.find((u: { id: string }) => u.id === 'hp-hx-xy-1');
    expect(added).toMatchObject({ fullName: '和平街道 和谐社区 新月小区 1栋', level: 'building', path: '/zj/hp/hp-hx/hp-hx-xy/hp-hx-xy-1/' });
    // A case can be filed to the new building at once.
    const filed = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '新楼栋的路灯坏了', location: { address: '新月小区1栋' } } });
    expect(filed.body.unitId).toBe('hp-hx-xy-1');
  });

  it('previews an import with dryRun=true — what it would create and change — and writes nothing; a re-import of the same sheet writes nothing either', async () => {
    const csv = 'id,name,level,parentId,contactName,contactPhone\nhp-xf-cy-3,3栋,building,hp-xf-cy,,\nhp-xf-cy-1,1栋,building,hp-xf-cy,联户长 何,13800000031\nhp-xf-cy-2,2栋,building,hp-xf-cy,,\n';
    const send = (query: string) => call(stack, 'POST', `/v1/units/import${query}`, { ...admin, raw: csv, headers: { ...admin.headers, 'content-type': 'text/csv' } });
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const preview = await send('?dryRun=true');
    expect(preview.status, preview.text).toBe(200);
    const unitsBefore = (await call(stack, 'GET', '/v1/units', admin)).body.items.length;
    const version = (await call(stack, 'GET', '/v1/units', admin)).body.version as number;
    expect(preview.body).toEqual({ dryRun: true, imported: 2, units: unitsBefore + 1, created: ['hp-xf-cy-3'], updated: ['hp-xf-cy-1'], unchanged: 1, moved: [], version });
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);

    const done = await send('');
    expect(done.body).toMatchObject({ dryRun: false, imported: 2, created: ['hp-xf-cy-3'], updated: ['hp-xf-cy-1'], unchanged: 1, version: version + 1 });
    const units = (await call(stack, 'GET', '/v1/units', admin)).body.items as { id: string; contacts?: unknown }[];
    expect(units.find((u) => u.id === 'hp-xf-cy-1')?.contacts).toEqual([{ name: '联户长 何', phone: '13800000031' }]);

    const afterImport = await dumpTable(stack.dynamodb, stack.tableName);
    expect((await send('')).body).toMatchObject({ imported: 0, created: [], updated: [], unchanged: 3 });
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(afterImport);

    // A sheet without contact columns keeps the stored contacts; an empty contact cell clears them.
    const csvOf = (text: string) => call(stack, 'POST', '/v1/units/import', { ...admin, raw: text, headers: { ...admin.headers, 'content-type': 'text/csv' } });
    expect((await csvOf('id,name,level,parentId\nhp-xf-cy-1,1栋,building,hp-xf-cy\n')).body).toMatchObject({ imported: 0, unchanged: 1 });
    const cleared = await csvOf('id,name,level,parentId,contactName,contactPhone\nhp-xf-cy-1,1栋,building,hp-xf-cy,,\n');
    expect(cleared.body).toMatchObject({ updated: ['hp-xf-cy-1'] });
    const after = (await call(stack, 'GET', '/v1/units', admin)).body.items as { id: string; contacts?: unknown[] }[];
    expect(after.find((u) => u.id === 'hp-xf-cy-1')?.contacts ?? []).toEqual([]);

    const badFlag = await send('?dryRun=maybe');
    expect(badFlag.status).toBe(400);
    expect(badFlag.body.error.issues).toEqual([{ path: 'dryRun', message: '须为 true 或 false' }]);
  });

  it('imports a sheet of a thousand buildings in one request', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `hp-hx-lw-b${i},${i + 1}号院,building,hp-hx-lw,,`);
    const reply = await call(stack, 'POST', '/v1/units/import', {
      ...admin,
      raw: `id,name,level,parentId,contactName,contactPhone\n${rows.join('\n')}\n`,
      headers: { ...admin.headers, 'content-type': 'text/csv' },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.created).toHaveLength(1000);
    const units = (await call(stack, 'GET', '/v1/units', admin)).body.items as { id: string; fullName: string }[];
    expect(units.filter((u) => u.id.startsWith('hp-hx-lw-b'))).toHaveLength(1000);
    expect(units.find((u) => u.id === 'hp-hx-lw-b999')?.fullName).toBe('和平街道 和谐社区 柳湾村民小组 1000号院');
  });

  it('refuses an import that would break the tree, naming each problem, and writes nothing', async () => {
    const before = await dumpTable(stack.dynamodb, stack.tableName);
    const bad = await call(stack, 'POST', '/v1/units/import', {
      ...admin,
      body: {
        units: [
          { id: 'hp-x', name: '错层', level: 'building', parentId: 'hp' },
          { id: 'hp-y', name: '孤儿', level: 'compound', parentId: 'nowhere' },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { message: string }) => i.message)).toEqual([
      '楼栋的上级须为小区，不能是镇/街道',
      '「nowhere」不存在',
    ]);
    const notCsv = await call(stack, 'POST', '/v1/units/import', { ...admin, raw: 'id,name\n"unclosed', headers: { ...admin.headers, 'content-type': 'text/csv' } });
    expect(notCsv.status).toBe(400);
    const wrongType = await call(stack, 'POST', '/v1/units/import', { ...admin, raw: '<units/>', headers: { ...admin.headers, 'content-type': 'application/xml' } });
    expect(wrongType.status).toBe(415);
    const notAdmin = await call(stack, 'POST', '/v1/units/import', { headers: { authorization: `Bearer ${await login(stack, 'township-mediator')}` }, body: { units: [] } });
    expect(notAdmin.status).toBe(403);
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });
});

describe('accounts', () => {
  it('an admin creates an account that can log in, and disabling it locks it out at once', async () => {
    const created = await call(stack, 'POST', '/v1/users', {
      ...admin,
      body: { username: 'yg2-liaison', displayName: '黄联户长', role: 'liaison', unitId: 'hp-xf-yg-2', password: 'a-long-password', phone: '13800000022' },
    });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty('passwordHash');
    const token = (await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'yg2-liaison', password: 'a-long-password' } })).body.token;
    const me = await call(stack, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.body).toMatchObject({ username: 'yg2-liaison', role: 'liaison', unit: { id: 'hp-xf-yg-2', level: 'building' } });

    expect((await call(stack, 'PATCH', '/v1/users/yg2-liaison', { ...admin, body: { disabled: true } })).status).toBe(200);
    expect((await call(stack, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const relogin = await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'yg2-liaison', password: 'a-long-password' } });
    expect(relogin.status).toBe(401);
  });

  it('refuses bad accounts with precise messages', async () => {
    const taken = await call(stack, 'POST', '/v1/users', { ...admin, body: { username: 'admin', displayName: 'x', role: 'admin', unitId: 'hp', password: 'long-enough-pw' } });
    expect([taken.status, taken.body.error.code]).toEqual([409, 'conflict']);
    const short = await call(stack, 'POST', '/v1/users', { ...admin, body: { username: 'newbie', displayName: 'x', role: 'mediator', unitId: 'hp', password: 'short' } });
    expect(short.body.error.issues).toEqual([{ path: 'password', message: '至少 12 位' }]);
    const unit = await call(stack, 'POST', '/v1/users', { ...admin, body: { username: 'newbie', displayName: 'x', role: 'mediator', unitId: 'nowhere', password: 'long-enough-pw' } });
    expect(unit.body.error.issues[0].path).toBe('unitId');
    const self = await call(stack, 'PATCH', '/v1/users/admin', { ...admin, body: { disabled: true } });
    expect(self.status).toBe(400);
  });

  it('mediators see the volunteers they can dispatch to, and nobody\'s password hash', async () => {
    const community = { headers: { authorization: `Bearer ${await login(stack, 'community-mediator')}` } };
    const users = await call(stack, 'GET', '/v1/users?role=volunteer', community);
    expect(users.body.items).toEqual([{ username: 'volunteer', displayName: '刘洋（党员志愿者）', role: 'volunteer', unitId: 'hp-xf' }]);
  });

  it('locks out repeated wrong passwords', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'leader', password: 'wrong' } })).status).toBe(401);
    }
    const locked = await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'leader', password: stack.password } });
    expect(locked.status).toBe(429);
  });
});

describe('statistics', () => {
  it('counts the cases under a unit in the range, and refuses units outside the jurisdiction', async () => {
    const community = { headers: { authorization: `Bearer ${await login(stack, 'community-mediator')}` } };
    const before = await call(stack, 'GET', '/v1/stats', community);
    const ids: string[] = [];
    for (const unitId of ['hp-xf-yg-1', 'hp-xf-cy-2', 'hp-hx-jy-1']) {
      ids.push((await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'welfare', description: '低保咨询', location: { unitId } } })).body.id);
    }
    // No relay runs in this stack: the read counts the cases it needs, and only those.
    const after = await call(stack, 'GET', '/v1/stats', community);
    expect(after.status).toBe(200);
    // Two of the three arose under 幸福社区.
    expect(after.body.total - before.body.total).toBe(2);
    const counters = new StatCounters(stack.dynamodb, stack.tableName);
    expect(await Promise.all(ids.map(async (id) => (await counters.counted(id)).n))).toEqual([1, 1, 0]);
    expect(after.body.byCenter.welfare - before.body.byCenter.welfare).toBe(2);
    expect(after.body.labels.centers.welfare).toBe('民生保障');
    // 各下级单位: one new case under each of 幸福社区's two compounds.
    const rows = (body: { byChild: { unitId: string; total: number }[] }) => Object.fromEntries(body.byChild.map((r) => [r.unitId, r.total]));
    const [was, now] = [rows(before.body), rows(after.body)];
    expect(Object.keys(now).sort()).toEqual(['hp-xf-cy', 'hp-xf-yg']);
    expect([now['hp-xf-yg']! - was['hp-xf-yg']!, now['hp-xf-cy']! - was['hp-xf-cy']!]).toEqual([1, 1]);
    expect((await call(stack, 'GET', '/v1/stats?unitId=hp-hx', community)).status).toBe(404);
    expect((await call(stack, 'GET', '/v1/stats?from=2026-12-01&to=2026-11-01', community)).status).toBe(400);
    expect((await call(stack, 'GET', '/v1/stats?from=2020-01-01&to=2026-11-01', community)).body.error.issues[0].path).toBe('to');
    expect((await call(stack, 'GET', '/v1/stats?from=2026-02-30', community)).body.error.issues[0].path).toBe('from');
  });

  it('a case 退回 out of a compound leaves the compound’s figures at the next read, before the relay delivers it', async () => {
    const as = async (user: string) => ({ headers: { authorization: `Bearer ${await login(stack, user)}` } });
    const [community, compound] = [await as('community-mediator'), await as('compound-mediator')];
    const total = async () => (await call(stack, 'GET', '/v1/stats', compound)).body.total as number;
    const act = async (who: { headers: Record<string, string> }, id: string, body: Record<string, unknown>) => {
      const current = await call(stack, 'GET', `/v1/cases/${id}`, who);
      const reply = await call(stack, 'POST', `/v1/cases/${id}/actions`, { ...who, body: { expectedVersion: current.body.version, ...body } });
      expect(reply.status, reply.text).toBe(200);
      return reply.body;
    };
    const before = await total();
    const filed = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '社区里的路灯不亮', location: { address: '幸福社区' } } });
    expect(filed.body).toMatchObject({ unitId: 'hp-xf', originUnitId: 'hp-xf' });
    // 派单 to 阳光小区 is routing: the matter arose there.
    expect(await act(community, filed.body.id, { type: 'dispatch', toUnitId: 'hp-xf-yg' })).toMatchObject({ originUnitId: 'hp-xf-yg' });
    expect(await total()).toBe(before + 1);
    // 退回: it was never the compound's; it arose where it goes back to.
    expect(await act(compound, filed.body.id, { type: 'return', reason: '不属于本小区' })).toMatchObject({ originUnitId: 'hp-xf' });
    expect(await total()).toBe(before);
  });

  it('reads dates as China days: a case received at 07:00 on 1 December in China is December’s, not November’s', async () => {
    const { clock } = await import('../../shared/service/clock.ts');
    const township = { headers: { authorization: `Bearer ${await login(stack, 'township-mediator')}` } };
    // The community, not 柳湾 (a thousand buildings since the import above: its statistics read a row range per child).
    const count = async (query: string) => (await call(stack, 'GET', `/v1/stats?unitId=hp-hx&${query}`, township)).body.total as number;
    try {
      for (const local of ['2025-11-01T07:00:00', '2025-11-30T23:30:00', '2025-12-01T07:00:00']) {
        clock.set(() => new Date(`${local}+08:00`));
        const filed = await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '柳湾路灯不亮', location: { unitId: 'hp-hx-lw-1' } } });
        expect(filed.status, filed.text).toBe(201);
      }
    } finally {
      clock.reset();
    }
    expect(await count('from=2025-11-01&to=2025-11-30')).toBe(2);
    expect(await count('from=2025-12-01&to=2025-12-01')).toBe(1);
    // A date-time is an instant: to the exclusive end, the day before it.
    expect(await count('from=2025-11-01T00:00:00%2B08:00&to=2025-12-01T00:00:00%2B08:00')).toBe(2);
    // Lists read from/to the same way.
    const listed = await call(stack, 'GET', '/v1/cases?scope=subtree&unitId=hp-hx-lw&from=2025-12-01&to=2025-12-01', township);
    expect(listed.body.items).toHaveLength(1);
  });

  it('behind a backlog of the relay answers from the counters as they stand, says so, and reads no case; the relay brings them up to date', async () => {
    const compound = { headers: { authorization: `Bearer ${await login(stack, 'compound-mediator')}` } };
    const stats = async () => (await call(stack, 'GET', '/v1/stats?unitId=hp-xf-yg', compound)).body;
    const building = (body: { byChild: { unitId: string; total: number }[] }) => body.byChild.find((r) => r.unitId === 'hp-xf-yg-1')?.total ?? 0;
    const before = await stats();
    expect(before.catchingUp).toBe(false);
    // No relay runs in this stack: cases filed until one shard of the pending index holds more than a read counts.
    const ids: string[] = [];
    const perShard = () => Math.max(...Array.from({ length: DUE_SHARDS }, (_, s) => ids.filter((id) => dueShard(id) === s).length));
    while (perShard() < 25) {
      const filed = await Promise.all(
        Array.from({ length: 10 }, () => call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'welfare', description: '楼道灯坏了', location: { unitId: 'hp-xf-yg-1' } } })),
      );
      ids.push(...filed.map((r) => r.body.id as string));
    }
    const behind = await stats();
    expect(behind.catchingUp).toBe(true);
    expect([behind.total, building(behind)]).toEqual([before.total, building(before)]);
    const counters = new StatCounters(stack.dynamodb, stack.tableName);
    expect((await counters.countedMany(ids)).size).toBe(0);
    await deliverPending(stack);
    const after = await stats();
    expect(after.catchingUp).toBe(false);
    expect([after.total, building(after)]).toEqual([before.total + ids.length, building(before) + ids.length]);
  });
});

describe('the outbox', () => {
  it("shows an admin the messages about cases in their jurisdiction; those tied to no case only to a township's admin", async () => {
    const outbox = new Outbox(stack.dynamodb, stack.tableName);
    const at = '2026-11-20T02:00:00.000Z';
    const base = { at, seq: 1, topic: 'status', channel: 'sms', provider: 'console', recipientName: '群众', text: '进度' };
    await outbox.claim({ ...base, caseId: 'XFCASE0001', n: 0, to: '13900000001', unitId: 'hp-xf-yg-1' });
    await outbox.claim({ ...base, caseId: 'HXCASE0001', n: 0, to: '13900000002', unitId: 'hp-hx-jy-1' });
    await outbox.claim({ ...base, caseId: '', n: 0, ref: 'sms:aliyun:1', topic: 'reply', to: '13900000003' });

    const created = await call(stack, 'POST', '/v1/users', {
      ...admin,
      body: { username: 'xf-admin', displayName: '幸福社区管理员', role: 'admin', unitId: 'hp-xf', password: 'a-long-password' },
    });
    expect(created.status, created.text).toBe(201);
    const token = (await call(stack, 'POST', '/v1/auth/login', { key: null, body: { username: 'xf-admin', password: 'a-long-password' } })).body.token as string;
    const community = { headers: { authorization: `Bearer ${token}` } };
    const seen = async (as: typeof admin) => {
      const reply = await call(stack, 'GET', '/v1/outbox?date=2026-11-20', as);
      expect(reply.status, reply.text).toBe(200);
      return (reply.body.items as { to: string }[]).map((e) => e.to).sort();
    };
    // Phones as 通知记录 shows them: masked.
    expect(await seen(admin)).toEqual(['139****0001', '139****0002', '139****0003']);
    expect(await seen(community)).toEqual(['139****0001']);
  });

  it('a day is a China day: from midnight in China (16:00 UTC the day before), paged across the two UTC days it touches', async () => {
    const outbox = new Outbox(stack.dynamodb, stack.tableName);
    const base = { seq: 1, topic: 'status', channel: 'sms', provider: 'console', recipientName: '群众', text: '进度', unitId: 'hp-xf-yg-1' };
    for (const [at, to] of [
      ['2026-11-07T15:59:00.000Z', '13900000070'], // 23:59 on 7 Nov in China
      ['2026-11-07T16:00:00.000Z', '13900000080'], // 00:00 on 8 Nov
      ['2026-11-08T02:00:00.000Z', '13900000081'],
      ['2026-11-08T15:59:59.999Z', '13900000082'], // 23:59 on 8 Nov
      ['2026-11-08T16:00:00.000Z', '13900000090'], // 00:00 on 9 Nov
    ] as const) {
      await outbox.claim({ ...base, at, caseId: `DAY${to}`, n: 0, to });
    }
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const reply: { status: number; text: string; body: { items: { to: string }[]; cursor: string | null } } = await call(
        stack,
        'GET',
        `/v1/outbox?date=2026-11-08&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        admin,
      );
      expect(reply.status, reply.text).toBe(200);
      pages.push(reply.body.items.map((e) => e.to));
      cursor = reply.body.cursor;
    } while (cursor && pages.length < 10);
    // Newest first, one a page.
    expect(pages.flat()).toEqual(['139****0082', '139****0081', '139****0080']);
    const bad = await call(stack, 'GET', '/v1/outbox?date=2026-11-08&cursor=1.not-a-key', admin);
    expect([bad.status, bad.body.error.issues[0].path]).toEqual([400, 'cursor']);
  });
});
