import type { TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { BlobObjectStore } from './blob-object-store.js';

export interface BlobStoreLocation {
  /** `https://{account}.blob.core.windows.net`: Entra ID auth, SAS by user delegation key. */
  accountUrl?: string;
  /** A connection string with an account key (Azurite, key-based accounts): SAS by shared key. */
  connectionString?: string;
  container: string;
}

/**
 * A {@link BlobObjectStore} from configuration: a connection string wins (it carries its own key), otherwise the
 * account URL with `credential` (the Function App's managed identity).
 *
 * @example
 * const store = createBlobStore({ accountUrl: 'https://adni.blob.core.windows.net', container: 'uploads' }, new DefaultAzureCredential());
 */
export function createBlobStore(location: BlobStoreLocation, credential?: TokenCredential): BlobObjectStore {
  if (location.connectionString) {
    const service = BlobServiceClient.fromConnectionString(location.connectionString);
    const settings = Object.fromEntries(
      location.connectionString.split(';').filter(Boolean).map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    );
    const sharedKeyCredential = settings.AccountName && settings.AccountKey
      ? new StorageSharedKeyCredential(settings.AccountName, settings.AccountKey)
      : undefined;
    return new BlobObjectStore({ service, container: location.container, sharedKeyCredential });
  }
  if (!location.accountUrl || !credential) throw new Error('a Blob store needs a connection string, or an account URL and a credential');
  return new BlobObjectStore({ service: new BlobServiceClient(location.accountUrl, credential), container: location.container });
}
