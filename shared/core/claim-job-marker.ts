import { createHash } from 'node:crypto';
import { jobMarkerKey, jobMarkerPrefix, type SessionRef } from '../domain/session-key.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { JobMarker } from './handle-upload.js';

export interface ClaimJobMarkerOptions {
  store: ObjectStore;
  session: SessionRef;
  /** The fingerprint of the inputs ({@link sessionFingerprint}). */
  inputFingerprint: string;
  /** The marker to write; its `fingerprint` (and `reprocess`) are filled in here. */
  marker: Omit<JobMarker, 'fingerprint' | 'reprocess'>;
  /** Claim a new job even though the inputs' marker exists (`adni reprocess`, backfill). */
  reprocess?: boolean;
  /** How many reprocess slots to try before giving up (default 1000). */
  maxAttempts?: number;
}

export type ClaimJobMarkerResult =
  | { created: true; fingerprint: string; markerKey: string; marker: JobMarker }
  | { created: false; fingerprint: string };

/**
 * Claims the right to submit one job with a conditional create of its marker.
 *
 * An upload claims `jobs/{p}/{s}/{inputFingerprint}.json`: a second claim of the same inputs fails, which is
 * what makes duplicate events harmless. A reprocess claims the first free slot `n` of
 * `jobs/{p}/{s}/{reprocessFingerprint(inputFingerprint, n)}.json`: a new job fingerprint (still 16 hex, so job
 * names, status records and the job contract need no change), and two concurrent reprocess calls never
 * take the same slot, so each call submits exactly one job.
 *
 * @example
 * const claim = await claimJobMarker({ store, session, inputFingerprint, marker, reprocess: true });
 * if (claim.created) await jobs.submit({ ...request, fingerprint: claim.fingerprint });
 */
export async function claimJobMarker(options: ClaimJobMarkerOptions): Promise<ClaimJobMarkerResult> {
  const { store, session, inputFingerprint } = options;
  if (!options.reprocess) {
    const marker: JobMarker = { ...options.marker, fingerprint: inputFingerprint };
    const markerKey = jobMarkerKey(session, inputFingerprint);
    const claim = await store.putIfAbsent(markerKey, JSON.stringify(marker), { contentType: 'application/json' });
    return claim.created ? { created: true, fingerprint: inputFingerprint, markerKey, marker } : { created: false, fingerprint: inputFingerprint };
  }
  // Start near the next free slot (one list call) instead of probing from 1 each time; collisions move on.
  const existing = (await store.list(jobMarkerPrefix(session))).length;
  const maxAttempts = options.maxAttempts ?? 1000;
  for (let attempt = Math.max(1, existing), tries = 0; tries < maxAttempts; attempt++, tries++) {
    const fingerprint = reprocessFingerprint(inputFingerprint, attempt);
    const marker: JobMarker = { ...options.marker, fingerprint, reprocess: { of: inputFingerprint, attempt } };
    const markerKey = jobMarkerKey(session, fingerprint);
    const claim = await store.putIfAbsent(markerKey, JSON.stringify(marker), { contentType: 'application/json' });
    if (claim.created) return { created: true, fingerprint, markerKey, marker };
  }
  throw new Error(`no free reprocess slot after ${maxAttempts} attempts for fingerprint ${inputFingerprint}`);
}

/**
 * The job fingerprint of the `attempt`-th reprocess of one session version: 16 hex characters, distinct
 * from the inputs' fingerprint and from every other attempt.
 *
 * @example
 * reprocessFingerprint('0123456789abcdef', 1) // 16 hex characters, stable for (fingerprint, 1)
 */
export function reprocessFingerprint(inputFingerprint: string, attempt: number): string {
  return createHash('sha256').update(`${inputFingerprint}\nreprocess=${attempt}`).digest('hex').slice(0, 16);
}
