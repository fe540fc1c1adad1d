import { randomUUID } from 'node:crypto';
import { handleUpload, type UploadOutcome, type UploadPorts } from '../../shared/core/handle-upload.js';
import { makeUploadEvent } from '../../shared/domain/upload-event.js';
import { redactKey } from '../../shared/util/redact.js';

export interface UploadDispatcherOptions {
  ports: UploadPorts;
  /** CloudEvents source of the events raised here. */
  source?: string;
  /** Attempts per event when the handler throws (storage or submission errors), like a platform retry. */
  attempts?: number;
  /** Pause before the second attempt; doubles each time. */
  retryDelayMs?: number;
}

const SEEN_LIMIT = 10_000;

/**
 * The local stack's event bus: turns "this key was written" (presigned PUT, watcher) into an
 * {@link UploadEvent} and runs the core handler in-process. One object version is dispatched once
 * even when the PUT route and the watcher both notice it; the handler's job marker covers the rest.
 *
 * @example
 * const dispatcher = new UploadDispatcher({ ports });
 * dispatcher.dispatch('raw/P1/2024-01-01/mri.nii.gz');
 * await dispatcher.idle();
 */
export class UploadDispatcher {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly seen = new Set<string>();
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly options: UploadDispatcherOptions) {}

  /** Raises the upload event for the current version of `key`; resolves with the handler's outcome. */
  dispatch(key: string): Promise<UploadOutcome | undefined> {
    const work = this.run(key);
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      if (this.inFlight.size === 0) for (const resolve of this.waiters.splice(0)) resolve();
    });
    return work;
  }

  /** True while an event is being handled. */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Resolves when no event is being handled. */
  idle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async run(key: string): Promise<UploadOutcome | undefined> {
    const { ports } = this.options;
    const head = await ports.store.head(key).catch(() => undefined);
    if (!head) return undefined;
    const identity = `${key}@${head.etag}@${head.version ?? ''}`;
    if (this.seen.has(identity)) return undefined;
    this.remember(identity);
    const event = makeUploadEvent({
      id: randomUUID(),
      source: this.options.source ?? 'local:fs',
      bucket: ports.store.bucket,
      key,
      size: head.size,
      etag: head.etag,
      versionId: head.version,
      time: head.lastModified,
    });
    const attempts = this.options.attempts ?? 3;
    let delay = this.options.retryDelayMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      try {
        return await handleUpload(event, ports);
      } catch (error) {
        if (attempt >= attempts) {
          // Forget it so a later write or the next startup scan tries again.
          this.seen.delete(identity);
          ports.logger.error('upload event failed after retries', { key: redactKey(key), attempts, error: String(error) });
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= 2;
      }
    }
  }

  private remember(identity: string): void {
    if (this.seen.size >= SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(identity);
  }
}
