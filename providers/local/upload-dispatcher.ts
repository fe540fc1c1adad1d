import { randomUUID } from 'node:crypto';
import { handleUpload, type JobMarker, type UploadOutcome, type UploadPorts } from '../../shared/core/handle-upload.js';
import { jobMarkerPrefix, parseRawKey } from '../../shared/domain/session-key.js';
import { makeUploadEvent, type UploadEvent } from '../../shared/domain/upload-event.js';
import type { JobSubmitter } from '../../shared/ports/job-submitter.js';
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
    const attempts = this.options.attempts ?? 3;
    let delay = this.options.retryDelayMs ?? 500;
    let event: UploadEvent | undefined;
    let identity: string | undefined;
    // Whether a job was submitted for this event in any attempt: then a marker with this event's id is that job's.
    let submitted = false;
    const jobs: JobSubmitter = {
      submit: async (request) => {
        const job = await ports.jobs.submit(request);
        submitted = true;
        return job;
      },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        if (!event) {
          // A storage error here is retried like the handler's own: dropping it would lose the upload.
          const head = await ports.store.head(key);
          if (!head) return undefined;
          identity = `${key}@${head.etag}@${head.version ?? ''}`;
          if (this.seen.has(identity)) return undefined;
          this.remember(identity);
          event = makeUploadEvent({
            id: randomUUID(),
            source: this.options.source ?? 'local:fs',
            bucket: ports.store.bucket,
            key,
            size: head.size,
            etag: head.etag,
            versionId: head.version,
            time: head.lastModified,
          });
        }
        return await handleUpload(event, { ...ports, jobs });
      } catch (error) {
        if (event && !submitted) await this.releaseOwnClaim(event);
        if (attempt >= attempts) {
          // Forget it so a later write or the next startup scan tries again.
          if (identity) this.seen.delete(identity);
          ports.logger.error('upload event failed after retries', { key: redactKey(key), attempts, error: String(error) });
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= 2;
      }
    }
  }

  /**
   * Deletes a job marker this event created when no job was submitted for it: the marker's create may have
   * landed although storage answered with an error, or the handler's own release may have failed. Left in
   * place, the marker would make every later event of this session version a "duplicate" with no job behind
   * it. The event id is this dispatch's own random id, so no other event's claim can match.
   */
  private async releaseOwnClaim(event: UploadEvent): Promise<void> {
    const { store, logger } = this.options.ports;
    const parsed = parseRawKey(event.data.key);
    if (!parsed.ok) return;
    const { patientId, sessionDate } = parsed.value;
    try {
      for (const head of await store.list(jobMarkerPrefix({ patientId, sessionDate }))) {
        const marker = JSON.parse(new TextDecoder().decode(await store.get(head.key))) as Partial<JobMarker>;
        if (marker.eventId === event.id && !marker.jobId) await store.delete(head.key);
      }
    } catch (error) {
      // The next attempt tries again; after the last one the marker may stay (backfill resubmits such a session).
      logger.warn('could not check for a job marker left by a failed attempt', { key: redactKey(event.data.key), error: String(error) });
    }
  }

  private remember(identity: string): void {
    if (this.seen.size >= SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(identity);
  }
}
