/** What storage knows about one object. */
export interface ObjectHead {
  key: string;
  size: number;
  /** Content tag without quotes (S3/Azure ETag, GCS md5/etag, local content hash). */
  etag: string;
  /** Object version where the store keeps versions (S3 VersionId, Azure versionId, GCS generation, local mtime). */
  version?: string;
  lastModified?: Date;
  contentType?: string;
}

export interface PutOptions {
  contentType?: string;
}

export type ConditionalPutResult = { created: true; head: ObjectHead } | { created: false };

export interface PresignOptions {
  /** Lifetime of the URL in seconds (default 900). */
  expiresInSeconds?: number;
  contentType?: string;
  /**
   * PUT only: the exact body size the client declared. Signed where the store can (S3: `content-length` becomes a
   * signed header, so any other size is refused; GCS: `x-goog-content-length-range: n,n`).
   */
  contentLength?: number;
  /**
   * PUT only: the largest body the URL may upload, where the store can sign a range (GCS
   * `x-goog-content-length-range: 0,max`). S3 presigned PUTs can only pin an exact `contentLength`, and Blob SAS
   * tokens cannot limit size at all: there the upload trigger refuses oversize objects instead.
   */
  maxBytes?: number;
}

/** A URL that lets a client read or write one object directly, with no server in between. */
export interface PresignedRequest {
  url: string;
  method: 'PUT' | 'GET';
  /** Headers the client must send with the request. */
  headers: Record<string, string>;
  expiresAt: string;
}

/** Thrown by `get` when the object does not exist. */
export class ObjectNotFoundError extends Error {
  constructor(public readonly key: string) {
    super(`object not found: ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/**
 * One bucket/container of object storage. Implemented for the local filesystem, S3, Azure Blob and GCS,
 * and every implementation passes the same contract suite (`test/contracts/object-store.contract.ts`).
 */
export interface ObjectStore {
  /** The bucket/container name this store writes to (what events carry as `data.bucket`). */
  readonly bucket: string;
  head(key: string): Promise<ObjectHead | undefined>;
  get(key: string): Promise<Uint8Array>;
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<ObjectHead>;
  /**
   * Creates the object only if no object with that key exists, atomically (S3 `If-None-Match: *`,
   * Azure `ifNoneMatch: '*'`, GCS `ifGenerationMatch: 0`, local exclusive link). The basis of idempotency.
   */
  putIfAbsent(key: string, body: Uint8Array | string, options?: PutOptions): Promise<ConditionalPutResult>;
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<ObjectHead[]>;
  /**
   * Server-side copy of one object to another key of the same bucket, replacing what is there, content type kept
   * (S3 `CopyObject`, Blob copy from URL, GCS rewrite, local copy + rename: readers see the old or the whole new
   * object). Throws {@link ObjectNotFoundError} when the source is missing. Optional: callers fall back to
   * `get` + `put` for a store without it (the batch image's commit does).
   */
  copy?(sourceKey: string, destinationKey: string): Promise<ObjectHead>;
  presignPut(key: string, options?: PresignOptions): Promise<PresignedRequest>;
  presignGet(key: string, options?: PresignOptions): Promise<PresignedRequest>;
}
