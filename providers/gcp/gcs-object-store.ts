import type { File, FileMetadata, Storage } from '@google-cloud/storage';
import {
  ObjectNotFoundError,
  type ConditionalPutResult,
  type ObjectHead,
  type ObjectStore,
  type PresignedRequest,
  type PresignOptions,
  type PutOptions,
} from '../../shared/ports/object-store.js';

export interface GcsObjectStoreOptions {
  /**
   * The client. On Cloud Run it signs URLs through the IAM `signBlob` API with the runtime service account
   * (which needs `roles/iam.serviceAccountTokenCreator` on itself); with a key file it signs locally.
   */
  storage: Storage;
  bucket: string;
}

/**
 * {@link ObjectStore} on Google Cloud Storage. Conditional create is `ifGenerationMatch: 0` ("only if no live
 * object"), which GCS enforces atomically; presigned requests are V4 signed URLs. Small bodies only go through
 * here (markers, outputs): single-request multipart uploads, no resumable sessions.
 *
 * @example
 * const store = new GcsObjectStore({ storage: new Storage(), bucket: 'adni-uploads' });
 * const claim = await store.putIfAbsent('jobs/P1/2024-01-01/abc.json', '{}');
 */
export class GcsObjectStore implements ObjectStore {
  readonly bucket: string;

  constructor(private readonly options: GcsObjectStoreOptions) {
    this.bucket = options.bucket;
  }

  private file(key: string): File {
    return this.options.storage.bucket(this.bucket).file(key);
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const [metadata] = await this.file(key).getMetadata();
      return toHead(key, metadata);
    } catch (error) {
      if (code(error) === 404) return undefined;
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const [bytes] = await this.file(key).download();
      return bytes;
    } catch (error) {
      if (code(error) === 404) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<ObjectHead> {
    const file = this.file(key);
    await file.save(toBuffer(body), { resumable: false, contentType: options.contentType });
    // save() leaves the object resource GCS answered with on the File: no second request for the head.
    return toHead(key, file.metadata);
  }

  async putIfAbsent(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<ConditionalPutResult> {
    const file = this.file(key);
    try {
      await file.save(toBuffer(body), {
        resumable: false,
        contentType: options.contentType,
        preconditionOpts: { ifGenerationMatch: 0 },
      });
    } catch (error) {
      if (code(error) === 412) return { created: false };
      throw error;
    }
    return { created: true, head: toHead(key, file.metadata) };
  }

  async delete(key: string): Promise<void> {
    await this.file(key).delete({ ignoreNotFound: true });
  }

  async list(prefix: string): Promise<ObjectHead[]> {
    // autoPaginate follows nextPageToken; GCS lists in lexicographic name order.
    const [files] = await this.options.storage.bucket(this.bucket).getFiles({ prefix, autoPaginate: true });
    return files.map((f) => toHead(f.name, f.metadata));
  }

  async copy(sourceKey: string, destinationKey: string): Promise<ObjectHead> {
    try {
      // objects.rewrite: server-side, metadata (content type) kept; the SDK follows rewriteToken for large objects.
      await this.file(sourceKey).copy(this.file(destinationKey));
    } catch (error) {
      if (code(error) === 404) throw new ObjectNotFoundError(sourceKey);
      throw error;
    }
    const head = await this.head(destinationKey);
    if (!head) throw new ObjectNotFoundError(destinationKey);
    return head;
  }

  async presignPut(key: string, options: PresignOptions = {}): Promise<PresignedRequest> {
    const expires = expiry(options);
    // x-goog-content-length-range is a signed extension header: GCS answers 400 to a body outside the range. An
    // exact declared size pins it; otherwise 0..maxBytes.
    const range = options.contentLength !== undefined ? `${options.contentLength},${options.contentLength}` : options.maxBytes !== undefined ? `0,${options.maxBytes}` : undefined;
    if (options.contentLength !== undefined && options.maxBytes !== undefined && options.contentLength > options.maxBytes) {
      throw new RangeError(`declared size ${options.contentLength} is over the limit of ${options.maxBytes} bytes`);
    }
    const [url] = await this.file(key).getSignedUrl({
      version: 'v4',
      action: 'write',
      expires,
      // A signed content type must be sent as is: it pins what the client uploads.
      contentType: options.contentType,
      ...(range ? { extensionHeaders: { 'x-goog-content-length-range': range } } : {}),
    });
    const headers: Record<string, string> = options.contentType ? { 'content-type': options.contentType } : {};
    if (range) headers['x-goog-content-length-range'] = range;
    return { url, method: 'PUT', headers, expiresAt: new Date(expires).toISOString() };
  }

  async presignGet(key: string, options: PresignOptions = {}): Promise<PresignedRequest> {
    const expires = expiry(options);
    const [url] = await this.file(key).getSignedUrl({ version: 'v4', action: 'read', expires });
    return { url, method: 'GET', headers: {}, expiresAt: new Date(expires).toISOString() };
  }
}

function toHead(key: string, m: FileMetadata): ObjectHead {
  const head: ObjectHead = { key, size: Number(m.size ?? 0), etag: String(m.etag ?? m.md5Hash ?? '') };
  if (m.generation !== undefined) head.version = String(m.generation);
  if (m.updated) head.lastModified = new Date(m.updated);
  if (m.contentType) head.contentType = m.contentType;
  return head;
}

function expiry(options: PresignOptions): number {
  return Date.now() + (options.expiresInSeconds ?? 900) * 1000;
}

function toBuffer(body: Uint8Array | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function code(error: unknown): number | undefined {
  return (error as { code?: number })?.code;
}
