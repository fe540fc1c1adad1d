import type { UploadPorts } from '../../shared/core/handle-upload.js';
import { withFhirStatusFromEnv } from '../../shared/fhir/status-from-env.js';
import { systemClock } from '../../shared/ports/observability.js';
import { BatchJobSubmitter } from '../../providers/aws/batch-job-submitter.js';
import type { UploadTriggerConfig } from '../../providers/aws/config.js';
import { LoggingStatusSink } from '../../providers/aws/logging-status-sink.js';
import { S3ObjectStore } from '../../providers/aws/s3-object-store.js';

/**
 * The core's upload ports on AWS (raw bucket, Batch, status to the log plus FHIR when `FHIR_BASE_URL` is set),
 * shared by the upload trigger and the HTTP API's reprocess/backfill routes so both submit the same jobs.
 *
 * @example
 * const ports = batchUploadPorts(loadConfig(UploadTriggerEnvSchema, process.env), process.env, logger, metrics);
 */
export function batchUploadPorts(
  config: Pick<UploadTriggerConfig, 'ADNI_RAW_BUCKET' | 'ADNI_PREPROCESSED_BUCKET' | 'ADNI_JOB_QUEUE' | 'ADNI_JOB_DEFINITION' | 'ADNI_JOB_ATTEMPTS'>,
  env: Record<string, string | undefined>,
  logger: UploadPorts['logger'],
  metrics: UploadPorts['metrics'],
): UploadPorts {
  return {
    store: new S3ObjectStore({ bucket: config.ADNI_RAW_BUCKET }),
    outputBucket: config.ADNI_PREPROCESSED_BUCKET,
    jobs: new BatchJobSubmitter({ jobQueue: config.ADNI_JOB_QUEUE, jobDefinition: config.ADNI_JOB_DEFINITION, attempts: config.ADNI_JOB_ATTEMPTS }),
    // Plus FHIR (HealthLake) when FHIR_BASE_URL is set.
    status: withFhirStatusFromEnv(new LoggingStatusSink(logger), env, { logger, objectUrl: (bucket, key) => `s3://${bucket}/${key}` }),
    clock: systemClock,
    logger,
    metrics,
  };
}

