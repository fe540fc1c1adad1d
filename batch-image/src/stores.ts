import type { ObjectStore } from '../../shared/ports/object-store.js';

export interface StoreFactoryInput {
  /** Bucket / container the store serves. */
  bucket: string;
  /** Environment for provider settings (region, endpoint, data dir...). */
  env: NodeJS.ProcessEnv;
}

/** Builds one provider's ObjectStore; imported lazily so an image only loads the SDK it uses. */
export type StoreFactory = (input: StoreFactoryInput) => Promise<ObjectStore>;

/**
 * The object stores the batch image can use, by `ADNI_STORE` value. One line per provider: each
 * provider adds its own entry here (azure, gcp follow the same shape).
 */
export const storeFactories: Record<string, StoreFactory> = {
  local: async ({ bucket, env }) => {
    const { FsObjectStore } = await import('../../providers/local/fs-object-store.js');
    const { localDataLayout } = await import('../../providers/local/data-dir.js');
    return new FsObjectStore({ root: localDataLayout({ env }).storeRoot, bucket });
  },
  s3: async ({ bucket, env }) => {
    const { S3ObjectStore } = await import('../../providers/aws/s3-object-store.js');
    // Region and credentials come from the SDK's default chain (the Batch job role); ADNI_S3_ENDPOINT points
    // at an S3-compatible server (MinIO, s3rver) instead.
    const endpoint = env.ADNI_S3_ENDPOINT;
    return new S3ObjectStore({ bucket, clientConfig: endpoint ? { endpoint, forcePathStyle: true } : {} });
  },
  // ACI jobs (AciJobSubmitter): the account URL with the job's managed identity (AZURE_CLIENT_ID picks it);
  // a connection string instead for Azurite or key-based accounts.
  azure: async ({ bucket, env }) => {
    const { createBlobStore } = await import('../../providers/azure/create-blob-store.js');
    const connectionString = env.ADNI_STORAGE_CONNECTION_STRING;
    if (connectionString) return createBlobStore({ connectionString, container: bucket });
    const accountUrl = env.ADNI_AZURE_BLOB_URL;
    if (!accountUrl) throw new Error('ADNI_STORE=azure needs ADNI_AZURE_BLOB_URL (or ADNI_STORAGE_CONNECTION_STRING)');
    const { DefaultAzureCredential } = await import('@azure/identity');
    return createBlobStore({ accountUrl, container: bucket }, new DefaultAzureCredential());
  },
  // Cloud Run Jobs (CloudRunJobSubmitter): the job's service account through ADC; ADNI_GCS_ENDPOINT points at
  // a GCS-compatible server instead (the SDK sends no credentials to a custom endpoint).
  gcp: async ({ bucket, env }) => {
    const [{ Storage }, { GcsObjectStore }] = await Promise.all([import('@google-cloud/storage'), import('../../providers/gcp/gcs-object-store.js')]);
    const endpoint = env.ADNI_GCS_ENDPOINT;
    const projectId = env.ADNI_GCP_PROJECT;
    return new GcsObjectStore({ storage: new Storage({ projectId, ...(endpoint ? { apiEndpoint: endpoint } : {}) }), bucket });
  },
};

/** A readable error for a missing or unknown `ADNI_STORE`. */
export class UnknownStoreError extends Error {
  constructor(value: string | undefined) {
    super(`ADNI_STORE must be one of ${Object.keys(storeFactories).join(', ')} (got ${value === undefined || value === '' ? 'nothing' : `"${value}"`})`);
    this.name = 'UnknownStoreError';
  }
}

/**
 * The ObjectStore for a provider name and bucket.
 *
 * @example
 * const store = await createObjectStore({ provider: 'local', bucket: 'local', env: process.env });
 */
export async function createObjectStore(input: StoreFactoryInput & { provider: string | undefined }): Promise<ObjectStore> {
  const factory = input.provider ? Object.hasOwn(storeFactories, input.provider) && storeFactories[input.provider] : undefined;
  if (!factory) throw new UnknownStoreError(input.provider);
  return factory({ bucket: input.bucket, env: input.env });
}
