/**
 * Each Lambda bundle built exactly as the CDK stack deploys it (infra/bundling.ts):
 * size, gzip, how much is the AWS SDK, and the import time in a fresh process
 * against the bare DynamoDB+SQS client bundle built the same way, measured in
 * the same run, interleaved, several times (median).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { buildFunction } from '../infra/bundling.ts';
import { functionList } from '../infra/topology.ts';

export interface BundleFigures {
  readonly name: string;
  /** What a cold start loads: index.mjs and the chunks it imports statically. */
  readonly bytes: number;
  /** The same, each file gzipped. */
  readonly gzipBytes: number;
  /** Every file, the lazy chunks too, gzipped. */
  readonly allGzipBytes: number;
  /** Chunks loaded only when a path asks for them (dynamic import). */
  readonly lazyChunks: number;
  /** Bytes of what a cold start loads that come from the AWS SDK's packages (@aws-sdk, @smithy, @aws). */
  readonly sdkBytes: number;
  /** Median import time in a fresh process. */
  readonly importMs: number;
  /** importMs over the bare DynamoDB+SQS bundle's. */
  readonly ratio: number;
}

export const BASELINE_ENTRY = 'bench/baseline/handler.ts';
export const IMPORT_RUNS = 7;
export const RATIO_TARGET = 1.3;
export const GZIP_TARGET = 150 * 1024;

const SDK_PACKAGE = /node_modules\/(@aws-sdk|@smithy|@aws)\//;
const ROOT = resolve(import.meta.dirname, '..');

/** A Lambda-like environment (Powertools reads AWS_EXECUTION_ENV), secrets given, Cognito mode. */
const LAMBDA_ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'cn-north-1',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'bench',
  HASH_SECRET: 'bench',
  AUTH_MODE: 'cognito',
  COGNITO_USER_POOL_ID: 'cn-north-1_bench',
  COGNITO_CLIENT_ID: 'bench',
  POWERTOOLS_SERVICE_NAME: 'maodiaotong',
};

function importOnce(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});console.log(performance.now()-t)`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], { env: LAMBDA_ENV }).toString().trim());
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** The outputs an import of `entry` loads before it returns: the entry and, transitively, its static imports. */
function loadedAtStart(metafile: Metafile, entry: string): string[] {
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    // Node's own modules (`import … from 'module'` of the banner) are external: no output of ours.
    for (const i of metafile.outputs[file]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return [...loaded];
}

type Sizes = Pick<BundleFigures, 'bytes' | 'gzipBytes' | 'allGzipBytes' | 'lazyChunks' | 'sdkBytes'>;

async function sizesOf(metafile: Metafile): Promise<Sizes> {
  // Output paths in the metafile are relative to the working directory.
  const outputs = Object.keys(metafile.outputs).filter((path) => path.endsWith('.mjs'));
  // The function's own entry: with splitting, each dynamically imported module is an entry point of its chunk too.
  const atStart = loadedAtStart(metafile, outputs.find((path) => path.endsWith('/index.mjs') || path === 'index.mjs')!);
  const contents = new Map(await Promise.all(outputs.map(async (path) => [path, await readFile(resolve(path))] as const)));
  const sum = (paths: readonly string[], size: (c: Buffer) => number) => paths.reduce((n, path) => n + size(contents.get(path)!), 0);
  const gzipped = (c: Buffer) => gzipSync(c).length;
  return {
    bytes: sum(atStart, (c) => c.length),
    gzipBytes: sum(atStart, gzipped),
    allGzipBytes: sum(outputs, gzipped),
    lazyChunks: outputs.length - atStart.length,
    sdkBytes: atStart
      .flatMap((path) => Object.entries(metafile.outputs[path]?.inputs ?? {}))
      .filter(([path]) => SDK_PACKAGE.test(path))
      .reduce((n, [, input]) => n + input.bytesInOutput, 0),
  };
}

export async function bundleFigures(runs = IMPORT_RUNS): Promise<{ baselineMs: number; baselineGzipBytes: number; functions: BundleFigures[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'mdt-bundles-'));
  try {
    const baseline = await buildFunction(ROOT, { entry: BASELINE_ENTRY }, join(dir, '_baseline'));
    const built = [];
    for (const [name, def] of functionList()) built.push({ name, ...(await buildFunction(ROOT, def, join(dir, name))) });
    // Interleaved rounds: a busy moment of the machine falls on every bundle alike, not on one.
    const times = new Map<string, number[]>([['_baseline', []], ...built.map((b) => [b.name, []] as [string, number[]])]);
    for (let round = 0; round < runs; round++) {
      times.get('_baseline')!.push(importOnce(baseline.file));
      for (const b of built) times.get(b.name)!.push(importOnce(b.file));
    }
    const baselineMs = median(times.get('_baseline')!);
    const functions: BundleFigures[] = [];
    for (const b of built) {
      const importMs = median(times.get(b.name)!);
      functions.push({ name: b.name, ...(await sizesOf(b.metafile)), importMs, ratio: importMs / baselineMs });
    }
    return { baselineMs, baselineGzipBytes: (await sizesOf(baseline.metafile)).gzipBytes, functions };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
