/** A worker thread (started through infra/local/thread-boot.mjs) that answers each message with its clock's time. */
import { parentPort } from 'node:worker_threads';
import { adoptSimulatedClock } from '../../infra/local/simulated-clock.ts';
import { clock } from '../../shared/service/clock.ts';

adoptSimulatedClock();
parentPort?.on('message', () => parentPort?.postMessage(clock.now().getTime()));
parentPort?.postMessage('ready');
