import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {
  ConditionalPutResult,
  ObjectHead,
  ObjectStore,
  PresignedRequest,
  PresignOptions,
  PutOptions,
} from '../../shared/ports/object-store.js';
import { ObjectNotFoundError } from '../../shared/ports/object-store.js';

export interface FsObjectStoreOptions {
  /** Folder that holds the objects; keys map to paths below it. */
  root: string;
  /** Name reported as the bucket in events. */
  bucket?: string;
  /** Base URL of the local HTTP server that serves presigned requests (e.g. http://127.0.0.1:8080). */
  publicBaseUrl?: string;
  /** HMAC key for presigned URLs; random per process when omitted. */
  signingKey?: Uint8Array;
}

const TEMP_DIR = '.tmp';

export interface PutStreamOptions {
  /** Refuse bodies larger than this many bytes (nothing is stored then). */
  maxBytes?: number;
  /** Keep the existing object (same etag, same version) when the new body is byte-identical. */
  skipIfUnchanged?: boolean;
}

export interface PutStreamResult {
  head: ObjectHead;
  /** True when `skipIfUnchanged` found identical content and left the object alone. */
  unchanged: boolean;
}

/** Thrown by `putStream` when the body exceeds `maxBytes`; the object is left as it was. */
export class ObjectTooLargeError extends Error {
  constructor(public readonly maxBytes: number) {
    super(`body exceeds the limit of ${maxBytes} bytes`);
    this.name = 'ObjectTooLargeError';
  }
}

/**
 * The object store of the one-machine stack: a folder on disk. Writes are atomic (temp file + rename),
 * conditional creates use an exclusive hard link, and presigned URLs are HMAC-signed URLs that the local
 * HTTP server verifies with {@link FsObjectStore.verifyPresigned}.
 *
 * @example
 * const store = new FsObjectStore({ root: '/data/store' });
 * await store.put('raw/P1/2024-01-01/mri.nii.gz', bytes);
 */
