import { z } from 'zod';

/** A container name as Blob Storage accepts it (3-63 lowercase letters, digits, single dashes). */
const ContainerName = z.string().regex(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'must be a Blob container name');
const Url = z.url({ protocol: /^https?$/ });
const Guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

/**
 * Where the Function App's storage is: an account URL (production, managed identity, SAS by user delegation
 * key) or a connection string (Azurite and key-based accounts).
 */
const StorageEnv = z
  .object({
    ADNI_STORAGE_ACCOUNT_URL: Url.optional(),
    ADNI_STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
    ADNI_UPLOAD_CONTAINER: ContainerName,
    ADNI_OUTPUT_CONTAINER: ContainerName.optional(),
  })
  .refine((e) => e.ADNI_STORAGE_ACCOUNT_URL || e.ADNI_STORAGE_CONNECTION_STRING, {
    message: 'set ADNI_STORAGE_ACCOUNT_URL (managed identity) or ADNI_STORAGE_CONNECTION_STRING',
    path: ['ADNI_STORAGE_ACCOUNT_URL'],
  });

/** Environment of the upload trigger (Event Grid or blob trigger); set by the ARM template. */
export const AzureUploadEnvSchema = z.intersection(
  StorageEnv,
  z.object({
    ADNI_SUBSCRIPTION_ID: Guid,
    ADNI_RESOURCE_GROUP: z.string().regex(/^[-\w.()]{1,90}$/, 'must be a resource group name'),
    ADNI_LOCATION: z.string().regex(/^[a-z0-9]+$/, 'must be an Azure region name like westeurope'),
    ADNI_JOB_IMAGE: z.string().min(1, 'must name the preprocessing image'),
    ADNI_JOB_IDENTITY_ID: z.string().regex(/^\/subscriptions\/.+\/userAssignedIdentities\/[^/]+$/i, 'must be a user-assigned identity resource id'),
    ADNI_JOB_IDENTITY_CLIENT_ID: Guid,
    ADNI_REGISTRY_SERVER: z.string().min(1).optional(),
    ADNI_JOB_CPU: z.coerce.number().min(1).max(16).default(4),
    ADNI_JOB_MEMORY_GB: z.coerce.number().min(1).max(64).default(16),
    ADNI_JOB_TIMEOUT_SECONDS: z.coerce.number().int().min(60).max(86_400).default(1800),
  }),
);
export type AzureUploadConfig = z.infer<typeof AzureUploadEnvSchema>;

/**
 * Environment of the job reconciler (timer): where the job container groups live, the containers the job
 * requests name, and the FHIR server whose open preprocessing Tasks it checks (`FHIR_BASE_URL`, `FHIR_AUTH`, read
 * by the FHIR client). `ADNI_RECONCILE_SCHEDULE` is read at registration (an NCRONTAB expression).
 */
export const AzureReconcileEnvSchema = z.object({
  ADNI_SUBSCRIPTION_ID: Guid,
  ADNI_RESOURCE_GROUP: z.string().regex(/^[-\w.()]{1,90}$/, 'must be a resource group name'),
  ADNI_UPLOAD_CONTAINER: ContainerName,
  ADNI_OUTPUT_CONTAINER: ContainerName.optional(),
});
export type AzureReconcileConfig = z.infer<typeof AzureReconcileEnvSchema>;

/** Environment of the HTTP API. */
export const AzureHttpEnvSchema = StorageEnv;
export type AzureHttpConfig = z.infer<typeof AzureHttpEnvSchema>;

/** A deployment mistake in the function's environment; the message names each bad variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Validates an entry point's environment once per cold start; throws a {@link ConfigError} naming every
 * missing or malformed variable (values are not echoed: connection strings are secrets).
 *
 * @example
 * const config = loadConfig(AzureUploadEnvSchema, process.env);
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid function environment: ${detail}`);
  }
  return parsed.data;
}
