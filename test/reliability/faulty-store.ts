import type { ConditionalPutResult, ObjectHead, ObjectStore, PresignOptions, PresignedRequest, PutOptions } from '../../shared/ports/object-store.js';

/** An error as an object store's HTTP API reports it (S3/Blob/GCS 500 InternalError, 503 SlowDown). */
export class StorageHttpError extends Error {
  constructor(
    readonly status: 500 | 503,
    op: string,
    readonly applied: boolean,
  ) {
    super(`storage answered ${status} ${status === 503 ? 'Service Unavailable' : 'Internal Server Error'} to ${op}`);
    this.name = 'StorageHttpError';
  }
}

type Op = 'head' | 'get' | 'put' | 'putIfAbsent' | 'delete' | 'list';

/**
 * One planned fault: the next `times` calls of `op` on a key matching `key` fail with `status`.
 * `when: 'before'` fails without touching the store (the request never got through);
 * `when: 'after'` performs the operation and then fails (the write landed, the answer was lost).
 */
export interface Fault {
  op: Op;
  key?: RegExp;
  status: 500 | 503;
  when?: 'before' | 'after';
  times?: number;
}

/**
 * An {@link ObjectStore} wrapper at the port boundary that makes chosen calls fail like a storage service
 * answering 500/503, before or after doing the work. Records every fault it injected.
 *
 * @example
 * const store = new FaultyStore(new FsObjectStore({ root }), [{ op: 'putIfAbsent', key: /^jobs\//, status: 503 }]);
 */
export class FaultyStore implements ObjectStore {
  readonly injected: { op: Op; key: string; status: number; when: 'before' | 'after' }[] = [];
  private readonly plan: (Fault & { left: number })[];

  constructor(
    private readonly inner: ObjectStore,
    faults: Fault[] = [],
  ) {
    this.plan = faults.map((f) => ({ ...f, left: f.times ?? 1 }));
  }

  get bucket(): string {
    return this.inner.bucket;
  }

  head(key: string): Promise<ObjectHead | undefined> {
    return this.call('head', key, () => this.inner.head(key));
  }
  get(key: string): Promise<Uint8Array> {
    return this.call('get', key, () => this.inner.get(key));
  }
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<ObjectHead> {
    return this.call('put', key, () => this.inner.put(key, body, options));
  }
  putIfAbsent(key: string, body: Uint8Array | string, options?: PutOptions): Promise<ConditionalPutResult> {
    return this.call('putIfAbsent', key, () => this.inner.putIfAbsent(key, body, options));
  }
  delete(key: string): Promise<void> {
    return this.call('delete', key, () => this.inner.delete(key));
  }
  list(prefix: string): Promise<ObjectHead[]> {
    return this.call('list', prefix, () => this.inner.list(prefix));
  }
  presignPut(key: string, options?: PresignOptions): Promise<PresignedRequest> {
    return this.inner.presignPut(key, options);
  }
  presignGet(key: string, options?: PresignOptions): Promise<PresignedRequest> {
    return this.inner.presignGet(key, options);
  }

  private async call<T>(op: Op, key: string, work: () => Promise<T>): Promise<T> {
    const fault = this.plan.find((f) => f.left > 0 && f.op === op && (!f.key || f.key.test(key)));
    if (!fault) return work();
    fault.left--;
    const when = fault.when ?? 'before';
    this.injected.push({ op, key, status: fault.status, when });
    if (when === 'after') await work();
    throw new StorageHttpError(fault.status, op, when === 'after');
  }
}