export class FsObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly root: string;
  private readonly signingKey: Uint8Array;
  private readonly publicBaseUrl: string;

  constructor(options: FsObjectStoreOptions) {
    this.root = path.resolve(options.root);
    this.bucket = options.bucket ?? 'local';
    this.signingKey = options.signingKey ?? randomBytes(32);
    this.publicBaseUrl = (options.publicBaseUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  }

  /** Absolute path of a key; rejects keys that would escape the root. */
  pathOf(key: string): string {
    assertSafeKey(key);
    const full = path.join(this.root, ...key.split('/'));
    if (!full.startsWith(this.root + path.sep)) throw new Error(`key escapes the store: ${key.length} chars`);
    return full;
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const file = this.pathOf(key);
    let info;
    try {
      info = await stat(file, { bigint: true });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    if (!info.isFile()) return undefined;
    return {
      key,
      size: Number(info.size),
      etag: await md5File(file),
      // No versions on a plain folder: the modification time in ns tells one write from the next.
      version: info.mtimeNs.toString(),
      lastModified: new Date(Number(info.mtimeMs)),
    };
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<ObjectHead> {
    const file = this.pathOf(key);
    const temp = await this.writeTemp(body);
    await mkdir(path.dirname(file), { recursive: true });
    await rename(temp, file);
    return (await this.head(key))!;
  }

  async putIfAbsent(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<ConditionalPutResult> {
    const file = this.pathOf(key);
    const temp = await this.writeTemp(body);
    await mkdir(path.dirname(file), { recursive: true });
    try {
      // link(2) fails with EEXIST atomically, and readers never see a half-written file.
      await link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { created: false };
      throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    return { created: true, head: (await this.head(key))! };
  }

  /**
   * Streams a body to the object without holding it in memory (the local server's presigned PUT).
   * Atomic like `put`: readers see the old object or the whole new one, never a partial file.
   *
   * @example
   * const { head } = await store.putStream('raw/P1/2024-01-01/mri.nii.gz', createReadStream(file), { maxBytes: 2 ** 31 });
   */
  async putStream(key: string, body: AsyncIterable<Uint8Array>, options: PutStreamOptions = {}): Promise<PutStreamResult> {
    const file = this.pathOf(key);
    const dir = path.join(this.root, TEMP_DIR);
    await mkdir(dir, { recursive: true });
    const temp = path.join(dir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const hash = createHash('md5');
    let bytes = 0;
    const limit = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > limit) return done(new ObjectTooLargeError(limit));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(temp));
      const etag = hash.digest('hex');
      if (options.skipIfUnchanged) {
        const existing = await this.head(key);
        if (existing && existing.etag === etag) {
          await unlink(temp);
          return { head: existing, unchanged: true };
        }
      }
      await mkdir(path.dirname(file), { recursive: true });
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    return { head: (await this.head(key))!, unchanged: false };
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<ObjectHead[]> {
    const heads: ObjectHead[] = [];
    for (const key of await this.listKeys()) {
      if (!key.startsWith(prefix)) continue;
      const head = await this.head(key);
      if (head) heads.push(head);
    }
    return heads;
  }

  async copy(sourceKey: string, destinationKey: string): Promise<ObjectHead> {
    const from = this.pathOf(sourceKey);
    const to = this.pathOf(destinationKey);
    const dir = path.join(this.root, TEMP_DIR);
    await mkdir(dir, { recursive: true });
    const temp = path.join(dir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    try {
      // Copy beside, then rename over: readers see the old object or the whole copy, as with `put`.
      await copyFile(from, temp);
      await mkdir(path.dirname(to), { recursive: true });
      await rename(temp, to);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (isNotFound(error) && !(await this.head(sourceKey))) throw new ObjectNotFoundError(sourceKey);
      throw error;
    }
    return (await this.head(destinationKey))!;
  }

  async presignPut(key: string, options: PresignOptions = {}): Promise<PresignedRequest> {
    return this.presign('PUT', key, options);
  }

  async presignGet(key: string, options: PresignOptions = {}): Promise<PresignedRequest> {
    return this.presign('GET', key, options);
  }

  /**
   * Checks a presigned request that reached the local server. Returns the key it grants, or a reason.
   * The signature covers method, key and expiry, so a URL cannot be reused for another object.
   */
  verifyPresigned(method: string, key: string, query: URLSearchParams, now = new Date()):
    | { ok: true; key: string }
    | { ok: false; reason: string } {
    const expiresText = query.get('expires') ?? '';
    const signature = query.get('signature') ?? '';
    if (!/^\d{1,12}$/.test(expiresText)) return { ok: false, reason: 'missing or malformed expires' };
    const expires = Number(expiresText);
    if (now.getTime() / 1000 > expires) return { ok: false, reason: 'URL expired' };
    const expected = this.sign(method, key, expires);
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
    try {
      this.pathOf(key);
    } catch {
      return { ok: false, reason: 'bad key' };
    }
    return { ok: true, key };
  }

  private presign(method: 'PUT' | 'GET', key: string, options: PresignOptions): PresignedRequest {
    this.pathOf(key);
    const expires = Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? 900);
    const signature = this.sign(method, key, expires).toString('hex');
    const encodedKey = key.split('/').map(encodeURIComponent).join('/');
    const url = `${this.publicBaseUrl}/local-store/${encodedKey}?expires=${expires}&signature=${signature}`;
    const headers: Record<string, string> = options.contentType ? { 'content-type': options.contentType } : {};
    return { url, method, headers, expiresAt: new Date(expires * 1000).toISOString() };
  }

  private sign(method: string, key: string, expires: number): Buffer {
    return createHmac('sha256', this.signingKey).update(`${method}\n${key}\n${expires}`).digest();
  }

  private async writeTemp(body: Uint8Array | string): Promise<string> {
    const dir = path.join(this.root, TEMP_DIR);
    await mkdir(dir, { recursive: true });
    const temp = path.join(dir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    await writeFile(temp, body);
    return temp;
  }

  private async listKeys(): Promise<string[]> {
    let entries: string[];
    try {
      entries = (await readdir(this.root, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => path.relative(this.root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    return entries.filter((k) => !k.startsWith(`${TEMP_DIR}/`)).sort();
  }
}

function assertSafeKey(key: string): void {
  const segments = key.split('/');
  if (
    key.length === 0 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    segments[0] === TEMP_DIR
  ) {
    throw new Error('invalid object key');
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function md5File(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
