import type { Logger } from '../ports/observability.js';
import type { PreprocessJobRequest } from '../ports/job-submitter.js';
import type { PreprocessingStatus, StatusSink } from '../ports/status-sink.js';
import { redactId } from '../util/redact.js';

/** A job whose recorded status is not final yet. */
export interface OpenJob {
  job: PreprocessJobRequest;
  /** The provider's id (ACI container group, Cloud Run execution, Batch job id). */
  jobId: string;
  status: 'requested' | 'in-progress';
  /** When its status last changed. */
  since: Date;
}

/** What the cloud says about one job: the readers of ACI and Cloud Run answer this shape; undefined = not found. */
export type ReadJobState = (jobId: string) => Promise<{ status: PreprocessingStatus; reason?: string } | undefined>;

export interface ReconcileOptions {
  open: () => Promise<OpenJob[]>;
  read: ReadJobState;
  status: StatusSink;
  logger: Logger;
  now?: () => Date;
  /** How long a job may be missing, or done without having reported, before it is called failed (default 10 min). */
  graceMs?: number;
  /** A job still running after this long is failed as timed out (default 45 min: the job timeout plus margin). */
  maxRuntimeMs?: number;
}

/** What one pass did, by job id. */
export interface ReconcileResult {
  checked: number;
  failed: { jobId: string; reason: string }[];
  unchanged: number;
  /** Jobs whose state could not be read this pass (tried again next pass). */
  unreadable: string[];
}

/**
 * One reconciler pass: compares each open job with its cloud state and ends the ones that can no longer report
 * as `failed` with a reason: failed in the cloud (its reason), gone (container group or execution lost), finished
 * without reporting, or running past the limit. Jobs within the grace period are left alone (their own report
 * may be on its way). Status sinks are idempotent, so overlapping passes are harmless.
 *
 * @example
 * await reconcileJobs({ open: () => openJobsFromFhir({ store, buckets }), read: (id) => aci.read(id), status, logger });
 */
export async function reconcileJobs(options: ReconcileOptions): Promise<ReconcileResult> {
  const now = (options.now ?? (() => new Date()))();
  const grace = options.graceMs ?? 10 * 60_000;
  const maxRuntime = options.maxRuntimeMs ?? 45 * 60_000;
  const result: ReconcileResult = { checked: 0, failed: [], unchanged: 0, unreadable: [] };
  for (const open of await options.open()) {
    result.checked += 1;
    const age = now.getTime() - open.since.getTime();
    let state;
    try {
      state = await options.read(open.jobId);
    } catch (error) {
      options.logger.warn('job state unreadable; tried again next pass', { jobId: open.jobId, error: error instanceof Error ? error.message : String(error) });
      result.unreadable.push(open.jobId);
      continue;
    }
    const reason = failureReason(state, age, grace, maxRuntime);
    if (!reason) {
      result.unchanged += 1;
      continue;
    }
    await options.status.update({ job: open.job, jobId: open.jobId, status: 'failed', reason, at: now });
    options.logger.warn('job reconciled as failed', { jobId: open.jobId, patient: redactId(open.job.patientId), reason });
    result.failed.push({ jobId: open.jobId, reason });
  }
  return result;
}

function failureReason(state: Awaited<ReturnType<ReadJobState>>, ageMs: number, graceMs: number, maxRuntimeMs: number): string | undefined {
  const minutes = (ms: number) => Math.round(ms / 60_000);
  if (state?.status === 'failed') return state.reason ?? 'the job failed in the cloud without a reason';
  if (ageMs < graceMs) return undefined;
  if (!state) return `the job disappeared from the cloud without reporting (container or execution lost) ${minutes(ageMs)} min after its last status`;
  if (state.status === 'completed') return 'the job finished but never reported its outputs';
  if (ageMs > maxRuntimeMs) return `the job ran past ${minutes(maxRuntimeMs)} min without reporting; it is treated as timed out`;
  return undefined;
}
