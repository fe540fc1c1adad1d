import { parseRawKey, preprocessedPrefix, type SessionRef } from '../domain/session-key.js';
import type { ObjectStore } from '../ports/object-store.js';

export interface FindBackfillSessionsOptions {
  /** Where raw uploads are. */
  store: ObjectStore;
  /** Where `preprocessed/` is; default `store`. */
  outputs?: ObjectStore;
}

/** The file whose presence means a session's preprocessing completed (the job writes it last of the features). */
export const COMPLETED_OUTPUT = 'roi_features.json';

/**
 * Every raw session with both MRI and PET but no completed outputs
 * (no `preprocessed/{p}/{s}/roi_features.json`), in key order: what a backfill submits.
 *
 * @example
 * const sessions = await findBackfillSessions({ store });
 * // [{ patientId: 'P001', sessionDate: '2024-03-01' }]
 */
export async function findBackfillSessions(options: FindBackfillSessionsOptions): Promise<SessionRef[]> {
  const outputs = options.outputs ?? options.store;
  const modalities = new Map<string, { session: SessionRef; seen: Set<string> }>();
  for (const head of await options.store.list('raw/')) {
    const parsed = parseRawKey(head.key);
    if (!parsed.ok) continue;
    const { patientId, sessionDate, modality } = parsed.value;
    const id = `${patientId}/${sessionDate}`;
    const entry = modalities.get(id) ?? { session: { patientId, sessionDate }, seen: new Set<string>() };
    entry.seen.add(modality);
    modalities.set(id, entry);
  }
  const missing: SessionRef[] = [];
  for (const { session, seen } of modalities.values()) {
    if (seen.size < 2) continue;
    if (!(await outputs.head(`${preprocessedPrefix(session)}${COMPLETED_OUTPUT}`))) missing.push(session);
  }
  return missing;
}
