/** Run `npm start`'s entry point in a child process, as a user would, and find its endpoints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface StackProcess {
  readonly url: string;
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
  readonly startedInMs: number;
  /** Where the local DynamoDB keeps its files (DATA_DIR): its size on disk is a figure. */
  readonly dataDir: string;
  /** A question to the child's `entry` (over the IPC channel; one at a time), and its answer. */
  ask<T>(message: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export interface StackProcessOptions {
  /** A module run instead of infra/local/main.ts, which imports it after its own setup (bench/county-stack.ts: a simulated clock); it answers `ask`. */
  readonly entry?: string;
}

export async function startStackProcess(env: Record<string, string> = {}, options: StackProcessOptions = {}): Promise<StackProcess> {
  // Callers pass LOCAL_WORKERS=off to measure the request path alone.
  const dataDir = await mkdtemp(join(tmpdir(), 'mdt-bench-'));
  const port = 30000 + Math.floor(Math.random() * 20000);
  const started = Date.now();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', options.entry ?? resolve(import.meta.dirname, '../infra/local/main.ts')], {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, SWEEP_INTERVAL_MS: '600000', ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.entry ? (['ipc'] as const) : [])],
  });
  // Kept while starting (to find the endpoints); after that only the tail, since workers log every message sent.
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  // DynamoDB Local is a JVM: allow it the longer start.
  for (let i = 0; i < 1200; i++) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok && output.includes('DynamoDB')) break;
    if (child.exitCode !== null) throw new Error(`the local stack exited:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const dynamodbEndpoint = output.match(/DynamoDB\s+(http:\/\/[\d.:]+)/)?.[1];
  if (!dynamodbEndpoint) throw new Error(`could not find the DynamoDB endpoint in:\n${output}`);
  return {
    url,
    dynamodbEndpoint,
    tableName: env.TABLE_NAME ?? process.env.TABLE_NAME ?? 'maodiaotong',
    startedInMs: Date.now() - started,
    dataDir,
    ask<T>(message: Record<string, unknown>) {
      return new Promise<T>((answer, fail) => {
        if (!child.send) return fail(new Error('the stack was started without an entry to ask'));
        child.once('message', (reply) => answer(reply as T));
        child.send(message);
      });
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
