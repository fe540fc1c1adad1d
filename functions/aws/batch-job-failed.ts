import { BatchJobStateChangeSchema, batchArrayIndex, batchJobFailure } from '../../providers/aws/batch-job-failure.js';
import { LoggingStatusSink } from '../../providers/aws/logging-status-sink.js';
import { awsObservability } from '../../providers/aws/observability.js';
import { S3ObjectStore } from '../../providers/aws/s3-object-store.js';
import { jobArrayEntry, MANIFEST_VARIABLE, parseManifestRef } from '../../shared/core/job-array-manifest.js';
import { jobRequestFromEnvironment } from '../../shared/core/job-contract.js';
import { ObjectNotFoundError } from '../../shared/ports/object-store.js';
import { withFhirStatusFromEnv } from '../../shared/fhir/status-from-env.js';
import type { Logger } from '../../shared/ports/observability.js';
import type { StatusSink } from '../../shared/ports/status-sink.js';
import { redactId } from '../../shared/util/redact.js';

export interface BatchJobFailedDeps {
  status: StatusSink;
  logger: Logger;
  /** Reads a backfill array manifest (`ADNI_JOB_MANIFEST`): an array child's event carries only that, not the job contract. */
  readObject?: (bucket: string, key: string) => Promise<Uint8Array>;
}

/** What the handler did with one event. */
export type BatchJobFailedOutcome = 'recorded' | 'already-reported' | 'ignored';

/**
 * Builds the handler of FAILED "Batch Job State Change" events (EventBridge, after Batch's own retries): a job
 * killed for memory, past its timeout, on a lost host, or crashed before it could report, still ends `failed`
 * with a reason. A job that reported its own failure (exit 20) is left as it said. The status sinks are
 * idempotent, so a redelivered event changes nothing. A child of a backfill array job carries only
 * `ADNI_JOB_MANIFEST`: its job is the manifest entry of its index (`readObject`); the array parent is ignored.
 * A malformed event is logged and dropped (no retry loop).
 *
 * @example
 * export const handler = createBatchJobFailedHandler(() => ({ status, logger }));
 */
export function createBatchJobFailedHandler(makeDeps: () => BatchJobFailedDeps) {
  let deps: BatchJobFailedDeps | undefined;
  return async function batchJobFailed(event: unknown): Promise<BatchJobFailedOutcome> {
    deps ??= makeDeps();
    const parsed = BatchJobStateChangeSchema.safeParse(event);
    if (!parsed.success || parsed.data.detail.status !== 'FAILED') {
      deps.logger.warn('not a FAILED Batch job event; ignored', { issues: parsed.success ? 'status' : parsed.error.issues.map((i) => i.path.join('.')).join(', ') });
      return 'ignored';
    }
    const failure = batchJobFailure(parsed.data);
    let environment = failure.environment;
    if (environment[MANIFEST_VARIABLE]) {
      // A backfill array job: each FAILED child is its own event; the parent's FAILED (any child failed) adds nothing.
      const index = batchArrayIndex(parsed.data.detail);
      if (index === undefined || !deps.readObject) {
        deps.logger.info('failed Batch array job parent; its children are recorded one by one', { jobId: parsed.data.detail.jobId });
        return 'ignored';
      }
      let ref;
      try {
        ref = parseManifestRef(environment[MANIFEST_VARIABLE]);
      } catch (error) {
        deps.logger.warn('failed Batch job with a malformed manifest reference; ignored', { jobId: parsed.data.detail.jobId, error: (error as Error).message });
        return 'ignored';
      }
      let body;
      try {
        body = await deps.readObject(ref.bucket, ref.key);
      } catch (error) {
        // Missing: nothing to attach a status to. Anything else (throttling, network) is thrown so the event is retried.
        if (!(error instanceof ObjectNotFoundError)) throw error;
        deps.logger.warn('failed Batch array child whose manifest is gone; ignored', { jobId: parsed.data.detail.jobId, manifest: ref.key });
        return 'ignored';
      }
      try {
        environment = jobArrayEntry(body, String(index));
      } catch (error) {
        deps.logger.warn('failed Batch array child with an unusable manifest; ignored', { jobId: parsed.data.detail.jobId, error: (error as Error).message });
        return 'ignored';
      }
    }
    let job;
    try {
      job = jobRequestFromEnvironment(environment);
    } catch (error) {
      // Not one of our preprocessing jobs (or a broken definition): nothing to attach a status to.
      deps.logger.warn('failed Batch job without the job contract; ignored', { jobId: parsed.data.detail.jobId, error: (error as Error).message });
      return 'ignored';
    }
    if (failure.reportedByJob) {
      deps.logger.info('failed Batch job had reported its failure itself', { jobId: parsed.data.detail.jobId, patient: redactId(job.patientId) });
      return 'already-reported';
    }
    await deps.status.update({ job, jobId: parsed.data.detail.jobId, status: 'failed', reason: failure.reason, at: new Date(parsed.data.time) });
    deps.logger.warn('failed Batch job recorded', { jobId: parsed.data.detail.jobId, patient: redactId(job.patientId), reason: failure.reason });
    return 'recorded';
  };
}

/** The Lambda entry point (serverless.yml: `functions/aws/batch-job-failed.handler`). */
export const handler = createBatchJobFailedHandler(() => {
  const { logger } = awsObservability('batch-job-failed');
  return {
    logger,
    status: withFhirStatusFromEnv(new LoggingStatusSink(logger), process.env, { logger, objectUrl: (bucket, key) => `s3://${bucket}/${key}` }),
    // The role may read only jobs/arrays/* of the raw bucket (serverless.yml, BatchJobFailedRole).
    readObject: (bucket, key) => new S3ObjectStore({ bucket }).get(key),
  };
});
