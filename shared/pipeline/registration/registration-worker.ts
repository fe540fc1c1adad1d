import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { workerOps, WorkerOpName } from './worker-ops.js';

type Ops = typeof workerOps;

/** File name of the bundled worker next to a bundled entrypoint (batch-image/build.mjs writes it). */
export const BUNDLED_WORKER_FILE = 'registration-worker.mjs';

/**
 * A worker thread running registration operations off the calling thread: itk-wasm calls block their
 * thread, so two independent registrations run concurrently with one here and one on the caller
 * (or in a second worker). Operations queue in order; `close()` ends the thread.
 *
 * @example
 * const worker = new RegistrationWorker();
 * try {
 *   const [deformable, rigid] = await Promise.all([
 *     worker.run('registerAffineBSpline', { fixed: t1, moving: template }),
 *     registerRigid({ fixed: t1, moving: pet }),
 *   ]);
 * } finally { await worker.close(); }
 */
export class RegistrationWorker {
  private readonly worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** True when operations run on the calling thread (no worker source next to this module). */
  readonly inProcess: boolean;

  constructor() {
    // From source, the worker is worker.ts loaded through tsx; in the bundled batch image (dist/main.js)
    // it is the separately bundled dist/registration-worker.mjs. Without either, the operations run
    // in-process, sequentially: correct, only without the concurrency.
    const source = new URL('./worker.ts', import.meta.url);
    const bundled = new URL(`./${BUNDLED_WORKER_FILE}`, import.meta.url);
    if (existsSync(fileURLToPath(source))) {
      this.worker = new Worker(fileURLToPath(new URL('./worker-bootstrap.mjs', import.meta.url)), { workerData: { entry: source.href } });
    } else if (existsSync(fileURLToPath(bundled))) {
      this.worker = new Worker(fileURLToPath(bundled));
    }
    this.inProcess = this.worker === undefined;
    if (!this.worker) return;
    this.worker.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => { if (this.pending.size) this.failAll(new Error(`registration worker exited (${code})`)); });
  }

  /** Runs `op` with `options` in the worker. */
  run<K extends WorkerOpName>(op: K, options: Parameters<Ops[K]>[0]): ReturnType<Ops[K]> {
    if (!this.worker) {
      return import('./worker-ops.js').then(({ workerOps: ops }) => (ops[op] as (o: unknown) => Promise<unknown>)(options)) as ReturnType<Ops[K]>;
    }
    const worker = this.worker;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, op, options });
    }) as ReturnType<Ops[K]>;
  }

  /** Ends the worker thread. */
  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
