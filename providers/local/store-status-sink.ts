import type { SessionRef } from '../../shared/domain/session-key.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import type { JobStatusUpdate, PreprocessingStatus, StatusSink } from '../../shared/ports/status-sink.js';

/** `status/{patient}/{session}/{fingerprint}.json`: one record per session version. */
export function statusKey(session: SessionRef, fingerprint: string): string {
  return `status/${session.patientId}/${session.sessionDate}/${fingerprint}.json`;
}

/** What a status object holds. Snake case, like the HTTP API. */
export interface StatusRecord {
  patient_id: string;
  session_date: string;
  fingerprint: string;
  job_name: string;
  job_id?: string;
  status: PreprocessingStatus;
  reason?: string;
  outputs?: Record<string, string>;
  updated_at: string;
  history: { status: PreprocessingStatus; at: string; reason?: string }[];
}

/**
 * A StatusSink that keeps one JSON object per session version in an object store. The local stack's
 * sink until FHIR lands, and the batch image's default on every provider (it writes next to the outputs).
 *
 * `requested` is written only if no record exists: the job may already have started (or finished)
 * by the time the upload handler reports it, and an old state must not overwrite a newer one.
 * Repeating an update is harmless (the history skips an exact repeat).
 *
 * @example
 * const sink = new StoreStatusSink(store);
 * await sink.update({ job, status: 'in-progress', at: new Date() });
 */
export class StoreStatusSink implements StatusSink {
  constructor(private readonly store: ObjectStore) {}

  async update(update: JobStatusUpdate): Promise<void> {
    const key = statusKey(update.job, update.job.fingerprint);
    const at = update.at.toISOString();
    if (update.status === 'requested') {
      await this.store.putIfAbsent(key, JSON.stringify(this.record(update, undefined)), { contentType: 'application/json' });
      return;
    }
    const previous = await this.read(update.job, update.job.fingerprint);
    const last = previous?.history.at(-1);
    if (last && last.status === update.status && last.at === at) return;
    await this.store.put(key, JSON.stringify(this.record(update, previous)), { contentType: 'application/json' });
  }

  /** The record of one session version, or undefined before any update. */
  async read(session: SessionRef, fingerprint: string): Promise<StatusRecord | undefined> {
    const key = statusKey(session, fingerprint);
    if (!(await this.store.head(key))) return undefined;
    return JSON.parse(new TextDecoder().decode(await this.store.get(key))) as StatusRecord;
  }

  private record(update: JobStatusUpdate, previous: StatusRecord | undefined): StatusRecord {
    const at = update.at.toISOString();
    const entry = { status: update.status, at, ...(update.reason ? { reason: update.reason } : {}) };
    return {
      patient_id: update.job.patientId,
      session_date: update.job.sessionDate,
      fingerprint: update.job.fingerprint,
      job_name: update.job.jobName,
      ...((update.jobId ?? previous?.job_id) ? { job_id: update.jobId ?? previous?.job_id } : {}),
      status: update.status,
      ...(update.reason ? { reason: update.reason } : {}),
      ...(update.outputs ? { outputs: update.outputs } : {}),
      updated_at: at,
      history: [...(previous?.history ?? []), entry],
    };
  }
}
