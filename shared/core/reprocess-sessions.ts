import { randomUUID } from 'node:crypto';
import { makeUploadEvent } from '../domain/upload-event.js';
import { parseRawKey, rawKey, type SessionRef } from '../domain/session-key.js';
import { handleUpload, type UploadOutcome, type UploadPorts } from './handle-upload.js';

export interface ReprocessSessionsOptions {
  ports: UploadPorts;
  patientId: string;
  /** One session; default every session of the patient that has raw files. */
  sessionDate?: string;
  /** CloudEvents source of the synthetic events (shows in logs and markers). */
  source?: string;
}

export interface ReprocessSessionResult {
  sessionDate: string;
  /** `submitted` (a new job), or `waiting` when one of the raw files is missing. */
  outcome: Exclude<UploadOutcome, { outcome: 'ignored' | 'duplicate' }>;
}

/**
 * Submits preprocessing again for a patient's session(s), through the same core handler as uploads
 * ({@link handleUpload} with `reprocess`): each call submits one new job per complete session, even when
 * that session version was processed before, and sessions missing a file are reported, not submitted.
 *
 * @example
 * const results = await reprocessSessions({ ports, patientId: 'P001', sessionDate: '2024-03-01' });
 */
export async function reprocessSessions(options: ReprocessSessionsOptions): Promise<ReprocessSessionResult[]> {
  const { ports, patientId } = options;
  const dates = options.sessionDate ? [options.sessionDate] : await sessionDatesOf(options.ports, patientId);
  const results: ReprocessSessionResult[] = [];
  for (const sessionDate of dates) {
    const session: SessionRef = { patientId, sessionDate };
    const key = rawKey(session, 'mri');
    const event = makeUploadEvent({ id: randomUUID(), source: options.source ?? 'adni:reprocess', bucket: ports.store.bucket, key });
    const outcome = await handleUpload(event, ports, { reprocess: true });
    // A reprocess claim never collides and the key is built here, so only these two can come back.
    if (outcome.outcome === 'submitted' || outcome.outcome === 'waiting') results.push({ sessionDate, outcome });
    else throw new Error(`reprocess of a session ended ${outcome.outcome}: ${'reason' in outcome ? outcome.reason : ''}`);
  }
  return results;
}

/** Session dates with at least one raw file, in key order. */
async function sessionDatesOf(ports: UploadPorts, patientId: string): Promise<string[]> {
  const dates = new Set<string>();
  for (const head of await ports.store.list(`raw/${patientId}/`)) {
    const parsed = parseRawKey(head.key);
    if (parsed.ok && parsed.value.patientId === patientId) dates.add(parsed.value.sessionDate);
  }
  return [...dates];
}
