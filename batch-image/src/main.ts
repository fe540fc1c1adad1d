/**
 * Entry point of the preprocessing image (AWS Batch, Azure Container Instances, Cloud Run Jobs, the
 * local worker pool). Reads the job from its environment (an AWS Batch array child: from its entry of the
 * manifest `ADNI_JOB_MANIFEST`, see `array-entry.ts`), runs it, and exits:
 *   0 completed · 20 failed and reported as failed · 21 bad configuration (nothing to report to) ·
 *   22 could not report the final status (see `exit-codes.ts`).
 * Runs as a plain Node process too: `node --import tsx batch-image/src/main.ts` or `node batch-image/dist/main.js`.
 */
import { jobRequestFromEnvironment } from '../../shared/core/job-contract.js';
import { preprocessedPrefix } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { createPinoLogger } from '../../providers/local/logger.js';
import { resolveJobEnvironment } from './array-entry.js';
import { BATCH_EXIT } from './exit-codes.js';
import { runJob } from './run-job.js';
import { createStatusSink } from './status-sinks.js';
import { createObjectStore } from './stores.js';

const { failedReported: EXIT_FAILED, badConfig: EXIT_BAD_CONFIG, unreported: EXIT_UNREPORTED } = BATCH_EXIT;

async function main(processEnv: NodeJS.ProcessEnv): Promise<number> {
  let request: PreprocessJobRequest;
  let env: NodeJS.ProcessEnv;
  try {
    // An AWS Batch array child (backfill) takes its job environment from the manifest entry of its index.
    env = await resolveJobEnvironment(processEnv);
    request = jobRequestFromEnvironment(env);
    // The job writes only where its session's outputs belong, whatever else the environment says.
    const expected = preprocessedPrefix(request);
    if (request.outputPrefix !== expected) {
      throw new Error(`invalid job environment: ADNI_OUTPUT_PREFIX must be ${expected} for this patient and session`);
    }
  } catch (error) {
    return fatal(error, EXIT_BAD_CONFIG);
  }
  const logger = createPinoLogger({ base: { component: 'batch' } });
  let setup;
  try {
    const inputStore = await createObjectStore({ provider: env.ADNI_STORE, bucket: request.inputBucket, env });
    const outputStore =
      request.outputBucket === request.inputBucket
        ? inputStore
        : await createObjectStore({ provider: env.ADNI_STORE, bucket: request.outputBucket, env });
    const status = await createStatusSink({ name: env.ADNI_STATUS_SINK, outputStore, logger, env });
    setup = { inputStore, outputStore, status };
  } catch (error) {
    return fatal(error, EXIT_BAD_CONFIG);
  }

  // The platform stops a job with SIGTERM (Batch timeout, pool shutdown): finish with a failed status.
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // ACI has no run time limit of its own: ADNI_JOB_TIMEOUT_SECONDS stops the job as a Batch or Cloud Run
  // timeout would (the same abort, so the status says failed with a reason).
  const limitSeconds = Number(env.ADNI_JOB_TIMEOUT_SECONDS);
  const deadline = limitSeconds > 0 ? setTimeout(stop, limitSeconds * 1000) : undefined;
  deadline?.unref();
  try {
    // The local folder store has no lifecycle rule: each local job sweeps staging areas of killed attempts (> 1 day).
    const deleteStagingOlderThanMs = env.ADNI_STORE === 'local' ? 24 * 3600_000 : undefined;
    const result = await runJob({ request, ...setup, logger, jobId: env.ADNI_JOB_ID, signal: controller.signal, deleteStagingOlderThanMs });
    if (!result.ok) console.error(`adni-batch: job failed: ${result.reason}`);
    return result.ok ? 0 : EXIT_FAILED;
  } catch (error) {
    return fatal(error, EXIT_UNREPORTED, 'could not report the job status: ');
  } finally {
    clearTimeout(deadline);
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

/** One readable line on stderr, no stack trace (ADNI_DEBUG=1 adds it). */
function fatal(error: unknown, code: number, prefix = ''): number {
  console.error(`adni-batch: ${prefix}${error instanceof Error ? error.message : String(error)}`);
  if (process.env.ADNI_DEBUG && error instanceof Error) console.error(error.stack);
  return code;
}

process.exitCode = await main(process.env);
