import { createHash, createVerify, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

/** One stored object: bytes plus the metadata GCS would report. */
interface StoredObject {
  data: Buffer;
  generation: number;
  metageneration: number;
  contentType: string;
  updated: string;
}

export interface FakeGcsOptions {
  /** Public key of the service account that signs V4 URLs; signed requests are verified against it. */
  signingPublicKey?: KeyObject;
}

export interface FakeGcs {
  /** `http://127.0.0.1:{port}`: pass as the Storage client's `apiEndpoint`. */
  url: string;
  createBucket(name: string): void;
  /** Requests the fake did not understand (method + path): a test can assert this stays empty. */
  unhandled: string[];
  /** Every request line, for tests that assert on what the SDK sent. */
  log: { method: string; path: string; query: URLSearchParams }[];
  close(): Promise<void>;
}

/**
 * A loopback fake of the subset of the Cloud Storage JSON API (and the XML API paths V4 signed URLs use)
 * that `@google-cloud/storage` calls for {@link GcsObjectStore}: multipart and media uploads with
 * `ifGenerationMatch` preconditions (0 = "only if absent", enforced atomically: one event loop), metadata
 * get, `alt=media` download, list with prefix / pageToken, delete, rewrite (copy), and signed-URL PUT/GET
 * (PUT honouring `x-goog-content-length-range` as GCS does: 400 outside the range) whose
 * GOOG4-RSA-SHA256 signature and expiry are verified when a public key is given. There is no maintained GCS
 * emulator on npm; this is the edge of a cloud we cannot reach, speaking its wire format.
 *
 * @example
 * const gcs = await startFakeGcs();
 * gcs.createBucket('uploads');
 * const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'test' });
 */
export async function startFakeGcs(options: FakeGcsOptions = {}): Promise<FakeGcs> {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const unhandled: string[] = [];
  const log: FakeGcs['log'] = [];
  let clock = Date.now() * 1000;
  // GCS generations are microsecond timestamps: strictly increasing per write.
  const nextGeneration = () => ++clock;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      log.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams });
      try {
        route(req, res, url, Buffer.concat(chunks));
      } catch (error) {
        sendError(res, 500, `fake GCS failed: ${String(error)}`);
      }
    });
  });

  function route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer) {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (method === 'POST' && (m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) return upload(req, res, url, body, decodeURIComponent(m[1]));
    if (method === 'POST' && (m = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)\/rewriteTo\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      // objects.rewrite (File.copy): done in one call, bytes and content type copied, a new generation.
      const source = find(res, m[1], m[2]);
      if (!source) return;
      const objects = buckets.get(decodeURIComponent(m[3]));
      if (!objects) return sendError(res, 404, 'The specified bucket does not exist.');
      const stored: StoredObject = { ...source.stored, generation: nextGeneration(), metageneration: 1, updated: new Date().toISOString() };
      objects.set(decodeURIComponent(m[4]), stored);
      const size = String(stored.data.length);
      return sendJson(res, 200, { kind: 'storage#rewriteResponse', totalBytesRewritten: size, objectSize: size, done: true, resource: resource(decodeURIComponent(m[3]), decodeURIComponent(m[4]), stored) });
    }
    if (method === 'GET' && (m = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const object = find(res, m[1], m[2]);
      if (!object) return;
      if (url.searchParams.get('alt') === 'media') return sendMedia(res, object.stored);
      return sendJson(res, 200, resource(decodeURIComponent(m[1]), object.name, object.stored));
    }
    if (method === 'GET' && (m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) return list(res, url, decodeURIComponent(m[1]));
    if (method === 'DELETE' && (m = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const object = find(res, m[1], m[2]);
      if (!object) return;
      buckets.get(decodeURIComponent(m[1]))!.delete(object.name);
      res.writeHead(204).end();
      return;
    }
    if (method === 'GET' && (m = /^\/storage\/v1\/b\/([^/]+)$/.exec(path))) {
      const name = decodeURIComponent(m[1]);
      if (!buckets.has(name)) return sendError(res, 404, 'The specified bucket does not exist.');
      return sendJson(res, 200, { kind: 'storage#bucket', id: name, name });
    }
    if ((method === 'PUT' || method === 'GET') && url.searchParams.has('X-Goog-Signature')) return signed(req, res, url, body);
    unhandled.push(`${method} ${path}`);
    sendError(res, 501, `fake GCS does not implement ${method} ${path}`);
  }

  function upload(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer, bucket: string) {
    const objects = buckets.get(bucket);
    if (!objects) return sendError(res, 404, 'The specified bucket does not exist.');
    const type = url.searchParams.get('uploadType');
    let name = url.searchParams.get('name') ?? undefined;
    let contentType = req.headers['content-type'] ?? 'application/octet-stream';
    let data = body;
    if (type === 'multipart') {
      const parts = parseMultipart(body, req.headers['content-type'] ?? '');
      if (parts.length !== 2) return sendError(res, 400, 'multipart upload needs a metadata part and a media part');
      const metadata = JSON.parse(parts[0].body.toString('utf8')) as { name?: string; contentType?: string };
      name = metadata.name ?? name;
      contentType = metadata.contentType ?? parts[1].contentType ?? 'application/octet-stream';
      data = parts[1].body;
    } else if (type !== 'media') {
      unhandled.push(`upload ${type}`);
      return sendError(res, 501, `fake GCS supports uploadType=multipart|media, not ${type}`);
    }
    if (!name) return sendError(res, 400, 'Required parameter: name');
    const current = objects.get(name);
    const precondition = url.searchParams.get('ifGenerationMatch');
    // Checked and written in one synchronous step: concurrent uploads cannot both pass.
    if (precondition !== null && Number(precondition) !== (current?.generation ?? 0)) {
      return sendError(res, 412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
    }
    const stored: StoredObject = {
      data,
      generation: nextGeneration(),
      metageneration: 1,
      contentType,
      updated: new Date().toISOString(),
    };
    objects.set(name, stored);
    sendJson(res, 200, resource(bucket, name, stored));
  }

  function list(res: http.ServerResponse, url: URL, bucket: string) {
    const objects = buckets.get(bucket);
    if (!objects) return sendError(res, 404, 'The specified bucket does not exist.');
    const prefix = url.searchParams.get('prefix') ?? '';
    const maxResults = Math.min(Number(url.searchParams.get('maxResults') ?? 1000) || 1000, 1000);
    const after = url.searchParams.get('pageToken') ? Buffer.from(url.searchParams.get('pageToken')!, 'base64url').toString() : '';
    const names = [...objects.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
    const page = names.slice(0, maxResults);
    const result: Record<string, unknown> = { kind: 'storage#objects', items: page.map((n) => resource(bucket, n, objects.get(n)!)) };
    if (names.length > page.length) result.nextPageToken = Buffer.from(page.at(-1)!).toString('base64url');
    sendJson(res, 200, result);
  }

  function signed(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer) {
    const [, bucket, ...rest] = url.pathname.split('/');
    const name = decodeURIComponent(rest.join('/'));
    const q = url.searchParams;
    const date = q.get('X-Goog-Date') ?? '';
    const expires = Number(q.get('X-Goog-Expires'));
    const start = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!Number.isFinite(start) || !Number.isFinite(expires)) return sendXmlError(res, 400, 'AuthorizationQueryParametersError');
    if (Date.now() > start + expires * 1000) return sendXmlError(res, 400, 'ExpiredToken');
    if (options.signingPublicKey && !verifyV4(req, url, options.signingPublicKey)) return sendXmlError(res, 403, 'SignatureDoesNotMatch');
    const objects = buckets.get(bucket);
    if (!objects) return sendXmlError(res, 404, 'NoSuchBucket');
    if (req.method === 'PUT') {
      // x-goog-content-length-range "min,max": GCS refuses a body outside it with 400 and stores nothing.
      const range = /^(\d+),(\d+)$/.exec(String(req.headers['x-goog-content-length-range'] ?? ''));
      if (range && (body.length < Number(range[1]) || body.length > Number(range[2]))) {
        return sendXmlError(res, 400, body.length > Number(range[2]) ? 'EntityTooLarge' : 'EntityTooSmall');
      }
      objects.set(name, {
        data: body,
        generation: nextGeneration(),
        metageneration: 1,
        contentType: req.headers['content-type'] ?? 'application/octet-stream',
        updated: new Date().toISOString(),
      });
      res.writeHead(200).end();
      return;
    }
    const stored = objects.get(name);
    if (!stored) return sendXmlError(res, 404, 'NoSuchKey');
    sendMedia(res, stored);
  }

  function find(res: http.ServerResponse, rawBucket: string, rawName: string) {
    const objects = buckets.get(decodeURIComponent(rawBucket));
    if (!objects) return void sendError(res, 404, 'The specified bucket does not exist.');
    const name = decodeURIComponent(rawName);
    const stored = objects.get(name);
    if (!stored) return void sendError(res, 404, `No such object: ${decodeURIComponent(rawBucket)}/${name}`);
    return { name, stored };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    unhandled,
    log,
    createBucket: (name) => void buckets.set(name, buckets.get(name) ?? new Map()),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The object resource GCS returns: strings for int64 fields, base64 hashes, etag that changes per write. */
function resource(bucket: string, name: string, o: StoredObject) {
  return {
    kind: 'storage#object',
    id: `${bucket}/${name}/${o.generation}`,
    name,
    bucket,
    generation: String(o.generation),
    metageneration: String(o.metageneration),
    contentType: o.contentType,
    size: String(o.data.length),
    md5Hash: createHash('md5').update(o.data).digest('base64'),
    crc32c: crc32cOf(o.data),
    etag: Buffer.from(`${o.generation}/${o.metageneration}`).toString('base64'),
    timeCreated: o.updated,
    updated: o.updated,
    storageClass: 'STANDARD',
  };
}

/** Recomputes the GOOG4-RSA-SHA256 string-to-sign from the request as received and checks the signature. */
function verifyV4(req: http.IncomingMessage, url: URL, publicKey: KeyObject): boolean {
  const q = url.searchParams;
  const signedHeaders = (q.get('X-Goog-SignedHeaders') ?? '').split(';').filter(Boolean);
  const headers = signedHeaders
    .map((h) => {
      // The SDK signs the host without a port (real GCS listens on 443); the request carries the port.
      const value = h === 'host' ? (req.headers.host ?? '').replace(/:\d+$/, '') : String(req.headers[h] ?? '');
      return `${h}:${value.trim().replace(/\s{2,}/g, ' ')}\n`;
    })
    .join('');
  const query = [...q.entries()]
    .filter(([k]) => k !== 'X-Goog-Signature')
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = [req.method, decodeURIComponent(url.pathname), query, headers, signedHeaders.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = (q.get('X-Goog-Credential') ?? '').split('/').slice(1).join('/');
  const toSign = ['GOOG4-RSA-SHA256', q.get('X-Goog-Date'), scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  return createVerify('RSA-SHA256').update(toSign).verify(publicKey, Buffer.from(q.get('X-Goog-Signature') ?? '', 'hex'));
}

function crc32cOf(data: Buffer): string {
  const crc = new CRC32C();
  crc.update(data);
  return crc.toString();
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function parseMultipart(body: Buffer, contentType: string): { contentType?: string; body: Buffer }[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return [];
  const parts: { contentType?: string; body: Buffer }[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let index = body.indexOf(delimiter);
  while (index !== -1) {
    const start = index + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next one
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    parts.push({ contentType: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1], body: part.subarray(split + 4) });
    index = next;
  }
  return parts;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
}

function sendMedia(res: http.ServerResponse, o: StoredObject) {
  res.writeHead(200, {
    'content-type': o.contentType,
    'content-length': String(o.data.length),
    'x-goog-generation': String(o.generation),
    'x-goog-hash': `crc32c=${crc32cOf(o.data)},md5=${createHash('md5').update(o.data).digest('base64')}`,
    'x-goog-stored-content-encoding': 'identity',
  }).end(o.data);
}

function sendError(res: http.ServerResponse, status: number, message: string, reason = status === 404 ? 'notFound' : 'invalid') {
  sendJson(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
}

function sendXmlError(res: http.ServerResponse, status: number, code: string) {
  res.writeHead(status, { 'content-type': 'application/xml; charset=UTF-8' })
    .end(`<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code></Error>`);
}
