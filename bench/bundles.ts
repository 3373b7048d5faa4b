/** Each Lambda bundle built exactly as the CDK stack builds it: size, how much of it is the AWS SDK, and import time in a fresh process. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildFunction } from '../infra/bundling.ts';
import { functionList } from '../infra/topology.ts';

export interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Bytes of the bundle that come from the AWS SDK's packages (@aws-sdk, @smithy, @aws). */
  readonly sdkBytes: number;
  readonly importMs: number;
}

const SDK_PACKAGE = /node_modules\/(@aws-sdk|@smithy|@aws)\//;

const ROOT = resolve(import.meta.dirname, '..');

function importMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});console.log(performance.now()-t)`;
  const runs = [0, 1, 2].map(() =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], {
        env: { ...process.env, AWS_REGION: 'cn-north-1', TABLE_NAME: 'bench' },
      })
        .toString()
        .trim(),
    ),
  );
  return runs.sort((a, b) => a - b)[1] ?? Number.NaN;
}

export async function bundleFigures(): Promise<BundleFigures[]> {
  const dir = await mkdtemp(join(tmpdir(), 'mdt-bundles-'));
  const out: BundleFigures[] = [];
  for (const [name, def] of functionList()) {
    const { file, metafile } = await buildFunction(ROOT, def, join(dir, name));
    const inputs = Object.values(metafile.outputs).find((o) => o.entryPoint)?.inputs ?? {};
    const sdkBytes = Object.entries(inputs)
      .filter(([path]) => SDK_PACKAGE.test(path))
      .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    const bytes = (await stat(file)).size;
    out.push({ name, bytes, gzipBytes: gzipSync(await readFile(file)).length, sdkBytes, importMs: importMs(file) });
  }
  await rm(dir, { recursive: true, force: true });
  return out;
}
