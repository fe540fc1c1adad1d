/** The FHIR client settings a job container may inherit (never `FHIR_TOKEN`: clouds use the job's identity). */
const INHERITED = ['FHIR_BASE_URL', 'FHIR_AUTH', 'FHIR_AWS_REGION', 'FHIR_AZURE_SCOPE'] as const;

/**
 * The container environment that makes a preprocessing job report its status to FHIR (Task + ImagingStudy) as
 * well as to `baseSink`: `ADNI_STATUS_SINK=<baseSink>,fhir` plus the FHIR client settings of the function that
 * submits it. Empty when `FHIR_BASE_URL` is not set (the job then reports to its default sink only). The job
 * authenticates with its own identity (`FHIR_AUTH=azure|google|sigv4`), which needs write access to the FHIR
 * server; a static `FHIR_TOKEN` is never passed on.
 *
 * @example
 * jobFhirStatusEnvironment({ FHIR_BASE_URL: 'https://x.fhir.azurehealthcareapis.com', FHIR_AUTH: 'azure' }, 'store')
 * // { ADNI_STATUS_SINK: 'store,fhir', FHIR_BASE_URL: 'https://x.fhir.azurehealthcareapis.com', FHIR_AUTH: 'azure' }
 */
export function jobFhirStatusEnvironment(env: Record<string, string | undefined>, baseSink: 'store' | 'log'): Record<string, string> {
  if (!env.FHIR_BASE_URL) return {};
  const out: Record<string, string> = { ADNI_STATUS_SINK: `${baseSink},fhir` };
  for (const name of INHERITED) {
    const value = env[name];
    if (value) out[name] = value;
  }
  return out;
}
