import { z } from 'zod';

/** Patient ids and other path segments we accept: no separators, no traversal, bounded. */
export const PatientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'patient id must be 1-64 characters of A-Z a-z 0-9 . _ -')
  .refine((id) => id !== '.' && id !== '..', 'patient id must not be "." or ".."');

/** A calendar date `YYYY-MM-DD` that exists (no 2024-02-30). */
export const SessionDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'session date must be an ISO date YYYY-MM-DD')
  .refine(isRealCalendarDate, 'session date is not a real calendar date');

export const MODALITIES = ['mri', 'pet'] as const;
export type Modality = (typeof MODALITIES)[number];

const FILE_NAMES: Record<string, Modality> = { 'mri.nii.gz': 'mri', 'pet.nii.gz': 'pet' };

/** The parsed form of `raw/{patient_id}/{session_date}/{mri|pet}.nii.gz`. */
export interface RawUploadKey {
  patientId: string;
  sessionDate: string;
  modality: Modality;
  key: string;
}

/** One imaging session of one patient. */
export interface SessionRef {
  patientId: string;
  sessionDate: string;
}

export type KeyParseResult = { ok: true; value: RawUploadKey } | { ok: false; reason: string };

/**
 * Parses and validates an uploaded object key. Never throws: a bad key is a reason, not an exception,
 * so callers can log it and move on instead of feeding a retry loop.
 *
 * @example
 * parseRawKey('raw/P001/2024-03-01/mri.nii.gz')
 * // { ok: true, value: { patientId: 'P001', sessionDate: '2024-03-01', modality: 'mri', key: ... } }
 * parseRawKey('raw/../etc/passwd') // { ok: false, reason: 'key contains a "." or ".." segment' }
 */
export function parseRawKey(key: string): KeyParseResult {
  if (typeof key !== 'string' || key.length === 0) return fail('key is empty');
  if (key.length > 512) return fail('key is longer than 512 characters');
  if (key.startsWith('/')) return fail('key is absolute (starts with "/")');
  if (key.includes('\\')) return fail('key contains a backslash');
  if (/[\u0000-\u001f\u007f]/.test(key)) return fail('key contains control characters');
  const segments = key.split('/');
  if (segments.some((s) => s === '')) return fail('key has an empty path segment');
  if (segments.some((s) => s === '.' || s === '..')) return fail('key contains a "." or ".." segment');
  if (segments.length !== 4 || segments[0] !== 'raw') {
    return fail('key must look like raw/{patient_id}/{session_date}/{mri|pet}.nii.gz');
  }
  const [, patientId, sessionDate, fileName] = segments;
  const patient = PatientIdSchema.safeParse(patientId);
  if (!patient.success) return fail(patient.error.issues[0].message);
  const date = SessionDateSchema.safeParse(sessionDate);
  if (!date.success) return fail(date.error.issues[0].message);
  const modality = FILE_NAMES[fileName];
  if (!modality) return fail('file name must be mri.nii.gz or pet.nii.gz');
  return { ok: true, value: { patientId, sessionDate, modality, key } };
}

/** The storage key of one modality of a session. */
export function rawKey(session: SessionRef, modality: Modality): string {
  return `raw/${session.patientId}/${session.sessionDate}/${modality}.nii.gz`;
}

/** Where the pipeline writes a session's outputs. Ends with a slash. */
export function preprocessedPrefix(session: SessionRef): string {
  return `preprocessed/${session.patientId}/${session.sessionDate}/`;
}

/** Where a session's job markers are (one per job ever claimed for it). Ends with a slash. */
export function jobMarkerPrefix(session: SessionRef): string {
  return `jobs/${session.patientId}/${session.sessionDate}/`;
}

/** The idempotency marker of one job: one per session version (fingerprint). */
export function jobMarkerKey(session: SessionRef, fingerprint: string): string {
  return `${jobMarkerPrefix(session)}${fingerprint}.json`;
}

function fail(reason: string): KeyParseResult {
  return { ok: false, reason };
}

function isRealCalendarDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number);
  if (y < 1900 || y > 2200) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
