import {
  BlobSASPermissions,
  RestError,
  SASProtocol,
  generateBlobSASQueryParameters,
  type BlobServiceClient,
  type ContainerClient,
  type StorageSharedKeyCredential,
  type UserDelegationKey,
} from '@azure/storage-blob';
import {
  ObjectNotFoundError,
  type ConditionalPutResult,
  type ObjectHead,
  type ObjectStore,
  type PresignedRequest,
  type PresignOptions,
  type PutOptions,
} from '../../shared/ports/object-store.js';
import { stripQuotes } from '../../shared/domain/upload-event.js';

export interface BlobObjectStoreOptions {
  /** A service client for the storage account (connection string, or account URL + managed identity). */
  service: BlobServiceClient;
  /** The container; it is the store's `bucket` and what Event Grid events carry. */
  container: string;
  /**
   * Signs SAS URLs with the account key (Azurite, key-based accounts). Without it, SAS URLs are signed with a
   * user delegation key fetched through the service client's Entra ID credential (the managed identity in Azure),
   * so no account key needs to exist in the Function App.
   */
  sharedKeyCredential?: StorageSharedKeyCredential;
}

/**
 * {@link ObjectStore} on Azure Blob Storage (block blobs). Conditional create uses `If-None-Match: *`, which
 * Blob Storage (and Azurite) enforce atomically; SAS URLs let clients upload and download directly.
 *
 * @example
 * const service = BlobServiceClient.fromConnectionString(process.env.AzureWebJobsStorage!);
 * const store = new BlobObjectStore({ service, container: 'uploads' });
 * const claim = await store.putIfAbsent('jobs/P1/2024-01-01/abc.json', '{}');
 */
