import { parentPort } from 'node:worker_threads';
import { workerOps, type WorkerOpName } from './worker-ops.js';

// One message = one operation; errors travel back as messages so the caller can reject cleanly.
parentPort?.on('message', async (msg: { id: number; op: WorkerOpName; options: unknown }) => {
  try {
    const fn = workerOps[msg.op] as (o: unknown) => Promise<unknown>;
    const result = await fn(msg.options);
    parentPort?.postMessage({ id: msg.id, result });
  } catch (error) {
    parentPort?.postMessage({ id: msg.id, error: error instanceof Error ? error.message : String(error) });
  }
});
