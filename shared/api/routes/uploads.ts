import { Hono } from 'hono';
import { z } from 'zod';
import { PatientIdSchema, SessionDateSchema, rawKey } from '../../domain/session-key.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { apiError, validationError } from '../errors.js';

export const UploadRequestSchema = z.object({
  patient_id: PatientIdSchema,
  session_date: SessionDateSchema,
  /** Which files the client will send; both by default. */
  modalities: z.array(z.enum(['mri', 'pet'])).min(1).max(2).default(['mri', 'pet']),
});

export interface UploadRouteDeps {
  store: ObjectStore;
  /** Lifetime of upload URLs in seconds. */
  expiresInSeconds?: number;
}

/**
 * `POST /uploads`: presigned PUT URLs so the client uploads straight to storage (no server in between).
 * Storage then raises the upload event that starts preprocessing.
 */
export function uploadRoutes(deps: UploadRouteDeps) {
  return new Hono().post('/uploads', async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (body === undefined) return apiError(c, 400, 'invalid_json', 'request body must be JSON');
    const parsed = UploadRequestSchema.safeParse(body);
    if (!parsed.success) return validationError(c, parsed.error);
    const session = { patientId: parsed.data.patient_id, sessionDate: parsed.data.session_date };
    const uploads: Record<string, unknown> = {};
    for (const modality of parsed.data.modalities) {
      const key = rawKey(session, modality);
      const request = await deps.store.presignPut(key, {
        expiresInSeconds: deps.expiresInSeconds ?? 900,
        contentType: 'application/gzip',
      });
      uploads[modality] = { key, ...request };
    }
    return c.json({ patient_id: session.patientId, session_date: session.sessionDate, uploads }, 201);
  });
}
