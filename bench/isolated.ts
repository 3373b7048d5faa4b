/**
 * Run one bench measurement in a fresh Node process. The sections that start
 * the local stack in-process share `shared/service/runtime.ts`, whose clients
 * are built once at module scope (as in a Lambda) against the first stack's
 * endpoint; a second in-process stack in the same process would be unreachable.
 *
 * As a script: `tsx bench/isolated.ts <module> <export>` prints the result as
 * one JSON line after a marker (the SDK writes its own warnings to stderr).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const MARKER = '\u0000bench-result\u0000';

export async function isolated<T>(module: string, name: string): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, module, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  const at = output.lastIndexOf(MARKER);
  if (code !== 0 || at < 0) throw new Error(`bench/${module} ${name} failed (exit ${code}):\n${output.slice(-4000)}`);
  return JSON.parse(output.slice(at + MARKER.length)) as T;
}

if (process.argv[1] === import.meta.filename) {
  const [module, name] = process.argv.slice(2);
  const imported = (await import(pathToFileURL(resolve(import.meta.dirname, module ?? '')).href)) as Record<string, () => Promise<unknown>>;
  const measure = imported[name ?? ''];
  if (typeof measure !== 'function') throw new Error(`bench/${module} has no export ${name}`);
  process.stdout.write(MARKER + JSON.stringify(await measure()) + '\n');
  process.exit(0);
}
