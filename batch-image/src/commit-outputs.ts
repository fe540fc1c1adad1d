import { randomBytes } from 'node:crypto';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { ObjectNotFoundError, type ObjectHead, type ObjectStore, type PutOptions } from '../../shared/ports/object-store.js';

/**
 * The file whose presence means "this session's outputs are complete": backfill looks for it and the prediction
 * API reads it. A commit copies it last and removes an older one first, so it never sits beside a partial set.
 */
export const DONE_FILE = 'roi_features.json';

/** Root of every job attempt's staging area in the output store (outside `preprocessed/`: never listed, replicated or served). */
export const STAGING_ROOT = 'staging/';

/**
 * A new attempt id: UTC time to the second (so stale staging areas sort by age) plus 8 random hex characters
 * (so two attempts started in the same second never share a prefix).
 *
 * @example
 * newAttemptId(new Date('2026-12-04T17:30:00Z')) // '20261204T173000Z-9f2c0a1b'
 */
export function newAttemptId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

/**
 * Where one job attempt stages its outputs: `staging/{patient}/{session}/{fingerprint}-{attemptId}/`. One prefix
 * per attempt, so a retried attempt never mixes its files with those of one that died.
 *
 * @example
 * stagingPrefix(request, '20261204T173000Z-9f2c0a1b') // 'staging/P001/2024-03-01/0123456789abcdef-20261204T173000Z-9f2c0a1b/'
 */
