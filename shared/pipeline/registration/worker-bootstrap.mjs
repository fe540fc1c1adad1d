// Worker entry: registers the TypeScript loader in this thread, then loads the registration worker.
// (A worker does not inherit a loader registered through tsx's API in the parent thread.)
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
