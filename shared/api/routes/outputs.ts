import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { PatientIdSchema, SessionDateSchema, preprocessedPrefix } from '../../domain/session-key.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { apiError, validationError } from '../errors.js';

/** Files up to this size are sent through the API; bigger ones are redirected to a presigned GET. */
export const DEFAULT_INLINE_MAX_BYTES = 8 * 1024 * 1024;

export const OutputParamsSchema = z.object({ patient_id: PatientIdSchema, session_date: SessionDateSchema });

/** A path inside a session's output folder: plain segments, no traversal. */
export const OutputFileSchema = z
  .string()
  .min(1, 'file path is empty')
  .max(256, 'file path is longer than 256 characters')
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'file path may contain only A-Z a-z 0-9 . _ - and /')
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'file path must not contain "." or ".." segments');

export const OutputListResponseSchema = z.object({
  patient_id: z.string(),
  session_date: z.string(),
  files: z.array(
    z.object({
      name: z.string().describe('path under preprocessed/{patient}/{session}/, e.g. mri_brain.nii.gz or qc/index.html'),
      size: z.number().int(),
      href: z.string().describe('API path that serves the file (relative links inside QC pages keep working)'),
      url: z.string().describe('presigned GET URL, valid for a short time'),
    }),
  ),
});
export type OutputListResponse = z.infer<typeof OutputListResponseSchema>;

export interface OutputRouteDeps {
  /** Where the pipeline writes `preprocessed/{patient}/{session}/`. */
  store: ObjectStore;
  /** Lifetime of presigned GET URLs in seconds (default 900). */
  expiresInSeconds?: number;
  inlineMaxBytes?: number;
}

const CONTENT_TYPES: [RegExp, string][] = [
  [/\.html?$/, 'text/html; charset=utf-8'],
  [/\.png$/, 'image/png'],
  [/\.json$/, 'application/json'],
  [/\.tsv$/, 'text/tab-separated-values; charset=utf-8'],
  [/\.gz$/, 'application/gzip'],
];

/**
 * Read access to a session's preprocessing outputs, for the dashboard's viewer and QC links:
 * - `GET /outputs/{patient_id}/{session_date}`: every file with its size, an API `href` and a presigned `url`;
 * - `GET /outputs/{patient_id}/{session_date}/files/{path}`: small files (QC pages and images, JSON) through the
 *   API with their content type, large ones (NIfTI) as a redirect to a presigned GET (signed URLs in the cloud).
 *
 * @example
 * app.route('/', outputRoutes({ store }));
 * // GET /outputs/P001/2024-03-01 → { files: [{ name: 'mri_brain.nii.gz', size, href: '/outputs/P001/2024-03-01/files/mri_brain.nii.gz', url }] }
 */
export function outputRoutes(deps: OutputRouteDeps) {
  const expiresInSeconds = deps.expiresInSeconds ?? 900;
  const inlineMax = deps.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
  const app = new Hono();

  app.get('/outputs/:patient_id/:session_date', async (c) => {
    const params = OutputParamsSchema.safeParse(c.req.param());
    if (!params.success) return validationError(c, params.error);
    const { patient_id, session_date } = params.data;
    const prefix = preprocessedPrefix({ patientId: patient_id, sessionDate: session_date });
    const heads = (await deps.store.list(prefix)).sort((a, b) => a.key.localeCompare(b.key));
    const base = `/outputs/${patient_id}/${session_date}/files/`;
    const files = await Promise.all(
      heads.map(async (head) => {
        const name = head.key.slice(prefix.length);
        const signed = await deps.store.presignGet(head.key, { expiresInSeconds });
        return { name, size: head.size, href: base + name, url: signed.url };
      }),
    );
    const body: OutputListResponse = { patient_id, session_date, files };
    return c.json(body);
  });

  app.get('/outputs/:patient_id/:session_date/files/*', async (c: Context) => {
    const params = OutputParamsSchema.safeParse(c.req.param());
    if (!params.success) return validationError(c, params.error);
    const { patient_id, session_date } = params.data;
    const marker = `/outputs/${patient_id}/${session_date}/files/`;
    const pathname = new URL(c.req.url).pathname;
    let file: string;
    try {
      file = decodeURIComponent(pathname.slice(pathname.indexOf(marker) + marker.length));
    } catch {
      return apiError(c, 400, 'invalid_request', 'file path is not valid percent-encoding');
    }
    const checked = OutputFileSchema.safeParse(file);
    if (!checked.success) return validationError(c, checked.error);
    const key = preprocessedPrefix({ patientId: patient_id, sessionDate: session_date }) + checked.data;
    const head = await deps.store.head(key);
    if (!head) return apiError(c, 404, 'not_found', `this session has no output "${checked.data}"`);
    if (head.size > inlineMax) {
      const signed = await deps.store.presignGet(key, { expiresInSeconds });
      c.header('cache-control', 'no-store');
      return c.redirect(signed.url, 302);
    }
    const type = CONTENT_TYPES.find(([pattern]) => pattern.test(key))?.[1] ?? 'application/octet-stream';
    const bytes = await deps.store.get(key);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': type,
      'content-length': String(bytes.byteLength),
      'x-content-type-options': 'nosniff',
      // QC pages are generated HTML served from the API's origin: no scripts, images and styles from here only.
      'content-security-policy': "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'",
      'cache-control': 'private, max-age=60',
    });
  });
  return app;
}
