import { z } from 'zod';

/** A GCS bucket name (3-63 lowercase letters, digits, dashes, underscores, dots). */
const BucketName = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'must be a GCS bucket name');

/** Environment of the upload function; set by the deployment plan. */
export const GcpUploadEnvSchema = z.object({
  ADNI_GCS_BUCKET: BucketName,
  ADNI_OUTPUT_BUCKET: BucketName.optional(),
  ADNI_GCP_PROJECT: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id'),
  ADNI_GCP_REGION: z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'must be a region like europe-west4'),
  ADNI_JOB_NAME: z.string().regex(/^[a-z][a-z0-9-]{0,61}[a-z0-9]$/, 'must be a Cloud Run Job name'),
  ADNI_JOB_TIMEOUT_SECONDS: z.coerce.number().int().min(60).max(86_400).optional(),
});
export type GcpUploadConfig = z.infer<typeof GcpUploadEnvSchema>;

/**
 * Environment of the job reconciler function (called by Cloud Scheduler): the buckets the job requests name, and
 * the FHIR server whose open preprocessing Tasks it checks (`FHIR_BASE_URL`, `FHIR_AUTH`, read by the FHIR client).
 */
export const GcpReconcileEnvSchema = z.object({
  ADNI_GCS_BUCKET: BucketName,
  ADNI_OUTPUT_BUCKET: BucketName.optional(),
});
export type GcpReconcileConfig = z.infer<typeof GcpReconcileEnvSchema>;

/**
 * Environment of the HTTP API function. `ADNI_OUTPUT_BUCKET`: where GET /outputs and backfill look for the jobs'
 * outputs (the raw bucket without it). With `ADNI_JOB_NAME`, POST /reprocess and /backfill submit jobs and the
 * whole {@link GcpUploadEnvSchema} applies.
 */
export const GcpHttpEnvSchema = z.object({ ADNI_GCS_BUCKET: BucketName, ADNI_OUTPUT_BUCKET: BucketName.optional() });
export type GcpHttpConfig = z.infer<typeof GcpHttpEnvSchema>;

/** A deployment mistake in the function's environment; the message names each bad variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Validates an entry point's environment once per cold start; throws a {@link ConfigError} naming every
 * missing or malformed variable (values are not echoed).
 *
 * @example
 * const config = loadConfig(GcpUploadEnvSchema, process.env);
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid function environment: ${detail}`);
  }
  return parsed.data;
}
