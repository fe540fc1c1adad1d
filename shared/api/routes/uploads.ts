import { Hono } from 'hono';
import { z } from 'zod';
import { PatientIdSchema, SessionDateSchema, rawKey } from '../../domain/session-key.js';
import { maxUploadBytesFromEnv } from '../../core/upload-limits.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { apiError, validationError } from '../errors.js';

const ByteSize = z.number().int('size must be a whole number of bytes').min(1, 'size must be at least 1 byte');

export const UploadRequestSchema = z.object({
  patient_id: PatientIdSchema,
  session_date: SessionDateSchema,
  /** Which files the client will send; both by default. */
  modalities: z.array(z.enum(['mri', 'pet'])).min(1).max(2).default(['mri', 'pet']),
  /**
   * Size in bytes of each file the client will send. Optional; when given it must be within the upload limit and
   * is signed into the URL where the store can (S3: exactly that many bytes; GCS: a range up to it).
   */
  sizes: z
    .object({ mri: ByteSize.optional(), pet: ByteSize.optional() })
    .strict()
    .optional()
    .describe('size in bytes of each file to be sent; signed into the URL where storage can (S3 exact length, GCS range)'),
});

export interface UploadRouteDeps {
  store: ObjectStore;
  /** Lifetime of upload URLs in seconds. */
  expiresInSeconds?: number;
  /** Largest file accepted (default `ADNI_MAX_UPLOAD_BYTES`, else 2 GiB: the upload trigger's limit too). */
  maxUploadBytes?: number;
}

/**
 * `POST /uploads`: presigned PUT URLs so the client uploads straight to storage (no server in between), each
 * scoped to one key and method, valid for 15 minutes, and size-limited where the store can sign it: S3 pins a
 * declared `sizes.<modality>` (content-length is signed), GCS signs `x-goog-content-length-range` (the declared
 * size, else 0..limit), the local server applies its own limit; a Blob SAS cannot, so the upload trigger refuses
 * objects over the limit on every cloud. A declared size over the limit is refused here with 413.
 * Storage then raises the upload event that starts preprocessing.
 *
 * @example
 * // POST /uploads {"patient_id":"P001","session_date":"2024-03-01","sizes":{"mri":31457280,"pet":52428800}}
 * app.route('/', uploadRoutes({ store }));
 */
export function uploadRoutes(deps: UploadRouteDeps) {
  const maxBytes = deps.maxUploadBytes ?? maxUploadBytesFromEnv();
  return new Hono().post('/uploads', async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (body === undefined) return apiError(c, 400, 'invalid_json', 'request body must be JSON');
    const parsed = UploadRequestSchema.safeParse(body);
    if (!parsed.success) return validationError(c, parsed.error);
    const sizes = parsed.data.sizes ?? {};
    const over = (['mri', 'pet'] as const).filter((m) => (sizes[m] ?? 0) > maxBytes);
    if (over.length > 0) {
      return apiError(
        c,
        413,
        'upload_too_large',
        over.map((m) => `sizes.${m}: ${sizes[m]} bytes is over the upload limit of ${maxBytes} bytes`).join('; '),
        over.map((m) => ({ path: `sizes.${m}`, max_bytes: maxBytes })),
      );
    }
    const session = { patientId: parsed.data.patient_id, sessionDate: parsed.data.session_date };
    const uploads: Record<string, unknown> = {};
    for (const modality of parsed.data.modalities) {
      const key = rawKey(session, modality);
      const request = await deps.store.presignPut(key, {
        expiresInSeconds: deps.expiresInSeconds ?? 900,
        contentType: 'application/gzip',
        maxBytes,
        contentLength: sizes[modality],
      });
      uploads[modality] = { key, ...request, max_bytes: maxBytes };
    }
    return c.json({ patient_id: session.patientId, session_date: session.sessionDate, uploads }, 201);
  });
}
