import { BatchJobStateChangeSchema, batchJobFailure } from '../../providers/aws/batch-job-failure.js';
import { LoggingStatusSink } from '../../providers/aws/logging-status-sink.js';
import { awsObservability } from '../../providers/aws/observability.js';
import { jobRequestFromEnvironment } from '../../shared/core/job-contract.js';
import { withFhirStatusFromEnv } from '../../shared/fhir/status-from-env.js';
import type { Logger } from '../../shared/ports/observability.js';
import type { StatusSink } from '../../shared/ports/status-sink.js';
import { redactId } from '../../shared/util/redact.js';

export interface BatchJobFailedDeps {
  status: StatusSink;
  logger: Logger;
}

/** What the handler did with one event. */
export type BatchJobFailedOutcome = 'recorded' | 'already-reported' | 'ignored';

/**
 * Builds the handler of FAILED "Batch Job State Change" events (EventBridge, after Batch's own retries): a job
 * killed for memory, past its timeout, on a lost host, or crashed before it could report, still ends `failed`
 * with a reason. A job that reported its own failure (exit 20) is left as it said. The status sinks are
 * idempotent, so a redelivered event changes nothing. A malformed event is logged and dropped (no retry loop).
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
    let job;
    try {
      job = jobRequestFromEnvironment(failure.environment);
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
  return { logger, status: withFhirStatusFromEnv(new LoggingStatusSink(logger), process.env, { logger, objectUrl: (bucket, key) => `s3://${bucket}/${key}` }) };
});
