// Runs fauxqs (the local SQS) on its own thread, as dynalite runs on its own:
// the gateway and handlers keep the main thread, as they would in AWS. Plain
// JS: worker threads do not inherit the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { startFauxqs } from 'fauxqs';

const server = await startFauxqs({ port: workerData.port, logger: false, host: '127.0.0.1' });
parentPort.postMessage({ type: 'listening', port: server.port });
parentPort.on('message', (message) => {
  if (message.type === 'close') server.stop().then(() => parentPort.postMessage({ type: 'closed' }));
});
