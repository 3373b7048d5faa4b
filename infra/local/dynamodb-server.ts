/** Start and stop the local DynamoDB (dynalite on a worker thread). */
import { Worker } from 'node:worker_threads';

export interface DynamoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** `path` persists the data (LevelDB); without it the data lives in memory. */
export async function startDynamo(options: { port?: number; path?: string } = {}): Promise<DynamoServer> {
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), {
    workerData: { port: options.port ?? 0, path: options.path },
  });
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
