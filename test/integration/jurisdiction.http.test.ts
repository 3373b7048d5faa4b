/**
 * The one jurisdiction check for changes to the unit tree: an admin may create
 * or change a unit only if their subtree holds where it is, where it goes and
 * both its parents. Everything else is 403 naming the units, JSON or CSV, dry
 * run or not, and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dumpTable, settledDump } from '../support/dynamo.ts';
import { call, login, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
let township: { headers: Record<string, string> };
let community: { headers: Record<string, string> };
let otherCase: string;

beforeAll(async () => {
  stack = await startTestStack();
  township = { headers: { authorization: `Bearer ${await login(stack, 'admin')}` } };
  const created = await call(stack, 'POST', '/v1/users', { ...township, body: { username: 'xf-admin', displayName: '幸福社区管理员', role: 'admin', unitId: 'hp-xf', password: 'xf-admin-password' } });
  expect(created.status).toBe(201);
  community = { headers: { authorization: `Bearer ${await login(stack, 'xf-admin', 'xf-admin-password')}` } };
  otherCase = (await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '和谐家园的事', reporter: { name: '钱先生', phone: '13912340999' }, location: { unitId: 'hp-hx-jy-1' } } })).body.id;
});
afterAll(() => stack.stop());

const importJson = (who: typeof township, units: unknown[], dryRun = false) => call(stack, 'POST', `/v1/units/import${dryRun ? '?dryRun=true' : ''}`, { ...who, body: { units } });
const importCsv = (who: typeof township, csv: string, dryRun = false) =>
  call(stack, 'POST', `/v1/units/import${dryRun ? '?dryRun=true' : ''}`, { ...who, raw: csv, headers: { ...who.headers, 'content-type': 'text/csv' } });

describe('a community admin changing the tree', () => {
  const refusals = [
    { name: 'pulls another community’s compound into its own subtree', units: [{ id: 'hp-hx-jy', name: '和谐家园', level: 'compound', parentId: 'hp-xf' }], named: ['hp-hx-jy'] },
    { name: 'pushes its own compound out of its subtree', units: [{ id: 'hp-xf-yg', name: '阳光小区', level: 'compound', parentId: 'hp-hx' }], named: ['hp-xf-yg'] },
    { name: 'creates a unit under another community', units: [{ id: 'hp-hx-new', name: '新小区', level: 'compound', parentId: 'hp-hx' }], named: ['hp-hx-new'] },
    { name: 'renames another community’s building', units: [{ id: 'hp-hx-jy-1', name: '一栋', level: 'building', parentId: 'hp-hx-jy' }], named: ['hp-hx-jy-1'] },
    { name: 'changes its own community (whose parent it does not hold)', units: [{ id: 'hp-xf', name: '幸福社区居委会', level: 'community', parentId: 'hp' }], named: ['hp-xf'] },
    {
      name: 'mixes allowed rows with refused ones',
      units: [
        { id: 'hp-xf-cy', name: '翠苑新村', level: 'compound', parentId: 'hp-xf' },
        { id: 'hp-hx-jy', name: '和谐家园', level: 'compound', parentId: 'hp-xf' },
        { id: 'hp-hx-lw', name: '柳湾', level: 'compound', parentId: 'hp-xf' },
      ],
      named: ['hp-hx-jy', 'hp-hx-lw'],
    },
  ];

  it.each(refusals)('$name: 403 naming the units, JSON and CSV, dry run too, nothing written', async ({ units, named }) => {
    const before = await settledDump(stack.dynamodb, stack.tableName);
    const csv = ['id,name,level,parentId', ...units.map((u) => `${u.id},${u.name},${u.level},${u.parentId}`)].join('\n');
    for (const reply of [await importJson(community, units), await importJson(community, units, true), await importCsv(community, csv), await importCsv(community, csv, true)]) {
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe('forbidden');
      expect(reply.body.error.issues.map((i: { path: string }) => i.path)).toEqual(named.map((id) => `units.${id}`));
      for (const id of named) expect(reply.body.error.message).toContain(id);
    }
    expect(await dumpTable(stack.dynamodb, stack.tableName)).toEqual(before);
  });

  it('still cannot read the other community’s cases after a refused pull', async () => {
    await importJson(community, [{ id: 'hp-hx-jy', name: '和谐家园', level: 'compound', parentId: 'hp-xf' }]);
    const read = await call(stack, 'GET', `/v1/cases/${otherCase}`, community);
    expect(read.status).toBe(404);
    expect(read.text).not.toContain('钱');
  });

  it('changes what its subtree holds, and re-imports the township’s whole sheet when only its rows changed', async () => {
    const renamed = await importJson(community, [{ id: 'hp-xf-yg-3', name: '3号楼', level: 'building', parentId: 'hp-xf-yg' }]);
    expect([renamed.status, renamed.body.updated]).toEqual([200, ['hp-xf-yg-3']]);
    const all = (await call(stack, 'GET', '/v1/units', community)).body.items as { id: string; name: string; level: string; parentId?: string }[];
    const sheet = all.map((u) => ({ id: u.id, name: u.id === 'hp-xf-cy-2' ? '2号楼' : u.name, level: u.level, ...(u.parentId ? { parentId: u.parentId } : {}) }));
    const whole = await importJson(community, sheet);
    expect(whole.status).toBe(200);
    expect(whole.body.updated).toEqual(['hp-xf-cy-2']);
  });

  it('the township’s admin may move a compound between its communities', async () => {
    const moved = await importJson(township, [{ id: 'hp-hx-lw', name: '柳湾村民小组', level: 'compound', parentId: 'hp-xf' }]);
    expect([moved.status, moved.body.updated]).toEqual([200, ['hp-hx-lw']]);
  });
});
