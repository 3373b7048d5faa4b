/**
 * The local stand-ins for DynamoDB (dynalite) and SQS (fauxqs), each on its own
 * worker thread so that they use the second core while the gateway and the
 * handlers use the first.
 */
import { Worker } from 'node:worker_threads';

export interface LocalServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

async function startWorker(script: string, workerData: Record<string, unknown>): Promise<LocalServer> {
  const worker = new Worker(new URL(script, import.meta.url), { workerData });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { type: string; port?: number }) => {
      if (m.type === 'listening' && m.port) resolve(m.port);
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (m: { type: string }) => {
          if (m.type === 'closed') resolve();
        });
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' });
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
      await worker.terminate();
    },
  };
}

/** dynalite; `path` persists the data (LevelDB), without it the data lives in memory. */
export function startDynamo(options: { port?: number; path?: string } = {}): Promise<LocalServer> {
  return startWorker('./dynalite-worker.mjs', { port: options.port ?? 0, path: options.path });
}

/** fauxqs; it keeps nothing across restarts, which the design must survive. */
export function startSqs(options: { port?: number } = {}): Promise<LocalServer> {
  return startWorker('./fauxqs-worker.mjs', { port: options.port ?? 0 });
}
