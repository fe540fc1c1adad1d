import { randomUUID } from 'node:crypto';
import { makeUploadEvent } from '../domain/upload-event.js';
import { rawKey, type SessionRef } from '../domain/session-key.js';
import type { SubmittedJob } from '../ports/job-submitter.js';
import { claimUploadJob, recordSubmittedJob, releaseUploadJob, type ClaimedUploadJob, type UploadPorts } from './handle-upload.js';
import { jobArrayManifest, jobArrayManifestKey, MAX_ARRAY_SIZE, MIN_ARRAY_SIZE, newJobArrayId } from './job-array-manifest.js';
import { reprocessSessions, type ReprocessSessionResult } from './reprocess-sessions.js';
import { mapLimit } from '../util/map-limit.js';

export interface BackfillSessionsOptions {
  /** The upload ports (store, job submitter, status sink...). */
  ports: UploadPorts;
  /** The sessions to submit again (`findBackfillSessions`). */
  sessions: SessionRef[];
  /** CloudEvents source of the synthetic events (shows in logs and markers). Default `adni:backfill`. */
  source?: string;
  /** Largest array per submission (default and most {@link MAX_ARRAY_SIZE}, AWS Batch's limit); tests lower it. */
  maxArraySize?: number;
  /** Array path: how many sessions are claimed (and recorded) at once; default {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
}

/** Sessions claimed (and recorded) at once on the array path: fewer round trips in sequence, few enough for FHIR's rate limits. */
export const DEFAULT_CONCURRENCY = 8;

/** One session's backfill result: the reprocess outcomes, plus `failed` when its array could not be submitted. */
export type BackfillSessionResult = SessionRef & {
  outcome: ReprocessSessionResult['outcome'] | { outcome: 'failed'; session: SessionRef; reason: string };
};

/**
 * Submits preprocessing again for `sessions`, as one array job per {@link MAX_ARRAY_SIZE} sessions where the job
 * submitter has `submitArray` (AWS Batch), else one job per session exactly as `reprocessSessions` does.
 *
 * The array path keeps the single path's guarantees: each session's reprocess marker is claimed with the same
 * conditional create (`claimUploadJob`), the manifest `jobs/arrays/{id}.json` lists for each index the job
 * environment a single job would have received, and after the one `submitArray` call each marker records its
 * child id (`{arrayJobId}:{index}`) and the `requested` status, as `handleUpload` does. A chunk of one session is
 * a plain `submit`. When a submission fails, every marker of that chunk is released (a later backfill submits them
 * again) and each of its sessions is reported `failed` with the reason; other chunks are unaffected.
 *
 * @example
 * const results = await backfillSessions({ ports, sessions: await findBackfillSessions({ store: ports.store }) });
 * results.filter((r) => r.outcome.outcome === 'failed').length // 0 when every chunk was accepted
 */
export async function backfillSessions(options: BackfillSessionsOptions): Promise<BackfillSessionResult[]> {
  const { ports, sessions } = options;
  const source = options.source ?? 'adni:backfill';
  if (!ports.jobs.submitArray || sessions.length < MIN_ARRAY_SIZE) {
    // No arrays on this cloud (or nothing to batch): today's one job per session.
    const results: BackfillSessionResult[] = [];
    for (const session of sessions) {
      const [result] = await reprocessSessions({ ports, patientId: session.patientId, sessionDate: session.sessionDate, source });
      results.push({ ...session, outcome: result.outcome });
    }
    return results;
  }

  const maxArraySize = Math.min(options.maxArraySize ?? MAX_ARRAY_SIZE, MAX_ARRAY_SIZE);
  if (!Number.isInteger(maxArraySize) || maxArraySize < MIN_ARRAY_SIZE) throw new Error(`maxArraySize must be an integer from ${MIN_ARRAY_SIZE} to ${MAX_ARRAY_SIZE}`);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const results = new Map<SessionRef, BackfillSessionResult>();
  // Claims of different sessions are independent: made `concurrency` at a time (a backfill runs inside the
  // HTTP API's 29 s), each result kept at its session's position so array indexes follow the sessions' order.
  const claims = await mapLimit(sessions, concurrency, async (session): Promise<ClaimedUploadJob | BackfillSessionResult> => {
    const event = makeUploadEvent({ id: randomUUID(), source, bucket: ports.store.bucket, key: rawKey(session, 'mri') });
    // Every claim is made before any submission, so a session that cannot be claimed is reported, not thrown:
    // a throw here would leave the other sessions' markers claimed with no job behind them.
    let outcome;
    try {
      outcome = await claimUploadJob(event, ports, { reprocess: true });
    } catch (error) {
      return failed(session, `could not claim the job marker: ${message(error)}`);
    }
    if (outcome.outcome === 'claimed') return outcome.job;
    if (outcome.outcome === 'waiting') return { ...session, outcome };
    // A reprocess claim never collides and the key is built here: only an oversize input ends here.
    return failed(session, outcome.outcome === 'ignored' ? outcome.reason : outcome.outcome);
  });
  const claimed: { session: SessionRef; job: ClaimedUploadJob }[] = [];
  for (const [i, claim] of claims.entries()) {
    if ('markerKey' in claim) claimed.push({ session: sessions[i], job: claim });
    else results.set(sessions[i], claim);
  }

  for (let start = 0; start < claimed.length; start += maxArraySize) {
    const chunk = claimed.slice(start, start + maxArraySize);
    const outcomes = await submitChunk(ports, chunk.map((c) => c.job), concurrency);
    for (const [i, outcome] of outcomes.entries()) results.set(chunk[i].session, { ...chunk[i].session, outcome });
  }
  return sessions.map((s) => results.get(s)!);
}

type ChunkOutcome = BackfillSessionResult['outcome'];

/** Submits one chunk of claimed jobs: an array of 2+ (manifest first), or a plain job for one; records or releases. */
async function submitChunk(ports: UploadPorts, jobs: ClaimedUploadJob[], concurrency: number): Promise<ChunkOutcome[]> {
  let submitted: SubmittedJob[];
  let manifestKey: string | undefined;
  try {
    if (jobs.length === 1) {
      submitted = [await ports.jobs.submit(jobs[0].request)];
    } else {
      const id = newJobArrayId(ports.clock.now());
      manifestKey = jobArrayManifestKey(id);
      const manifest = jobArrayManifest(id, jobs.map((j) => j.request), ports.clock.now());
      await ports.store.put(manifestKey, JSON.stringify(manifest), { contentType: 'application/json' });
      submitted = await ports.jobs.submitArray!(jobs.map((j) => j.request), { bucket: ports.store.bucket, key: manifestKey });
      if (submitted.length !== jobs.length) throw new Error(`the job submitter returned ${submitted.length} job ids for ${jobs.length} jobs`);
    }
  } catch (error) {
    // Nothing of this chunk runs: free every claim so the next backfill submits these sessions again.
    const reason = `job submission failed: ${message(error)}`;
    await mapLimit(jobs, concurrency, (job) => releaseUploadJob(job, ports, error, 'backfill submission failed; the session is left for the next backfill'));
    if (manifestKey) {
      await ports.store.delete(manifestKey).catch((cleanupError: unknown) => {
        ports.logger.warn('could not delete the manifest of a failed array submission', { manifestKey, error: String(cleanupError) });
      });
    }
    return jobs.map((job) => failed(job.session, reason).outcome);
  }
  const outcomes: ChunkOutcome[] = await mapLimit(jobs, concurrency, (job, i) => recordSubmittedJob(job, submitted[i], ports));
  if (manifestKey) ports.logger.info('backfill array job submitted', { manifestKey, size: jobs.length, jobId: submitted[0].jobId.split(':')[0] });
  return outcomes;
}

function failed(session: SessionRef, reason: string): BackfillSessionResult {
  return { ...session, outcome: { outcome: 'failed', session, reason } };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
