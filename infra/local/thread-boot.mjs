// A worker thread does not inherit the parent's TypeScript loader (tsx): it registers its own, then runs the script.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.script);
