import type { JobMarker } from '../../shared/core/handle-upload.js';
import { jobMarkerKey, preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import type { Logger } from '../../shared/ports/observability.js';
import type { StatusSink } from '../../shared/ports/status-sink.js';
import { redactId } from '../../shared/util/redact.js';
import type { StatusRecord } from './store-status-sink.js';

export interface RecoverInterruptedJobsOptions {
  store: ObjectStore;
  /** Where the `failed` statuses go (the stack's sink: status objects and FHIR). */
  status: StatusSink;
  logger: Logger;
  now?: () => Date;
}

/** Says what a start found of the previous run's jobs. */
export interface RecoveredJobs {
  /** Jobs recorded `failed`. */
  failed: number;
  /** Sessions whose upload marker was released: raise an upload event for each to run it again. */
  resubmit: { patientId: string; sessionDate: string }[];
}

/**
 * Runs at the start of the local stack, before the startup scan: a job whose status object still says
 * `requested` or `in-progress` belonged to a stack that died without shutting down (killed, crashed, power
 * loss), since a clean shutdown records its jobs as failed. Each is recorded `failed` with that reason, and an
 * upload's job marker is released and its session returned, for the caller to raise its upload event again
 * (same fingerprint: the same Task goes on to `completed`). A reprocess job is only recorded failed
 * (`adni reprocess` runs it again).
 *
 * @example
 * const { resubmit } = await recoverInterruptedJobs({ store, status, logger });
 * for (const session of resubmit) dispatcher.dispatch(rawKey(session, 'mri'));
 */
export async function recoverInterruptedJobs(options: RecoverInterruptedJobsOptions): Promise<RecoveredJobs> {
  const { store, status, logger } = options;
  const result: RecoveredJobs = { failed: 0, resubmit: [] };
  for (const head of await store.list('status/')) {
    let record: StatusRecord;
    try {
      record = JSON.parse(new TextDecoder().decode(await store.get(head.key))) as StatusRecord;
    } catch {
      continue;
    }
    const last = record.history?.at(-1)?.status ?? record.status;
    if (last !== 'requested' && last !== 'in-progress') continue;
    const session = { patientId: record.patient_id, sessionDate: record.session_date };
    const markerKey = jobMarkerKey(session, record.fingerprint);
    const marker = await readMarker(store, markerKey);
    const rerun = marker !== undefined && !marker.reprocess;
    const job: PreprocessJobRequest = {
      ...session,
      jobName: record.job_name,
      fingerprint: record.fingerprint,
      inputBucket: store.bucket,
      mriKey: rawKey(session, 'mri'),
      petKey: rawKey(session, 'pet'),
      outputBucket: store.bucket,
      outputPrefix: preprocessedPrefix(session),
    };
    const reason = rerun
      ? 'interrupted: the local stack stopped without shutting down while this job was queued or running; it runs again now'
      : 'interrupted: the local stack stopped without shutting down while this job was queued or running; run `adni reprocess` to run it again';
    await status.update({ job, jobId: record.job_id, status: 'failed', reason, at: (options.now ?? (() => new Date()))() });
    result.failed++;
    if (rerun) {
      await store.delete(markerKey);
      result.resubmit.push(session);
    }
    logger.warn('job of a previous run was interrupted; recorded failed', { patient: redactId(session.patientId), was: last, rerun });
  }
  return result;
}

async function readMarker(store: ObjectStore, key: string): Promise<Partial<JobMarker> | undefined> {
  if (!(await store.head(key))) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(await store.get(key))) as Partial<JobMarker>;
  } catch {
    return {};
  }
}
