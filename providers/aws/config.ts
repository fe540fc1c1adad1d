import { z } from 'zod';

/** An S3 bucket name as AWS accepts it (3-63 lowercase letters, digits, dots and dashes). */
const BucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');

/** Environment of the upload trigger (set by serverless.yml). */
export const UploadTriggerEnvSchema = z.object({
  ADNI_RAW_BUCKET: BucketName,
  ADNI_PREPROCESSED_BUCKET: BucketName,
  ADNI_JOB_QUEUE: z.string().min(1, 'must name the Batch job queue'),
  ADNI_JOB_DEFINITION: z.string().min(1, 'must name the Batch job definition'),
  ADNI_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
});
export type UploadTriggerConfig = z.infer<typeof UploadTriggerEnvSchema>;

/** Environment of the HTTP API. */
export const HttpApiEnvSchema = z
  .object({
    ADNI_RAW_BUCKET: BucketName,
    ADNI_PREPROCESSED_BUCKET: BucketName,
    // With both, POST /reprocess and /backfill submit Batch jobs; without, they are not served (501).
    ADNI_JOB_QUEUE: z.string().min(1, 'must name the Batch job queue').optional(),
    ADNI_JOB_DEFINITION: z.string().min(1, 'must name the Batch job definition').optional(),
    ADNI_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  })
  .refine((env) => (env.ADNI_JOB_QUEUE === undefined) === (env.ADNI_JOB_DEFINITION === undefined), {
    message: 'ADNI_JOB_QUEUE and ADNI_JOB_DEFINITION go together (both to serve /reprocess and /backfill, or neither)',
    path: ['ADNI_JOB_QUEUE'],
  });
export type HttpApiConfig = z.infer<typeof HttpApiEnvSchema>;

/** Environment of the Batch monitor. */
export const BatchMonitorEnvSchema = z.object({
  ADNI_JOB_QUEUE: z.string().min(1, 'must name the Batch job queue'),
});
export type BatchMonitorConfig = z.infer<typeof BatchMonitorEnvSchema>;

/** A deployment mistake in the function's environment; the message names each bad variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Validates an entry point's environment once per cold start; throws a {@link ConfigError} that names
 * every missing or malformed variable (values are not echoed: they may be secrets).
 *
 * @example
 * const config = loadConfig(UploadTriggerEnvSchema, process.env);
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid function environment: ${detail}`);
  }
  return parsed.data;
}
