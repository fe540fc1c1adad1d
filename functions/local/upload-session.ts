import { readFile, stat } from 'node:fs/promises';
import { sessionFingerprint } from '../../shared/core/fingerprint.js';
import { rawKey, type Modality } from '../../shared/domain/session-key.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { putFile } from './put-file.js';
import { apiCredentialHeaders } from '../../shared/auth/client-credentials.js';

export interface SessionFiles {
  patient: string;
  session: string;
  mri: string;
  pet: string;
}

export type ProgressCallback = (modality: Modality, sentBytes: number, totalBytes: number) => void;

export interface UploadedSession {
  keys: Record<Modality, string>;
  /** The session version the upload created (absent when the server reported no etag). */
  fingerprint?: string;
}

const MODALITIES: Modality[] = ['mri', 'pet'];

/** Bounds of {@link uploadViaApi}'s outbound calls. */
export interface UploadTimeouts {
  /** `POST /uploads` (default 30 s). */
  apiMs?: number;
  /** Each presigned PUT, as an idle bound (default 60 s, see `putFile`). */
  putIdleMs?: number;
}
/** Bound on the `POST /uploads` call (presigning is fast; a silent API must not hang the CLI). */
const API_TIMEOUT_MS = 30_000;

/**
 * Uploads a session the way a browser would: `POST {api}/uploads` for presigned URLs, then one streamed
 * PUT per file straight to storage. The fingerprint comes from the PUT answers (ETag and version).
 *
 * @example
 * const { keys, fingerprint } = await uploadViaApi('http://127.0.0.1:8080', { patient: 'P1', session: '2024-01-01', mri, pet });
 */
export async function uploadViaApi(api: string, files: SessionFiles, onProgress?: ProgressCallback, timeouts: UploadTimeouts = {}): Promise<UploadedSession> {
  const base = api.replace(/\/+$/, '');
  const apiTimeoutMs = timeouts.apiMs ?? API_TIMEOUT_MS;
  // Declared sizes are signed into the URLs where storage can (S3: exactly this many bytes; GCS: a range).
  const sizes = { mri: (await stat(files.mri)).size, pet: (await stat(files.pet)).size };
  let response: Response;
  try {
    response = await fetch(`${base}/uploads`, {
      method: 'POST',
      // A protected stack (API key or OIDC) needs ADNI_API_KEY / ADNI_ACCESS_TOKEN; none is sent to an open one.
      headers: { 'content-type': 'application/json', ...apiCredentialHeaders() },
      body: JSON.stringify({ patient_id: files.patient, session_date: files.session, modalities: MODALITIES, sizes }),
      signal: AbortSignal.timeout(apiTimeoutMs),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') throw new Error(`POST ${base}/uploads did not answer within ${apiTimeoutMs / 1000} s`);
    throw new Error(`cannot reach the API at ${base} (is \`npm start\` running?): ${(error as Error).cause ?? (error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as {
    uploads?: Record<Modality, { key: string; url: string; headers: Record<string, string> }>;
    error?: { message?: string };
  };
  if (response.status !== 201 || !body.uploads) {
    throw new Error(`POST ${base}/uploads failed (HTTP ${response.status}): ${body.error?.message ?? 'unexpected answer'}`);
  }
  const heads: Partial<Record<Modality, { etag?: string; version?: string }>> = {};
  for (const modality of MODALITIES) {
    const upload = body.uploads[modality];
    heads[modality] = await putFile({ url: upload.url, headers: upload.headers, file: files[modality], onProgress: (s, t) => onProgress?.(modality, s, t), idleTimeoutMs: timeouts.putIdleMs });
  }
  const keys = { mri: body.uploads.mri.key, pet: body.uploads.pet.key };
  const { mri, pet } = heads;
  const fingerprint = mri?.etag && pet?.etag ? sessionFingerprint({ etag: mri.etag, version: mri.version }, { etag: pet.etag, version: pet.version }) : undefined;
  return { keys, ...(fingerprint ? { fingerprint } : {}) };
}

/**
 * Uploads a session straight into an object store (no API): the store's own event (S3 notification,
 * the local watcher) then starts the job.
 *
 * @example
 * const store = await createObjectStore({ provider: 'local', bucket: 'local', env: process.env });
 * await uploadToStore(store, files);
 */
export async function uploadToStore(store: ObjectStore, files: SessionFiles, onProgress?: ProgressCallback): Promise<UploadedSession> {
  const ref = { patientId: files.patient, sessionDate: files.session };
  const heads = [];
  for (const modality of MODALITIES) {
    const bytes = await readFile(files[modality]);
    onProgress?.(modality, 0, bytes.length);
    heads.push(await store.put(rawKey(ref, modality), bytes, { contentType: 'application/gzip' }));
    onProgress?.(modality, bytes.length, bytes.length);
  }
  return { keys: { mri: rawKey(ref, 'mri'), pet: rawKey(ref, 'pet') }, fingerprint: sessionFingerprint(heads[0], heads[1]) };
}
