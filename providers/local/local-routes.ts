import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { apiError, validationError } from '../../shared/api/errors.js';
import { PatientIdSchema, SessionDateSchema } from '../../shared/domain/session-key.js';
import type { Logger } from '../../shared/ports/observability.js';
import { redactKey } from '../../shared/util/redact.js';
import { ObjectTooLargeError, type FsObjectStore } from './fs-object-store.js';
import { StoreStatusSink, type StatusRecord } from './store-status-sink.js';

/** 2 GiB: a large PET series fits; anything bigger is a mistake. */
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

export interface LocalRoutesDeps {
  store: FsObjectStore;
  logger: Logger;
  /** Called after an object under `raw/` was written through a presigned PUT. */
  onRawPut: (key: string) => void;
  maxUploadBytes?: number;
}

const StatusParamsSchema = z.object({
  patient: PatientIdSchema,
  session: SessionDateSchema,
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/, 'fingerprint must be 16 hex characters').optional(),
});

/**
 * Routes only the one-machine stack has:
 * - `PUT|GET /local-store/{key}?expires&signature`: what the local store's presigned URLs point at
 *   (the local stand-in for S3/Blob/GCS direct upload). A PUT under `raw/` raises the upload event.
 * - `GET /local-status/{patient}/{session}[/{fingerprint}]`: the status records the local sink keeps,
 *   with the outputs' paths on this machine (used by `adni upload --wait`).
 *
 * @example
 * app.route('/', localRoutes({ store, logger, onRawPut: (key) => dispatcher.dispatch(key) }));
 */
export function localRoutes(deps: LocalRoutesDeps): Hono {
  const app = new Hono();
  const maxBytes = deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const status = new StoreStatusSink(deps.store);

  app.put('/local-store/*', async (c) => {
    const key = authorize(c, deps.store, 'PUT');
    if (typeof key !== 'string') return key;
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      return apiError(c, 413, 'payload_too_large', `upload is ${declared} bytes; the limit is ${maxBytes}`);
    }
    const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as any) : Readable.from([]);
    let result;
    try {
      result = await deps.store.putStream(key, body, { maxBytes, skipIfUnchanged: true });
    } catch (error) {
      if (error instanceof ObjectTooLargeError) {
        return apiError(c, 413, 'payload_too_large', `upload exceeds the limit of ${maxBytes} bytes`);
      }
      throw error;
    }
    deps.logger.info('object stored', { key: redactKey(key), size: result.head.size, unchanged: result.unchanged });
    if (key.startsWith('raw/')) deps.onRawPut(key);
    c.header('etag', `"${result.head.etag}"`);
    if (result.head.version) c.header('x-adni-version', result.head.version);
    return c.body(null, 200);
  });

  app.get('/local-store/*', async (c) => {
    const key = authorize(c, deps.store, 'GET');
    if (typeof key !== 'string') return key;
    const head = await deps.store.head(key);
    if (!head) return apiError(c, 404, 'not_found', 'no object at this key');
    const stream = Readable.toWeb(createReadStream(deps.store.pathOf(key))) as ReadableStream;
    return c.body(stream, 200, {
      'content-length': String(head.size),
      'content-type': head.key.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      etag: `"${head.etag}"`,
    });
  });

  const statusRoute = async (c: Context) => {
    const parsed = StatusParamsSchema.safeParse(c.req.param());
    if (!parsed.success) return validationError(c, parsed.error);
    const { patient, session, fingerprint } = parsed.data;
    const ref = { patientId: patient, sessionDate: session };
    const withPaths = (record: StatusRecord) => ({
      ...record,
      output_paths: Object.fromEntries(Object.entries(record.outputs ?? {}).map(([name, key]) => [name, deps.store.pathOf(key)])),
    });
    if (fingerprint) {
      const record = await status.read(ref, fingerprint);
      return record ? c.json(withPaths(record)) : apiError(c, 404, 'not_found', 'no status for this session version yet');
    }
    const prefix = `status/${patient}/${session}/`;
    const records = [];
    for (const head of await deps.store.list(prefix)) {
      records.push(withPaths(JSON.parse(new TextDecoder().decode(await deps.store.get(head.key))) as StatusRecord));
    }
    records.sort((a, b) => a.updated_at.localeCompare(b.updated_at));
    return c.json({ patient_id: patient, session_date: session, jobs: records });
  };
  app.get('/local-status/:patient/:session', statusRoute);
  app.get('/local-status/:patient/:session/:fingerprint', statusRoute);
  return app;
}

/** The key a presigned request grants, or the error response to send. */
function authorize(c: Context, store: FsObjectStore, method: 'PUT' | 'GET'): string | Response {
  const url = new URL(c.req.url);
  let key: string;
  try {
    key = url.pathname.slice('/local-store/'.length).split('/').map(decodeURIComponent).join('/');
  } catch {
    return apiError(c, 400, 'invalid_key', 'the object key is not valid percent-encoding');
  }
  const verdict = store.verifyPresigned(method, key, url.searchParams);
  if (!verdict.ok) return apiError(c, 403, 'forbidden', `presigned URL rejected: ${verdict.reason}`);
  return verdict.key;
}
