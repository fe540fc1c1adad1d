import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { stripQuotes } from '../../shared/domain/upload-event.js';
import type {
  ConditionalPutResult,
  ObjectHead,
  ObjectStore,
  PresignedRequest,
  PresignOptions,
  PutOptions,
} from '../../shared/ports/object-store.js';
import { ObjectNotFoundError } from '../../shared/ports/object-store.js';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** A ready client (tests pass one aimed at a loopback server); otherwise one is built from `clientConfig`. */
  client?: S3Client;
  clientConfig?: S3ClientConfig;
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000; tests use 2 to exercise paging). */
  pageSize?: number;
}

/**
 * {@link ObjectStore} on Amazon S3 (or any S3-compatible server). Conditional creates use
 * `If-None-Match: *`, which S3 enforces atomically since 2024: a second writer gets 412.
 *
 * @example
 * const store = new S3ObjectStore({ bucket: 'adni-raw' });
 * const claim = await store.putIfAbsent('jobs/P1/2024-01-01/0123456789abcdef.json', '{}');
 */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly client: S3Client;
  private readonly pageSize: number;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    // Checksums only where S3 requires them: the SDK's default (CRC32 on every upload) would also be
    // signed into presigned PUT URLs as the checksum of an empty body, and browsers' uploads would then fail.
    this.client =
      options.client ??
      new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', ...options.clientConfig });
    this.pageSize = options.pageSize ?? 1000;
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: stripQuotes(out.ETag ?? ''),
        version: versionOf(out.VersionId),
        lastModified: out.LastModified,
        contentType: out.ContentType,
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) return new Uint8Array();
      return await out.Body.transformToByteArray();
    } catch (error) {
      if (statusOf(error) === 404) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<ObjectHead> {
    const bytes = toBytes(body);
    const out = await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: options.contentType }),
    );
    return { key, size: bytes.byteLength, etag: stripQuotes(out.ETag ?? ''), version: versionOf(out.VersionId), contentType: options.contentType };
  }

  async putIfAbsent(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<ConditionalPutResult> {
    const bytes = toBytes(body);
    try {
      const out = await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: options.contentType, IfNoneMatch: '*' }),
      );
      return {
        created: true,
        head: { key, size: bytes.byteLength, etag: stripQuotes(out.ETag ?? ''), version: versionOf(out.VersionId), contentType: options.contentType },
      };
    } catch (error) {
      // 412: the object exists. 409 ConditionalRequestConflict: another conditional write to this key is
      // in flight; one of the racers wins, and for a job marker "someone else is creating it" means the
      // same as "it exists": this event must not submit a second job.
      const status = statusOf(error);
      if (status === 412 || status === 409) return { created: false };
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a key that does not exist, so delete is idempotent as the port requires.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async list(prefix: string): Promise<ObjectHead[]> {
    const heads: ObjectHead[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.pageSize }),
      );
      for (const item of page.Contents ?? []) {
        if (!item.Key) continue;
        heads.push({ key: item.Key, size: item.Size ?? 0, etag: stripQuotes(item.ETag ?? ''), lastModified: item.LastModified });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // S3 already lists in UTF-8 byte order; sorting keeps the contract on S3-compatible servers too.
    return heads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async copy(sourceKey: string, destinationKey: string): Promise<ObjectHead> {
    try {
      // CopySource is "bucket/key", URL-encoded per segment; metadata (content type) is copied with the bytes.
      const source = `${this.bucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`;
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: destinationKey, CopySource: source }));
    } catch (error) {
      if (statusOf(error) === 404) throw new ObjectNotFoundError(sourceKey);
      throw error;
    }
    const head = await this.head(destinationKey);
    if (!head) throw new ObjectNotFoundError(destinationKey);
    return head;
  }

  async presignPut(key: string, options: PresignOptions = {}): Promise<PresignedRequest> {
    const expiresIn = options.expiresInSeconds ?? 900;
    if (options.contentLength !== undefined && options.maxBytes !== undefined && options.contentLength > options.maxBytes) {
      throw new RangeError(`declared size ${options.contentLength} is over the limit of ${options.maxBytes} bytes`);
    }
    // A declared size is signed (SignedHeaders includes content-length): S3 refuses a body of any other length
    // with 403 SignatureDoesNotMatch. A presigned PUT cannot carry a range, so without one the size is not limited here.
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: options.contentType, ContentLength: options.contentLength });
    const url = await getSignedUrl(this.client, command, { expiresIn });
    const headers: Record<string, string> = options.contentType ? { 'content-type': options.contentType } : {};
    return { url, method: 'PUT', headers, expiresAt: expiry(expiresIn) };
  }

  async presignGet(key: string, options: PresignOptions = {}): Promise<PresignedRequest> {
    const expiresIn = options.expiresInSeconds ?? 900;
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn });
    return { url, method: 'GET', headers: {}, expiresAt: expiry(expiresIn) };
  }
}

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}

/** S3 reports `null` as the version of objects written while versioning was off. */
function versionOf(versionId: string | undefined): string | undefined {
  return versionId && versionId !== 'null' ? versionId : undefined;
}

function expiry(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

/** The HTTP status of an SDK error (HeadObject's 404 has no body, so its name is only `NotFound`). */
function statusOf(error: unknown): number | undefined {
  if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode;
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return meta?.httpStatusCode;
}
