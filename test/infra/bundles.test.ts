/**
 * Every Lambda bundle built exactly as the CDK stack builds it, then loaded in a
 * fresh Node process with nothing but the bundle directory: catches a module
 * left external that the bundle needs, or a file it reads that is not shipped.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunction } from '../../infra/bundling.ts';
import { functionList } from '../../infra/topology.ts';
import { buildWeb, webIsStale } from '../../web/build.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
let dir: string;

/** Runs `script` as an ES module in a new Node process whose only code is the bundle; returns what it prints. */
async function inFreshNode(cwd: string, script: string): Promise<string> {
  const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'cn-north-1', TABLE_NAME: 'bundle-test' };
  const { stdout } = await run(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], { cwd, env });
  return stdout.trim();
}

beforeAll(async () => {
  if (await webIsStale()) await buildWeb();
  dir = await mkdtemp(join(tmpdir(), 'mdt-bundles-'));
  // One esbuild service builds them all at once (it spreads the work over the cores itself).
  await Promise.all(functionList().map(([name, def]) => buildFunction(ROOT, def, join(dir, name))));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Lambda bundles', () => {
  it.each(functionList().map(([name]) => name))('%s loads on its own and exports a handler', async (name) => {
    const printed = await inFreshNode(join(dir, name), "const m = await import('./index.mjs'); console.log(typeof m.handler)");
    expect(printed).toBe('function');
  });

  it('web ships the page data beside its code, and the built handler serves the page from it', async () => {
    expect((await readdir(join(dir, 'web'))).sort()).toEqual(['assets.json', 'index.mjs', 'index.mjs.map']);
    const script = `
      const { handler } = await import('./index.mjs');
      const r = await handler({ rawPath: '/admin/', headers: {}, requestContext: { http: { method: 'GET' } } });
      console.log(JSON.stringify({ status: r.statusCode, html: Buffer.from(r.body, 'base64').toString('utf8').slice(0, 200) }));`;
    const reply = JSON.parse(await inFreshNode(join(dir, 'web'), script)) as { status: number; html: string };
    expect(reply.status).toBe(200);
    expect(reply.html).toContain('<html lang="zh-CN">');
  });
});
