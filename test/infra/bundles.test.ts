/**
 * Every Lambda bundle built exactly as the CDK stack builds it, then loaded in a
 * fresh Node process with nothing but the bundle directory: catches a module
 * left external that the bundle needs, or a file it reads that is not shipped.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Metafile } from 'esbuild';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunction, CHUNK_DIR } from '../../infra/bundling.ts';
import { functionList } from '../../infra/topology.ts';
import { buildWeb, webIsStale } from '../../web/build.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
let dir: string;
const metafiles = new Map<string, Metafile>();

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
  await Promise.all(
    functionList().map(async ([name, def]) => metafiles.set(name, (await buildFunction(ROOT, def, join(dir, name))).metafile)),
  );
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Lambda bundles', () => {
  it.each(functionList().map(([name]) => name))('%s loads on its own and exports a handler, without compiling Node’s web streams', async (name) => {
    const printed = await inFreshNode(
      join(dir, name),
      "const m = await import('./index.mjs'); console.log(typeof m.handler, process.moduleLoadList.includes('NativeModule stream/web'))",
    );
    // middy imports node:stream/web for streamed responses only; the bundles give it a stand-in (infra/bundling.ts).
    expect(printed).toBe('function false');
  });

  it('loads csv-parse lazily: the directory function carries it in a chunk of its own, a real file that loads', async () => {
    const outputs = Object.entries(metafiles.get('directory')!.outputs).filter(([file]) => file.endsWith('.mjs'));
    const holding = (pkg: string) => outputs.filter(([, o]) => Object.keys(o.inputs).some((i) => i.includes(`node_modules/${pkg}/`))).map(([file]) => file);
    const [csvChunk, ...more] = holding('csv-parse');
    expect(more).toEqual([]);
    const chunk = relative(join(dir, 'directory'), resolve(ROOT, csvChunk!));
    expect(chunk.startsWith(`${CHUNK_DIR}/`)).toBe(true);
    await access(join(dir, 'directory', chunk));
    // The function's own entry: with splitting, each dynamically imported module is an entry point of its chunk too.
    const entry = outputs.find(([file]) => file.endsWith('/index.mjs'))!;
    expect(Object.keys(entry[1].inputs).some((i) => i.includes('node_modules/csv-parse/'))).toBe(false);
    expect(entry[1].imports.some((i) => i.kind === 'dynamic-import' && resolve(ROOT, i.path) === resolve(ROOT, csvChunk!))).toBe(true);
    const printed = await inFreshNode(join(dir, 'directory'), `const m = await import('./${chunk}'); console.log(Object.keys(m).length > 0)`);
    expect(printed).toBe('true');
  });

  it('what a cold start loads carries no tracing library, and the S3 SDK, Secrets Manager client, jose and file-type only in lazy chunks (Cognito too, but for auth)', async () => {
    /** Packages in the entry and the chunks it imports statically, transitively: what an import of the function evaluates. */
    const atStart = (metafile: Metafile) => {
      const entry = Object.keys(metafile.outputs).find((file) => file.endsWith('/index.mjs'))!;
      const files = new Set<string>();
      const visit = (file: string) => {
        if (files.has(file) || !metafile.outputs[file]) return;
        files.add(file);
        for (const i of metafile.outputs[file].imports) if (i.kind === 'import-statement') visit(i.path);
      };
      visit(entry);
      return [...files].flatMap((file) => Object.keys(metafile.outputs[file]!.inputs));
    };
    const everywhere = (metafile: Metafile) => Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    const has = (inputs: readonly string[], pkg: string) => inputs.some((i) => i.includes(`node_modules/${pkg}/`));
    for (const [name, metafile] of metafiles) {
      for (const pkg of ['aws-xray-sdk-core', '@aws-lambda-powertools/tracer', 'cls-hooked']) expect(has(everywhere(metafile), pkg), `${name}: ${pkg}`).toBe(false);
      for (const pkg of ['@aws-sdk/client-s3', '@aws-sdk/s3-request-presigner', '@aws-sdk/client-secrets-manager', '@aws-lambda-powertools/parameters', 'jose', 'file-type']) {
        expect(has(atStart(metafile), pkg), `${name}: ${pkg} at start`).toBe(false);
      }
    }
    // Account changes are a rare path of these two: the Cognito client loads at the first (auth signs in with it at every request).
    for (const name of ['directory', 'volunteers']) expect(has(atStart(metafiles.get(name)!), '@aws-sdk/client-cognito-identity-provider'), `${name}: Cognito at start`).toBe(false);
    // A sheet is a rare request of households too (directory's is checked above).
    expect(has(atStart(metafiles.get('households')!), 'csv-parse'), 'households: csv-parse at start').toBe(false);
    // Still shipped, in the chunks the paths that need them load.
    const attachments = everywhere(metafiles.get('attachments')!);
    for (const pkg of ['@aws-sdk/client-s3', '@aws-sdk/s3-request-presigner', '@aws-sdk/client-secrets-manager', 'jose', 'file-type']) expect(has(attachments, pkg), pkg).toBe(true);
    expect(has(everywhere(metafiles.get('directory')!), '@aws-sdk/client-cognito-identity-provider')).toBe(true);
  });

  it('every chunk an entry imports is shipped beside it', async () => {
    for (const [name, metafile] of metafiles) {
      for (const [file, output] of Object.entries(metafile.outputs)) {
        if (!file.endsWith('.mjs')) continue;
        for (const i of output.imports.filter((x) => !x.external)) await expect(access(resolve(ROOT, i.path)), `${name}: ${i.path}`).resolves.toBeUndefined();
      }
    }
  });

  it('web ships the page data beside its code, and the built handler serves the page from it', async () => {
    expect((await readdir(join(dir, 'web'))).filter((f) => f !== CHUNK_DIR).sort()).toEqual(['assets.json', 'index.mjs', 'index.mjs.map']);
    const script = `
      const { handler } = await import('./index.mjs');
      const r = await handler({ rawPath: '/admin/', headers: {}, requestContext: { http: { method: 'GET' } } });
      console.log(JSON.stringify({ status: r.statusCode, html: Buffer.from(r.body, 'base64').toString('utf8').slice(0, 200) }));`;
    const reply = JSON.parse(await inFreshNode(join(dir, 'web'), script)) as { status: number; html: string };
    expect(reply.status).toBe(200);
    expect(reply.html).toContain('<html lang="zh-CN">');
  });
});
