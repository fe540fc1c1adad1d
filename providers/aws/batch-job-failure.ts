import { z } from 'zod';
import { BATCH_EXIT } from '../../batch-image/src/exit-codes.js';

/** The part of an EventBridge "Batch Job State Change" event (detail = DescribeJobs' JobDetail) that is used. */
export const BatchJobStateChangeSchema = z.object({
  'detail-type': z.literal('Batch Job State Change'),
  source: z.literal('aws.batch'),
  time: z.iso.datetime(),
  detail: z.object({
    jobId: z.string().min(1),
    jobName: z.string().min(1),
    status: z.string(),
    statusReason: z.string().optional(),
    container: z
      .object({
        environment: z.array(z.object({ name: z.string(), value: z.string().optional() })).default([]),
        exitCode: z.number().int().optional(),
        reason: z.string().optional(),
      })
      .optional(),
    attempts: z
      .array(z.object({ container: z.object({ exitCode: z.number().int().optional(), reason: z.string().optional() }).optional(), statusReason: z.string().optional() }))
      .default([]),
    // A child of an array job has its index here (and an id `{arrayJobId}:{index}`); the parent has `size`.
    arrayProperties: z.object({ index: z.number().int().nonnegative().optional(), size: z.number().int().optional() }).optional(),
  }),
});
export type BatchJobStateChange = z.infer<typeof BatchJobStateChangeSchema>;

/** What a failed Batch job means for the product: whether the job already said so, and the reason in words. */
export interface BatchJobFailure {
  /** True when the job exited with "failed and reported": its own reason is already recorded and better. */
  reportedByJob: boolean;
  reason: string;
  /** The job's container environment by name (the job contract). */
  environment: Record<string, string | undefined>;
}

/**
 * Turns a FAILED Batch job event into a reason a user can act on: out of memory, the 30-minute timeout, a lost
 * host or Spot reclaim, a crash with its exit code, or a job that could not start (image, configuration).
 *
 * @example
 * batchJobFailure(event) // { reportedByJob: false, reason: 'killed: out of memory (…); after 3 attempts', environment }
 */
export function batchJobFailure(event: BatchJobStateChange): BatchJobFailure {
  const d = event.detail;
  const last = d.attempts.at(-1);
  const exitCode = d.container?.exitCode ?? last?.container?.exitCode;
  const containerReason = d.container?.reason ?? last?.container?.reason;
  const status = d.statusReason ?? last?.statusReason ?? '';
  const text = `${containerReason ?? ''} ${status}`;
  let reason: string;
  if (/OutOfMemory|memory/i.test(text) || exitCode === 137) reason = `killed: out of memory (${containerReason ?? `exit code ${exitCode}`})`;
  else if (/timeout|duration exceeded/i.test(text)) reason = `killed: ran past the job timeout (${status || containerReason})`;
  else if (/Host EC2|terminated|Spot|ECS task stopped/i.test(text)) reason = `the job's container was lost (${status || containerReason})`;
  else if (exitCode === BATCH_EXIT.badConfig) reason = 'the job could not start: its environment or configuration is invalid';
  else if (exitCode === BATCH_EXIT.unreported) reason = 'the job ended but could not report its final status';
  else if (exitCode !== undefined) reason = `the job process crashed with exit code ${exitCode}${containerReason ? ` (${containerReason})` : ''}`;
  else reason = `the job did not run: ${status || 'no reason given by AWS Batch'}`;
  const attempts = d.attempts.length;
  return {
    reportedByJob: exitCode === BATCH_EXIT.failedReported,
    reason: attempts > 1 ? `${reason}; after ${attempts} attempts` : reason,
    environment: Object.fromEntries((d.container?.environment ?? []).map((e) => [e.name, e.value])),
  };
}

/**
 * The array index of a child of an array job (backfill), or undefined for a single job or an array parent: from
 * `arrayProperties.index`, else the child id's `:{index}` suffix.
 *
 * @example
 * batchArrayIndex({ ...event.detail, jobId: '4c75…:2' }) // 2
 */
export function batchArrayIndex(detail: BatchJobStateChange['detail']): number | undefined {
  if (detail.arrayProperties?.index !== undefined) return detail.arrayProperties.index;
  const suffix = /:(\d+)$/.exec(detail.jobId);
  return suffix ? Number(suffix[1]) : undefined;
}
