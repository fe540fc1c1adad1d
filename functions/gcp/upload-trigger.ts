import { handleUpload, type UploadOutcome, type UploadPorts } from '../../shared/core/handle-upload.js';
import { systemClock } from '../../shared/ports/observability.js';
import { withFhirStatusFromEnv } from '../../shared/fhir/status-from-env.js';
import { GcpUploadEnvSchema, loadConfig } from '../../providers/gcp/config.js';
import { gcsCloudEventToUploadEvent } from '../../providers/gcp/gcs-event.js';
import { CloudLoggingLogger, LogLineMetrics } from '../../providers/gcp/observability.js';

/** What one invocation did: the core's outcome, or why the event was skipped. */
export type GcpUploadResult = UploadOutcome | { outcome: 'rejected'; reason: string };

/**
 * Builds the `cloudEvent` handler for GCS uploads over the given dependencies (built once, on first use; a
 * failed build is retried on the next event). The Functions Framework has already turned binary, structured
 * and legacy deliveries into one CloudEvent. Bad input is logged and skipped (a throw would make Eventarc
 * redeliver input that can never succeed); storage or Cloud Run errors are thrown so Eventarc retries, and
 * `handleUpload` makes the retry harmless.
 *
 * @example
 * functions.cloudEvent('onUpload', createGcpUploadHandler(() => gcpUploadDepsFromEnv(process.env)));
 */
export function createGcpUploadHandler(makeDeps: () => UploadPorts | Promise<UploadPorts>) {
  let deps: Promise<UploadPorts> | undefined;
  return async function onUpload(cloudEvent: unknown): Promise<GcpUploadResult> {
    const ports = await (deps ??= Promise.resolve().then(makeDeps).catch((error: unknown) => {
      deps = undefined;
      throw error;
    }));
    const parsed = gcsCloudEventToUploadEvent(cloudEvent);
    if (!parsed.ok) {
      ports.logger.warn('upload event skipped', { reason: parsed.reason });
      ports.metrics.count('EventsRejected');
      return { outcome: 'rejected', reason: parsed.reason };
    }
    return handleUpload(parsed.event, ports);
  };
}

/**
 * The production dependencies from the function's environment (zod-validated; a bad value fails the cold start
 * naming the variable). SDKs are imported lazily to keep cold starts short.
 */
export async function gcpUploadDepsFromEnv(env: Record<string, string | undefined> = process.env): Promise<UploadPorts> {
  const config = loadConfig(GcpUploadEnvSchema, env);
  const [{ Storage }, { JobsClient }, { GcsObjectStore }, { CloudRunJobSubmitter }, { StoreStatusSink }] = await Promise.all([
    import('@google-cloud/storage'),
    import('@google-cloud/run'),
    import('../../providers/gcp/gcs-object-store.js'),
    import('../../providers/gcp/cloud-run-job-submitter.js'),
    import('../../providers/local/store-status-sink.js'),
  ]);
  const store = new GcsObjectStore({ storage: new Storage({ projectId: config.ADNI_GCP_PROJECT }), bucket: config.ADNI_GCS_BUCKET });
  const logger = new CloudLoggingLogger('upload-trigger');
  return {
    store,
    outputBucket: config.ADNI_OUTPUT_BUCKET,
    jobs: new CloudRunJobSubmitter({
      client: new JobsClient(),
      projectId: config.ADNI_GCP_PROJECT,
      region: config.ADNI_GCP_REGION,
      jobName: config.ADNI_JOB_NAME,
      timeoutSeconds: config.ADNI_JOB_TIMEOUT_SECONDS,
      environment: { ADNI_GCP_PROJECT: config.ADNI_GCP_PROJECT },
    }),
    // The same status records the batch image writes next to the outputs, plus FHIR when FHIR_BASE_URL is set.
    status: withFhirStatusFromEnv(new StoreStatusSink(store), env, { logger }),
    clock: systemClock,
    logger,
    metrics: new LogLineMetrics(logger),
  };
}