export function stagingPrefix(request: Pick<PreprocessJobRequest, 'outputPrefix' | 'fingerprint'>, attemptId: string): string {
  if (!/^[0-9A-Za-z-]{1,64}$/.test(attemptId)) throw new Error('attempt id may contain only letters, digits and "-"');
  const session = request.outputPrefix.replace(/^preprocessed\//, '');
  return `${STAGING_ROOT}${session}${request.fingerprint}-${attemptId}/`;
}

/** The order a commit writes files in: as given, with {@link DONE_FILE} moved last. */
export function commitOrder(names: readonly string[]): string[] {
  return [...names.filter((n) => n !== DONE_FILE), ...names.filter((n) => n === DONE_FILE)];
}

export interface CommitInput {
  store: ObjectStore;
  /** `staging/{p}/{s}/{fingerprint}-{attempt}/` holding every file of this attempt. */
  staging: string;
  /** `preprocessed/{p}/{s}/`. */
  final: string;
  /** Paths relative to both prefixes (`mri_brain.nii.gz`, `qc/index.html`), in the order the job produced them. */
  names: readonly string[];
  /** Content type per name, for stores without a server-side copy (get + put keeps it that way). */
  contentTypes?: Record<string, string>;
}

export interface CommitResult {
  /** Final keys by name. */
  keys: Record<string, string>;
  /** Files of an earlier version under the final prefix that this version does not have, removed. */
  removed: string[];
  /** False when some staging objects could not be deleted (the staging lifecycle rule expires them). */
  stagingCleaned: boolean;
}

/**
 * Moves one attempt's staged outputs into the session's final prefix:
 * 1. removes an existing {@link DONE_FILE} (an older version stops counting as complete while files change),
 * 2. copies every other staged file over the final key (server-side where the store can),
 * 3. removes files under the final prefix that this version does not have (an older version's leftovers),
 * 4. copies {@link DONE_FILE} last, so its presence means the whole set is there,
 * 5. deletes the staging objects (best effort; the store's lifecycle rule expires what is left).
 * Idempotent: running it again from the same staging area gives the same final state. A job killed before the
 * commit leaves the final prefix untouched; one killed during it leaves no {@link DONE_FILE}, and the retry's
 * commit replaces every file.
 *
 * @example
 * await commitStagedOutputs({ store, staging: 'staging/P1/2024-03-01/0123456789abcdef-20261204T173000Z-9f2c0a1b/', final: 'preprocessed/P1/2024-03-01/', names: ['mri_brain.nii.gz', 'roi_features.json'] });
 */
export async function commitStagedOutputs(input: CommitInput): Promise<CommitResult> {
  const { store, staging, final } = input;
  const order = commitOrder(input.names);
  const wanted = new Set(order);
  const existing = await store.list(final);
  if (existing.some((h) => h.key === `${final}${DONE_FILE}`)) await store.delete(`${final}${DONE_FILE}`);
  const keys: Record<string, string> = {};
  for (const name of order) {
    if (name === DONE_FILE) continue;
    keys[name] = `${final}${name}`;
    await copyObject(store, `${staging}${name}`, keys[name], input.contentTypes?.[name]);
  }
  const removed: string[] = [];
  for (const head of existing) {
    const name = head.key.slice(final.length);
    if (wanted.has(name) || name === DONE_FILE) continue;
    await store.delete(head.key);
    removed.push(head.key);
  }
  if (wanted.has(DONE_FILE)) {
    keys[DONE_FILE] = `${final}${DONE_FILE}`;
    await copyObject(store, `${staging}${DONE_FILE}`, keys[DONE_FILE], input.contentTypes?.[DONE_FILE]);
  }
  const stagingCleaned = await deletePrefix(store, staging);
  return { keys, removed, stagingCleaned };
}

/**
 * Deletes every object under `prefix`. Never throws: returns false when the listing or a delete failed.
 *
 * @example
 * const cleaned = await deletePrefix(store, 'staging/P1/2024-03-01/0123456789abcdef-20261204T173000Z-9f2c0a1b/');
 */
export async function deletePrefix(store: ObjectStore, prefix: string): Promise<boolean> {
  let heads: ObjectHead[];
  try {
    heads = await store.list(prefix);
  } catch {
    return false;
  }
  let cleaned = true;
  for (const head of heads) {
    await store.delete(head.key).catch(() => {
      cleaned = false;
    });
  }
  return cleaned;
}

/** Server-side copy where the store has one; otherwise read and write the bytes again. */
async function copyObject(store: ObjectStore, from: string, to: string, contentType?: string): Promise<void> {
  try {
    if (store.copy) {
      await store.copy(from, to);
      return;
    }
    const bytes = await store.get(from);
    const options: PutOptions = contentType ? { contentType } : {};
    await store.put(to, bytes, options);
  } catch (error) {
    // The key holds the patient id: the reason (logged, stored) names only the file.
    if (error instanceof ObjectNotFoundError) throw new StagingIncompleteError(from.slice(from.lastIndexOf('/') + 1));
    throw error;
  }
}

/** A staged file vanished before the commit copied it (e.g. a stale-staging cleanup ran too early). */
export class StagingIncompleteError extends Error {
  constructor(readonly file: string) {
    super(`staged output ${file} is missing: the staging area is incomplete`);
    this.name = 'StagingIncompleteError';
  }
}

/** Who holds a session's commit lock. */
export interface CommitLockOwner {
  fingerprint: string;
  attemptId: string;
}

export interface CommitLockOptions {
  /** A lock older than this is taken over (its holder died mid-commit). Default 5 minutes; a commit takes seconds. */
  staleAfterMs?: number;
  /** Wait between tries while another version commits. Default 1 s. */
  pollMs?: number;
  signal?: AbortSignal;
  now?: () => number;
}

/** `staging/{p}/{s}/commit.lock`: one per session, outside every attempt's prefix. */
export function commitLockKey(request: Pick<PreprocessJobRequest, 'outputPrefix'>): string {
  return `${STAGING_ROOT}${request.outputPrefix.replace(/^preprocessed\//, '')}commit.lock`;
}

/**
 * Runs `commit` while holding the session's commit lock (a conditional create), so two versions of one session
 * (a re-upload while the first job is still committing) never interleave their files. A lock held by the same
 * fingerprint is taken over at once (a retry after its attempt died: never two live attempts of one version);
 * one held by another version is waited for, and taken over once older than `staleAfterMs`. Released after the
 * commit, whatever its outcome. Two waiters taking over the same stale lock at the same instant can both proceed
 * (the port has no conditional delete): that needs a holder that died and two more versions within a second.
 *
 * @example
 * await withCommitLock(store, commitLockKey(request), { fingerprint, attemptId }, () => commitStagedOutputs(input));
 */
export async function withCommitLock<T>(
  store: ObjectStore,
  key: string,
  owner: CommitLockOwner,
  commit: () => Promise<T>,
  options: CommitLockOptions = {},
): Promise<T> {
  const staleAfterMs = options.staleAfterMs ?? 5 * 60_000;
  const pollMs = options.pollMs ?? 1000;
  const now = options.now ?? Date.now;
  const body = JSON.stringify({ ...owner, at: new Date(now()).toISOString() });
  for (;;) {
    options.signal?.throwIfAborted();
    if ((await store.putIfAbsent(key, body, { contentType: 'application/json' })).created) break;
    const held = await readLock(store, key);
    const sameVersion = held?.fingerprint === owner.fingerprint;
    const stale = held === undefined || now() - held.at > staleAfterMs;
    if (sameVersion || stale) {
      await store.delete(key);
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    return await commit();
  } finally {
    // Only our own lock: a waiter that took it over as stale keeps its own.
    const held = await readLock(store, key).catch(() => undefined);
    if (held?.attemptId === owner.attemptId) await store.delete(key).catch(() => undefined);
  }
}

async function readLock(store: ObjectStore, key: string): Promise<{ fingerprint?: string; attemptId?: string; at: number } | undefined> {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(await store.get(key))) as { fingerprint?: string; attemptId?: string; at?: string };
    const at = Date.parse(parsed.at ?? '');
    return { fingerprint: parsed.fingerprint, attemptId: parsed.attemptId, at: Number.isFinite(at) ? at : 0 };
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    // Unreadable (not JSON): treated as stale, like a lock without a time.
    if (error instanceof SyntaxError) return { at: 0 };
    throw error;
  }
}

/**
 * Deletes staging objects older than `olderThanMs` (default 7 days, as the cloud lifecycle rules): what killed
 * attempts left behind. For stores without a lifecycle rule (the local folder store); safe to run while jobs run,
 * since a live attempt's files and lock are younger than any sensible threshold (a job is limited to 30 minutes).
 * Returns how many objects it deleted.
 *
 * @example
 * await deleteStaleStaging(store, { olderThanMs: 24 * 3600_000 });
 */
export async function deleteStaleStaging(store: ObjectStore, options: { olderThanMs?: number; now?: number } = {}): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - (options.olderThanMs ?? 7 * 24 * 3600_000);
  let deleted = 0;
  for (const head of await store.list(STAGING_ROOT)) {
    // An object without a modification time is left alone: its age is unknown.
    if (!head.lastModified || head.lastModified.getTime() >= cutoff) continue;
    await store.delete(head.key);
    deleted++;
  }
  return deleted;
}
