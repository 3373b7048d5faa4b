// Runs dynalite on its own thread so the local DynamoDB gets the second core
// while the gateway and handlers use the first. Plain JS: worker threads do not
// inherit the TypeScript loader that runs the rest of the local stack.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import { closeLevelIteratorsOnReturn } from './level-iterators.mjs';

closeLevelIteratorsOnReturn();

const { port, path } = workerData;
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(port, '127.0.0.1', () => {
  parentPort.postMessage({ type: 'listening', port: server.address().port });
});
parentPort.on('message', (message) => {
  if (message.type === 'close') server.close(() => parentPort.postMessage({ type: 'closed' }));
});