export class BlobObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly container: ContainerClient;
  private delegationKey?: UserDelegationKey;

  constructor(private readonly options: BlobObjectStoreOptions) {
    this.bucket = options.container;
    this.container = options.service.getContainerClient(options.container);
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const p = await this.container.getBlobClient(key).getProperties();
      return toHead(key, p.contentLength ?? 0, p.etag, p.versionId, p.lastModified, p.contentType);
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await this.container.getBlobClient(key).downloadToBuffer();
    } catch (error) {
      if (isStatus(error, 404)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<ObjectHead> {
    const bytes = toBytes(body);
    const r = await this.container.getBlockBlobClient(key).upload(bytes, bytes.byteLength, {
      blobHTTPHeaders: options.contentType ? { blobContentType: options.contentType } : undefined,
    });
    return toHead(key, bytes.byteLength, r.etag, r.versionId, r.lastModified, options.contentType);
  }

  async putIfAbsent(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<ConditionalPutResult> {
    const bytes = toBytes(body);
    try {
      const r = await this.container.getBlockBlobClient(key).upload(bytes, bytes.byteLength, {
        blobHTTPHeaders: options.contentType ? { blobContentType: options.contentType } : undefined,
        conditions: { ifNoneMatch: '*' },
      });
      return { created: true, head: toHead(key, bytes.byteLength, r.etag, r.versionId, r.lastModified, options.contentType) };
    } catch (error) {
      // 409 BlobAlreadyExists for an existing blob; 412 when a concurrent writer is mid-commit.
      if (isStatus(error, 409) || isStatus(error, 412)) return { created: false };
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.container.getBlobClient(key).deleteIfExists();
  }

  async list(prefix: string): Promise<ObjectHead[]> {
    const heads: ObjectHead[] = [];
    // Blob listings come back in lexicographic name order, which is the contract's key order.
    for await (const item of this.container.listBlobsFlat({ prefix })) {
      const p = item.properties;
      heads.push(toHead(item.name, p.contentLength ?? 0, p.etag, item.versionId, p.lastModified, p.contentType));
    }
    return heads;
  }

  async copy(sourceKey: string, destinationKey: string): Promise<ObjectHead> {
    const source = this.container.getBlobClient(sourceKey);
    const destination = this.container.getBlobClient(destinationKey);
    try {
      // Copy Blob within one account: authorized by this client's own credential, properties (content type) kept.
      // Same-account copies complete at once; the poller waits for the rare pending one.
      const poller = await destination.beginCopyFromURL(source.url, { intervalInMs: 200 });
      const result = await poller.pollUntilDone();
      if (result.copyStatus && result.copyStatus !== 'success') throw new Error(`blob copy ended ${result.copyStatus}`);
    } catch (error) {
      if (!isStatus(error, 404) && !isStatus(error, 401) && !isStatus(error, 403)) throw error;
      // 404 is also what Storage answers when it cannot verify the copy source: tell a missing source from a source
      // the service would not read for this credential, and copy the latter through this client (get + put).
      const head = await this.head(sourceKey);
      if (!head) throw new ObjectNotFoundError(sourceKey);
      return this.put(destinationKey, await this.get(sourceKey), head.contentType ? { contentType: head.contentType } : {});
    }
    const head = await this.head(destinationKey);
    if (!head) throw new ObjectNotFoundError(destinationKey);
    return head;
  }

  async presignPut(key: string, options: PresignOptions = {}): Promise<PresignedRequest> {
    const headers: Record<string, string> = { 'x-ms-blob-type': 'BlockBlob' };
    if (options.contentType) headers['content-type'] = options.contentType;
    // Create + write only: an upload URL must not let its holder read or delete anything.
    return this.presign(key, 'PUT', 'cw', headers, options);
  }

  async presignGet(key: string, options: PresignOptions = {}): Promise<PresignedRequest> {
    return this.presign(key, 'GET', 'r', {}, options);
  }

  private async presign(
    key: string,
    method: 'PUT' | 'GET',
    permissions: string,
    headers: Record<string, string>,
    options: PresignOptions,
  ): Promise<PresignedRequest> {
    const now = Date.now();
    const expiresOn = new Date(now + (options.expiresInSeconds ?? 900) * 1000);
    const blob = this.container.getBlobClient(key);
    const values = {
      containerName: this.bucket,
      blobName: key,
      permissions: BlobSASPermissions.parse(permissions),
      // Five minutes of clock skew between this function and Storage.
      startsOn: new Date(now - 5 * 60_000),
      expiresOn,
      protocol: blob.url.startsWith('https:') ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
    };
    const sas = this.options.sharedKeyCredential
      ? generateBlobSASQueryParameters(values, this.options.sharedKeyCredential)
      : generateBlobSASQueryParameters(values, await this.userDelegationKey(expiresOn), this.options.service.accountName);
    return { url: `${blob.url}?${sas.toString()}`, method, headers, expiresAt: expiresOn.toISOString() };
  }

  /** One delegation key serves every URL that expires before it does (Storage allows up to 7 days). */
  private async userDelegationKey(until: Date): Promise<UserDelegationKey> {
    if (this.delegationKey && new Date(this.delegationKey.signedExpiresOn).getTime() >= until.getTime()) {
      return this.delegationKey;
    }
    const startsOn = new Date(Date.now() - 5 * 60_000);
    const expiresOn = new Date(Math.max(until.getTime(), Date.now() + 6 * 3600_000));
    this.delegationKey = await this.options.service.getUserDelegationKey(startsOn, expiresOn);
    return this.delegationKey;
  }
}

function toHead(
  key: string,
  size: number,
  etag: string | undefined,
  versionId: string | undefined,
  lastModified: Date | undefined,
  contentType: string | undefined,
): ObjectHead {
  const head: ObjectHead = { key, size, etag: stripQuotes(etag ?? '') };
  if (versionId) head.version = versionId;
  if (lastModified) head.lastModified = lastModified;
  if (contentType) head.contentType = contentType;
  return head;
}

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof RestError ? error.statusCode === status : (error as { statusCode?: number })?.statusCode === status;
}
