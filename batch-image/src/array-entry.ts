import { ARRAY_INDEX_VARIABLE, jobArrayEntry, MANIFEST_VARIABLE, parseManifestRef } from '../../shared/core/job-array-manifest.js';
import { ObjectNotFoundError } from '../../shared/ports/object-store.js';
import { createObjectStore } from './stores.js';

/**
 * The job environment of this process. A single job has it already (the submitter's overrides). A child of an
 * AWS Batch array job (backfill) has only `ADNI_JOB_MANIFEST` and Batch's `AWS_BATCH_JOB_ARRAY_INDEX`: its
 * environment is entry [index] of the manifest, read through the ObjectStore port (`ADNI_STORE`) and checked with
 * the manifest's zod schema, laid over the process environment so the child then runs exactly as a single job.
 * Throws a readable error (bad reference, missing or invalid manifest, index out of range) that names no patient.
 *
 * @example
 * const env = await resolveJobEnvironment(process.env); // unchanged unless ADNI_JOB_MANIFEST is set
 * const request = jobRequestFromEnvironment(env);
 */
export async function resolveJobEnvironment(env: NodeJS.ProcessEnv, openStore: typeof createObjectStore = createObjectStore): Promise<NodeJS.ProcessEnv> {
  const manifestValue = env[MANIFEST_VARIABLE];
  if (!manifestValue) return env;
  const indexText = env[ARRAY_INDEX_VARIABLE];
  // Only Batch sets the index, in array children: a manifest without one is a job definition or override mistake.
  if (indexText === undefined || indexText === '') {
    throw new Error(`invalid job environment: ${MANIFEST_VARIABLE} is set but ${ARRAY_INDEX_VARIABLE} is not (only array job children read a manifest)`);
  }
  const ref = parseManifestRef(manifestValue);
  const store = await openStore({ provider: env.ADNI_STORE, bucket: ref.bucket, env });
  let body: Uint8Array;
  try {
    body = await store.get(ref.key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new Error(`job array manifest not found: ${ref.key}`);
    throw new Error(`could not read the job array manifest ${ref.key}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { ...env, ...jobArrayEntry(body, indexText) };
}
