/**
 * The relay on a thread of its own, as in AWS it is a Lambda of its own: it
 * drains the stream's stand-in batch after batch while there is work, rests
 * `intervalMs` when there is none, and neither waits behind the API's
 * requests nor holds their thread (a county's month relays ~10 events a
 * second, each a read of the case and its statistics counters).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { lambdaContext } from './lambda-context.ts';
import { pendingStreamRecords } from './stream.ts';
import { adoptSimulatedClock } from './simulated-clock.ts';

export interface RelayThreadData {
  readonly script: string;
  readonly functionName: string;
  readonly entry: string;
  readonly batchSize: number;
  readonly intervalMs: number;
}

const data = workerData as RelayThreadData;
const ROOT = resolve(import.meta.dirname, '../..');
adoptSimulatedClock();
const { store } = await import('../../shared/service/runtime.ts');
const { handler } = (await import(pathToFileURL(resolve(ROOT, data.entry)).href)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };

let stopping = false;
parentPort?.on('message', (m: { type: string }) => {
  if (m.type === 'close') stopping = true;
});
parentPort?.postMessage({ type: 'ready' });

while (!stopping) {
  try {
    const pending = await pendingStreamRecords(store, data.batchSize);
    if (pending.Records.length > 0) await handler(pending, lambdaContext(data.functionName));
    else await new Promise((r) => setTimeout(r, data.intervalMs));
  } catch (error) {
    parentPort?.postMessage({ type: 'error', message: String(error) });
    await new Promise((r) => setTimeout(r, data.intervalMs));
  }
}
parentPort?.postMessage({ type: 'closed' });
