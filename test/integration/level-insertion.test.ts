/**
 * Inserting a level is one registry edit plus a migration (issue 11, point 4).
 * A store is populated by today's code; then a copy of the source with one
 * edit — 网格 (grid) added to LEVELS between 小区 and 社区 — is checked to
 * differ in that one file only, is started on the same table (the old tree is
 * still valid: the new level is optional), runs the documented command
 * `npm run migrate -- insert-level grid`, and the system works on: the tree
 * has its grids, the cases' paths follow, lists, statistics, intake and the
 * ladder use the new level.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { startLocalStack } from '../../infra/local/stack.ts';
import { startDynamo, type LocalServer } from '../../infra/local/servers.ts';
import { dropTable, dumpTable, sharedDynamoEndpoint, uniqueTableName } from '../support/dynamo.ts';
import { call, login } from '../support/stack.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** What the copy holds: everything the stack and the migration run from. */
const COPIED = ['shared', 'functions', 'infra', 'web/src', 'web/dist', 'web/build.ts', 'web/assets.ts', 'package.json', 'tsconfig.json'];
const REGISTRY = 'shared/domain/registry.ts';
/** The one edit: a level between 小区 and 社区, optional so that the stored tree stays valid until migrated. */
const GRID = `  {
    code: 'grid',
    name: '网格',
    workers: '网格员',
    optional: true,
    sla: {
      normal: { accept: { amount: 4, unit: 'workingHours' }, resolve: { amount: 6, unit: 'workingDays' } },
      urgent: { accept: { amount: 1, unit: 'hours' }, resolve: { amount: 48, unit: 'hours' } },
    },
  },
`;

let dynamo: LocalServer | undefined;
let endpoint: string;
let tableName: string;
let copy: string;
const ids: Record<string, string> = {};

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('close', (code) => done({ code, out }));
  });
}

beforeAll(async () => {
  const shared = sharedDynamoEndpoint();
  if (shared) {
    endpoint = shared;
    tableName = uniqueTableName('levels');
  } else {
    dynamo = await startDynamo();
    endpoint = dynamo.endpoint;
    tableName = 'levels';
  }
  // Today's code fills the store: cases at a building, at a compound, and one escalated from a compound to its community.
  const before = await startLocalStack({ port: 0, dynamodbEndpoint: endpoint, tableName, workers: false, seedCases: false });
  const file = async (key: string, unitId: string) => {
    const reply = await call(before, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: `${key}：路灯不亮`, location: { unitId } } });
    expect(reply.status, reply.text).toBe(201);
    ids[key] = reply.body.id as string;
  };
  await file('building', 'hp-xf-yg-1');
  await file('compound', 'hp-xf-yg');
  await file('escalated', 'hp-xf-cy');
  await file('other', 'hp-hx-jy-2');
  const runtime = await import('../../shared/service/runtime.ts');
  await runtime.cases.act(ids.escalated!, { type: 'escalate', reason: '需要社区协调' }, { kind: 'user', id: 'cy', name: '网格员', role: 'mediator', unitId: 'hp-xf-cy' });
  expect((await runtime.cases.act(ids.escalated!, { type: 'move_up', reason: 'manual' }, { kind: 'system', id: 'escalation-worker' })).state.unitId).toBe('hp-xf');
  await before.stop();

  copy = join(ROOT, 'test-artifacts', `level-insertion-${process.pid}-${Date.now()}`);
  await mkdir(join(copy, 'web'), { recursive: true });
  for (const path of COPIED) await cp(join(ROOT, path), join(copy, path), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const registry = await readFile(join(copy, REGISTRY), 'utf8');
  const at = registry.indexOf("  {\n    code: 'community',");
  expect(at).toBeGreaterThan(0);
  await writeFile(join(copy, REGISTRY), `${registry.slice(0, at)}${GRID}${registry.slice(at)}`);
}, 120_000);

afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
  if (dynamo) await dynamo.stop();
  else if (tableName) await dropTable(endpoint, tableName);
});

