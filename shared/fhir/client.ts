import { FhirClientEnvSchema, authFetchFromEnv } from './auth/from-env.js';
import { MedplumFhirStore } from './medplum-store.js';
import { deferredFhirStore } from './deferred-store.js';
import type { FhirStore } from './store.js';

export type { FhirStore } from './store.js';
export { FhirStoreError, identifierQuery } from './store.js';
export { MedplumFhirStore } from './medplum-store.js';
export { RouterFhirStore } from './router-store.js';
export { FhirClientEnvSchema } from './auth/from-env.js';

/**
 * The FHIR store named by the environment: `FHIR_BASE_URL` (any FHIR R4 server) and
 * `FHIR_AUTH=none|sigv4|azure|google`. Throws one readable error naming each bad variable.
 *
 * @example
 * const fhir = await fhirStoreFromEnv(process.env); // FHIR_BASE_URL=http://127.0.0.1:8080/fhir/R4
 */
export async function fhirStoreFromEnv(env: Record<string, string | undefined>): Promise<FhirStore> {
  const parsed = FhirClientEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid FHIR client settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return new MedplumFhirStore({ baseUrl: parsed.data.FHIR_BASE_URL, fetch: await authFetchFromEnv(parsed.data) });
}


/**
 * For the cloud HTTP entry points, whose dependencies are built synchronously: the FHIR store of
 * `FHIR_BASE_URL`, or undefined when it is not set (the patient routes then answer 501). The settings are
 * checked now (a bad `FHIR_AUTH` fails the start with its reason); the credentials load on first use.
 *
 * @example
 * const deps = { store, logger, fhir: fhirStoreFromEnvIfSet(process.env) };
 */
export function fhirStoreFromEnvIfSet(env: Record<string, string | undefined>): FhirStore | undefined {
  if (!env.FHIR_BASE_URL) return undefined;
  const parsed = FhirClientEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid FHIR client settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return deferredFhirStore(fhirStoreFromEnv(env));
}
