import { z } from 'zod';
import { jobMarkerPrefix, parseRawKey, preprocessedPrefix, type SessionRef } from '../domain/session-key.js';
import type { ObjectStore } from '../ports/object-store.js';
import { mapLimit } from '../util/map-limit.js';

export interface FindBackfillSessionsOptions {
  /** Where raw uploads are. */
  store: ObjectStore;
  /** Where `preprocessed/` is; default `store`. */
  outputs?: ObjectStore;
}

/** Storage round trips in flight at once while scanning sessions (a backfill runs inside a request's time limit). */
const STORAGE_CONCURRENCY = 16;

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
  const complete = [...modalities.values()].filter(({ seen }) => seen.size === 2).map(({ session }) => session);
  const finished = await mapLimit(complete, STORAGE_CONCURRENCY, async (session) => Boolean(await outputs.head(`${preprocessedPrefix(session)}${COMPLETED_OUTPUT}`)));
  return complete.filter((_, i) => !finished[i]);
}

/**
 * How long after its last job was submitted a session lacking outputs still counts as in flight: a job may wait
 * in its queue, then run up to 30 min per attempt, 3 attempts on AWS Batch (serverless.yml `jobAttempts`).
 */
export const DEFAULT_IN_FLIGHT_MINUTES = 120;

/** The fields of a job marker this check reads; anything else in it is ignored. */
const MarkerTimesSchema = z.object({ createdAt: z.iso.datetime().optional(), submittedAt: z.iso.datetime().optional() });

export interface PartitionInFlightOptions {
  /** Where the job markers are (`jobs/{p}/{s}/{fingerprint}.json`: the upload store). */
  store: ObjectStore;
  sessions: SessionRef[];
  now: Date;
  /** A session whose newest job was submitted (or claimed) less than this long ago is in flight; 0 turns the check off. */
  windowMinutes: number;
}

/** A session left out of a backfill because a job for it was submitted recently. */
export interface InFlightSession extends SessionRef {
  /** When its newest job was submitted (or claimed, where the submission was never recorded). */
  since: Date;
}

/**
 * Splits the sessions a backfill found into those to submit (`due`) and those whose newest job marker is younger
 * than the window (`inFlight`): without it, a backfill run while jobs are still queued or running would submit
 * every one of them again. It reads markers, not job state (which needs the cloud's API), so a job that failed
 * inside the window also waits for the window, or for `adni reprocess`, or a backfill with a shorter window.
 * A marker that cannot be read or parsed counts as no marker.
 *
 * @example
 * const { due, inFlight } = await partitionInFlight({ store, sessions, now: new Date(), windowMinutes: 120 });
 */
export async function partitionInFlight(options: PartitionInFlightOptions): Promise<{ due: SessionRef[]; inFlight: InFlightSession[] }> {
  const due: SessionRef[] = [];
  const inFlight: InFlightSession[] = [];
  const windowMs = options.windowMinutes * 60_000;
  const newest = windowMs > 0 ? await mapLimit(options.sessions, STORAGE_CONCURRENCY, (session) => newestJobTime(options.store, session)) : [];
  options.sessions.forEach((session, i) => {
    const since = newest[i];
    if (since && options.now.getTime() - since.getTime() < windowMs) inFlight.push({ ...session, since });
    else due.push(session);
  });
  return { due, inFlight };
}

async function newestJobTime(store: ObjectStore, session: SessionRef): Promise<Date | undefined> {
  let newest: number | undefined;
  for (const head of await store.list(jobMarkerPrefix(session))) {
    const times = MarkerTimesSchema.safeParse(await readJson(store, head.key));
    const at = times.success ? Date.parse(times.data.submittedAt ?? times.data.createdAt ?? '') : NaN;
    if (at > (newest ?? -Infinity)) newest = at;
  }
  return newest === undefined ? undefined : new Date(newest);
}

/** The object parsed as JSON, or undefined when it cannot be read or is not JSON. */
async function readJson(store: ObjectStore, key: string): Promise<unknown> {
  try {
    return JSON.parse(new TextDecoder().decode(await store.get(key)));
  } catch {
    return undefined;
  }
}