describe('adding 网格 between 小区 and 社区', () => {
  it('is one edit: the copy differs from the source in the registry only', async () => {
    const changed: string[] = [];
    for (const path of COPIED) {
      const base = join(ROOT, path);
      const list = path.includes('.') ? [''] : await files(base);
      for (const file of list) {
        const [a, b] = await Promise.all([readFile(join(base, file)), readFile(join(copy, path, file))]);
        if (!a.equals(b)) changed.push(join(path, file));
      }
    }
    expect(changed).toEqual([REGISTRY]);
  });

  it('runs on the stored tree until migrated, then `npm run migrate -- insert-level grid` fills in the level and moves the cases with their units', async () => {
    process.env.TREE_CHECK_SECONDS = '0';
    const { startLocalStack: startEdited } = (await import(pathToFileURL(join(copy, 'infra/local/stack.ts')).href)) as typeof import('../../infra/local/stack.ts');
    const stack: LocalStack = await startEdited({ port: 0, dynamodbEndpoint: endpoint, tableName, workers: false, seedCases: false });
    try {
      const officer = { headers: { authorization: `Bearer ${await login(stack, 'township-mediator')}` } };
      const admin = { headers: { authorization: `Bearer ${await login(stack, 'admin')}` } };
      // Before the migration: the old tree is valid under the new registry, and the system works.
      const units = await call(stack, 'GET', '/v1/units', admin);
      expect(units.status, units.text).toBe(200);
      expect(units.body.items.some((u: { level: string }) => u.level === 'grid')).toBe(false);
      expect((await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '迁移前的诉求', location: { unitId: 'hp-xf-cy-2' } } })).status).toBe(201);

      const migrated = await run('npm', ['run', '--silent', 'migrate', '--', 'insert-level', 'grid', '--settle-seconds', '1'], copy, {
        DYNAMODB_ENDPOINT: endpoint,
        TABLE_NAME: tableName,
        AWS_REGION: 'cn-north-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      expect(migrated.code, migrated.out).toBe(0);
      expect(migrated.out).toContain('3 units of 网格 (grid) added, 6 units moved under them');
      expect(migrated.out).toMatch(/re-indexing: \d+ cases looked at, 5 rewritten, 0 change\(s\) of the tree still owed/);

      const tree = (await call(stack, 'GET', '/v1/units', admin)).body as { items: { id: string; level: string; parentId?: string; path: string }[]; reindex: unknown[] };
      expect(tree.items.filter((u) => u.level === 'grid').map((u) => [u.id, u.parentId])).toEqual([
        ['hp-hx-grid', 'hp-hx'],
        ['hp-xf-grid', 'hp-xf'],
        ['wa-gms-grid', 'wa-gms'],
      ]);
      expect(tree.items.find((u) => u.id === 'hp-xf-yg-1')?.path).toBe('/zj/hp/hp-xf/hp-xf-grid/hp-xf-yg/hp-xf-yg-1/');
      expect(tree.reindex).toEqual([]);

      // The cases' paths followed their units, in every index.
      const items = await dumpTable(stack.dynamodb, tableName);
      const state = (key: string) => items.find((i) => i.pk === `CASE#${ids[key]}` && i.sk === 'STATE');
      expect(state('building')).toMatchObject({ unitPath: '/zj/hp/hp-xf/hp-xf-grid/hp-xf-yg/hp-xf-yg-1/', treeSk: expect.stringMatching(/^\/zj\/hp\/hp-xf\/hp-xf-grid\/hp-xf-yg\/hp-xf-yg-1\/\|/) });
      expect(state('escalated')).toMatchObject({ unitPath: '/zj/hp/hp-xf/', originPath: '/zj/hp/hp-xf/hp-xf-grid/hp-xf-cy/' });

      // Lists and statistics of the new level.
      const listed = await call(stack, 'GET', '/v1/cases?scope=subtree&unitId=hp-xf-grid&limit=200', officer);
      expect(listed.status, listed.text).toBe(200);
      const inGrid = listed.body.items.map((i: { id: string }) => i.id);
      expect(inGrid).toEqual(expect.arrayContaining([ids.building, ids.compound]));
      expect(inGrid).not.toContain(ids.escalated);
      const stats = await call(stack, 'GET', '/v1/stats?unitId=hp-xf', officer);
      expect(stats.body.byChild.map((r: { unitId: string; total: number }) => [r.unitId, r.total])).toEqual([['hp-xf-grid', 4]]);
      expect(stats.body.byLevel).toHaveProperty('grid');

      // The ladder climbs through the new level, with its own limits.
      const compound = await call(stack, 'GET', `/v1/cases/${ids.compound}`, officer);
      const runtime = (await import(pathToFileURL(join(copy, 'shared/service/runtime.ts')).href)) as typeof import('../../shared/service/runtime.ts');
      await runtime.cases.act(ids.compound!, { type: 'escalate', reason: '需要网格协调' }, { kind: 'user', id: 'yg', name: '网格员', role: 'mediator', unitId: 'hp-xf-yg' }, compound.body.version);
      const up = await runtime.cases.act(ids.compound!, { type: 'move_up', reason: 'manual' }, { kind: 'system', id: 'escalation-worker' });
      expect(up.state).toMatchObject({ unitId: 'hp-xf-grid', level: 'grid' });
      expect(up.state.clocks?.resolveBasis).toBe('working');

      // New cases file as before; a second run of the migration finds nothing to do.
      expect((await call(stack, 'POST', '/v1/cases', { body: { source: 'hotline', center: 'voice', description: '迁移后的诉求', location: { unitId: 'hp-xf-yg-2' } } })).status).toBe(201);
      const again = await run('npm', ['run', '--silent', 'migrate', '--', 'insert-level', 'grid', '--settle-seconds', '0'], copy, {
        DYNAMODB_ENDPOINT: endpoint,
        TABLE_NAME: tableName,
        AWS_REGION: 'cn-north-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      expect(again.code, again.out).toBe(0);
      expect(again.out).toContain('every unit already has its 网格 (grid); nothing to change');
    } finally {
      await stack.stop();
      delete process.env.TREE_CHECK_SECONDS;
    }
  }, 120_000);
});
