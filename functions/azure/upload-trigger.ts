import type { InvocationContext } from '@azure/functions';
import { handleUpload, type UploadOutcome, type UploadPorts } from '../../shared/core/handle-upload.js';
import { systemClock } from '../../shared/ports/observability.js';
import { withFhirStatusFromEnv } from '../../shared/fhir/status-from-env.js';
import { jobFhirStatusEnvironment } from '../../shared/fhir/job-status-env.js';
import { blobCreatedToUploadEvent, type AzureEventParseResult } from '../../providers/azure/blob-created-event.js';
import { blobTriggerToUploadEvent } from '../../providers/azure/blob-trigger-event.js';
import { AzureUploadEnvSchema, loadConfig } from '../../providers/azure/config.js';
import { JsonConsoleLogger, LogMetrics } from '../../providers/azure/observability.js';

/** What one invocation did: the core's outcome, or why the event was skipped. */
export type AzureUploadResult = UploadOutcome | { outcome: 'rejected'; reason: string };

export interface AzureUploadHandlers {
  /** `app.eventGrid` handler: one BlobCreated event (CloudEvents or Event Grid schema). */
  eventGrid(event: unknown, context?: InvocationContext): Promise<AzureUploadResult>;
  /** `app.storageBlob` handler (event-based blob trigger): reads the trigger metadata, never the blob. */
  storageBlob(blob: unknown, context: InvocationContext): Promise<AzureUploadResult>;
}

/**
 * Builds the Azure upload handlers over the given dependencies (built once, on first use; a failed build is
 * retried on the next invocation). Bad input (another event type, a malformed event) is logged and skipped,
 * never thrown: a throw would make Event Grid redeliver input that can never succeed. Storage or ACI errors
 * are thrown so Event Grid retries; `handleUpload` is idempotent, so a retry is harmless.
 *
 * @example
 * const handlers = createAzureUploadHandlers(() => azureUploadDepsFromEnv(process.env));
 * app.eventGrid('uploadEventGrid', { handler: handlers.eventGrid });
 */
export function createAzureUploadHandlers(makeDeps: () => UploadPorts | Promise<UploadPorts>): AzureUploadHandlers {
  let deps: Promise<UploadPorts> | undefined;
  const ports = () =>
    (deps ??= Promise.resolve().then(makeDeps).catch((error: unknown) => {
      deps = undefined;
      throw error;
    }));
  const run = async (parsed: AzureEventParseResult, trigger: string): Promise<AzureUploadResult> => {
    const p = await ports();
    if (!parsed.ok) {
      p.logger.warn('upload event skipped', { trigger, reason: parsed.reason });
      p.metrics.count('EventsRejected');
      return { outcome: 'rejected', reason: parsed.reason };
    }
    return handleUpload(parsed.event, p);
  };
  return {
    eventGrid: (event) => run(blobCreatedToUploadEvent(event), 'eventGrid'),
    storageBlob: (_blob, context) => run(blobTriggerToUploadEvent(context.triggerMetadata), 'storageBlob'),
  };
}

/**
 * The production dependencies from the Function App settings (validated with zod; a bad value fails the cold
 * start with a message naming the setting). SDKs are imported here, lazily, to keep cold starts short.
 */
export async function azureUploadDepsFromEnv(env: Record<string, string | undefined> = process.env): Promise<UploadPorts> {
  const config = loadConfig(AzureUploadEnvSchema, env);
  const [{ DefaultAzureCredential }, { ContainerInstanceManagementClient }, { createBlobStore }, { AciJobSubmitter }, { StoreStatusSink }] =
    await Promise.all([
      import('@azure/identity'),
      import('@azure/arm-containerinstance'),
      import('../../providers/azure/create-blob-store.js'),
      import('../../providers/azure/aci-job-submitter.js'),
      import('../../providers/local/store-status-sink.js'),
    ]);
  // AZURE_CLIENT_ID (set by the template) makes this the Function App's user-assigned identity.
  const credential = new DefaultAzureCredential();
  const store = createBlobStore(
    { accountUrl: config.ADNI_STORAGE_ACCOUNT_URL, connectionString: config.ADNI_STORAGE_CONNECTION_STRING, container: config.ADNI_UPLOAD_CONTAINER },
    credential,
  );
  const logger = new JsonConsoleLogger('upload-trigger');
  const jobs = new AciJobSubmitter({
    client: new ContainerInstanceManagementClient(credential, config.ADNI_SUBSCRIPTION_ID),
    resourceGroup: config.ADNI_RESOURCE_GROUP,
    location: config.ADNI_LOCATION,
    image: config.ADNI_JOB_IMAGE,
    identityId: config.ADNI_JOB_IDENTITY_ID,
    identityClientId: config.ADNI_JOB_IDENTITY_CLIENT_ID,
    registryServer: config.ADNI_REGISTRY_SERVER,
    cpu: config.ADNI_JOB_CPU,
    memoryInGB: config.ADNI_JOB_MEMORY_GB,
    timeoutSeconds: config.ADNI_JOB_TIMEOUT_SECONDS,
    environment: {
      ...(config.ADNI_STORAGE_ACCOUNT_URL ? { ADNI_AZURE_BLOB_URL: config.ADNI_STORAGE_ACCOUNT_URL } : {}),
      // The job reports in-progress/completed/failed to FHIR too (as the job identity) when this app has FHIR.
      ...jobFhirStatusEnvironment(env, 'store'),
    },
  });
  return {
    store,
    outputBucket: config.ADNI_OUTPUT_CONTAINER,
    jobs,
    // The same status records the batch image writes next to the outputs, plus FHIR when FHIR_BASE_URL is set.
    status: withFhirStatusFromEnv(new StoreStatusSink(store), env, { logger }),
    clock: systemClock,
    logger,
    metrics: new LogMetrics(logger),
  };
}
