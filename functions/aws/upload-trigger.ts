import { handleUpload, type UploadOutcome, type UploadPorts } from '../../shared/core/handle-upload.js';
import { UploadTriggerEnvSchema, loadConfig } from '../../providers/aws/config.js';
import { batchUploadPorts } from './upload-ports.js';
import { awsObservability } from '../../providers/aws/observability.js';
import { parseAwsUploadEvents, type AwsEventKind } from '../../providers/aws/parse-aws-upload-events.js';

/** What the trigger needs: the core ports, plus per-invocation hooks of the AWS observability tools. */
export interface UploadTriggerDeps extends UploadPorts {
  /** Attach the Lambda context to log lines (Powertools `addContext`). */
  addContext?(context: unknown): void;
  /** Publish buffered metrics (EMF) at the end of each invocation. */
  flush?(): void;
}

/** What one invocation did, by outcome (returned for tests and for the Lambda console). */
export interface UploadTriggerResult {
  kind: AwsEventKind;
  outcomes: Record<UploadOutcome['outcome'], number>;
  rejected: number;
}

/**
 * Builds the upload-trigger Lambda handler over the given dependencies (built once, on first use).
 * Each S3 record or EventBridge event goes through the core `handleUpload`. A record that is bad input
 * (malformed, not an object-created event, an undecodable key) is logged and skipped, never thrown:
 * a throw would make Lambda retry input that can never succeed. Storage or Batch errors are thrown
 * after every record had its turn, so Lambda retries the invocation; `handleUpload` is idempotent, so
 * the records that already succeeded are duplicates on the retry.
 *
 * @example
 * export const handler = createUploadTrigger(() => buildDeps(process.env));
 */
export function createUploadTrigger(makeDeps: () => UploadTriggerDeps | Promise<UploadTriggerDeps>) {
  let deps: Promise<UploadTriggerDeps> | undefined;
  return async function uploadTrigger(event: unknown, context?: unknown): Promise<UploadTriggerResult> {
    // A failed build (bad configuration) is not cached: the next invocation tries again.
    deps ??= Promise.resolve().then(makeDeps).catch((error: unknown) => {
      deps = undefined;
      throw error;
    });
    const ports = await deps;
    if (context) ports.addContext?.(context);
    try {
      return await processEvent(event, ports);
    } finally {
      ports.flush?.();
    }
  };
}

async function processEvent(event: unknown, ports: UploadTriggerDeps): Promise<UploadTriggerResult> {
  const { logger, metrics } = ports;
  const parsed = parseAwsUploadEvents(event);
  const result: UploadTriggerResult = { kind: parsed.kind, outcomes: { ignored: 0, waiting: 0, duplicate: 0, submitted: 0 }, rejected: parsed.rejected.length };
  if (parsed.kind === 's3-test-event') {
    logger.info('S3 test event ignored (sent when the bucket notification was configured)');
    return result;
  }
  for (const rejected of parsed.rejected) {
    logger.warn('upload record skipped', { kind: parsed.kind, index: rejected.index, reason: rejected.reason });
    metrics.count('RecordsRejected');
  }
  const failures: unknown[] = [];
  for (const uploadEvent of parsed.events) {
    try {
      const outcome = await handleUpload(uploadEvent, ports);
      result.outcomes[outcome.outcome]++;
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    metrics.count('InvocationsRetried');
    throw new Error(`${failures.length} of ${parsed.events.length} upload records failed; Lambda will retry the invocation`, {
      cause: failures[0],
    });
  }
  return result;
}

/**
 * The production dependencies, from the function's environment (validated with zod; a bad value
 * fails the cold start with a message naming the variable).
 */
export function uploadTriggerDepsFromEnv(env: Record<string, string | undefined> = process.env): UploadTriggerDeps {
  const config = loadConfig(UploadTriggerEnvSchema, env);
  const { logger, metrics } = awsObservability('upload-trigger');
  return {
    ...batchUploadPorts(config, env, logger, metrics),
    addContext: (context) => logger.powertools.addContext(context as Parameters<typeof logger.powertools.addContext>[0]),
    flush: () => metrics.flush(),
  };
}

/** The Lambda entry point (serverless.yml: `functions/aws/upload-trigger.handler`). */
export const handler = createUploadTrigger(() => uploadTriggerDepsFromEnv());
