import type { Logger } from '../ports/observability.js';
import type { StatusSink } from '../ports/status-sink.js';
import { fhirStoreFromEnvIfSet } from './client.js';
import { fanOutStatusSink } from './fan-out-status-sink.js';
import { FhirStatusSink } from './status-sink.js';

/**
 * A provider's status sink, plus FHIR (ImagingStudy + Task) when `FHIR_BASE_URL` is set: what the cloud upload
 * triggers use, so the `requested` status of every submitted job reaches the managed FHIR server.
 *
 * @example
 * status: withFhirStatusFromEnv(new LoggingStatusSink(logger), process.env, { logger, objectUrl: (b, k) => `s3://${b}/${k}` })
 */
export function withFhirStatusFromEnv(
  sink: StatusSink,
  env: Record<string, string | undefined>,
  options: { logger?: Logger; objectUrl?: (bucket: string, key: string) => string } = {},
): StatusSink {
  const fhir = fhirStoreFromEnvIfSet(env);
  return fhir ? fanOutStatusSink([sink, new FhirStatusSink({ store: fhir, ...options })]) : sink;
}
