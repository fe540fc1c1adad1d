import { UploadEventSchema, type UploadEvent } from '../domain/upload-event.js';
import { parseRawKey, preprocessedPrefix, rawKey, type SessionRef } from '../domain/session-key.js';
import type { ObjectHead, ObjectStore } from '../ports/object-store.js';
import type { JobSubmitter, PreprocessJobRequest, SubmittedJob } from '../ports/job-submitter.js';
import type { StatusSink } from '../ports/status-sink.js';
import type { Clock, Logger, Metrics } from '../ports/observability.js';
import { redactId, redactKey } from '../util/redact.js';
import { claimJobMarker } from './claim-job-marker.js';
import { sessionFingerprint } from './fingerprint.js';
import { jobName } from './job-contract.js';
import { maxUploadBytesFromEnv, oversizeReason } from './upload-limits.js';

/** What the core handler needs from the outside world. Adapters build this once per cold start. */
export interface UploadPorts {
  /** The store the upload landed in (raw inputs and job markers). */
  store: ObjectStore;
  /** Bucket the job writes `preprocessed/` to; defaults to the input bucket. */
  outputBucket?: string;
  jobs: JobSubmitter;
  status: StatusSink;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Raw objects larger than this are refused (logged, never processed); default `ADNI_MAX_UPLOAD_BYTES`, else 2 GiB. */
  maxUploadBytes?: number;
}

export type UploadOutcome =
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'waiting'; session: SessionRef; missing: 'mri' | 'pet' }
  | { outcome: 'duplicate'; session: SessionRef; fingerprint: string }
  | { outcome: 'submitted'; session: SessionRef; fingerprint: string; jobId: string };

/** The content of `jobs/{patient}/{session}/{fingerprint}.json`. */
export interface JobMarker {
  fingerprint: string;
  eventId: string;
  createdAt: string;
  inputs: { mri: Pick<ObjectHead, 'etag' | 'version'>; pet: Pick<ObjectHead, 'etag' | 'version'> };
  jobId?: string;
  provider?: string;
  submittedAt?: string;
  /** Set on a reprocess: the inputs' fingerprint and which reprocess of it this job is. */
  reprocess?: { of: string; attempt: number };
}

/** How one call of {@link handleUpload} treats a session version that already has a job. */
export interface HandleUploadOptions {
  /** Submit a new job even though this session version has one (`adni reprocess`, backfill); see `claimJobMarker`. */
  reprocess?: boolean;
}

/**
 * The one core upload handler every provider adapter calls. When both the MRI and the PET of a session
 * are in storage, it submits exactly one preprocessing job for that version of the session.
 *
 * Idempotent without a database: a job marker is created with a conditional write keyed by the inputs'
 * fingerprint, so duplicate, late and racing events find the marker and stop. Bad keys are logged and
 * ignored (never thrown: a throw would make the platform retry forever). Storage and submission errors
 * are thrown so the platform retries them; a failed submission removes its marker first.
 *
 * @example
 * const outcome = await handleUpload(event, ports);
 * if (outcome.outcome === 'submitted') console.log(outcome.jobId);
 */
export async function handleUpload(event: UploadEvent, ports: UploadPorts, options: HandleUploadOptions = {}): Promise<UploadOutcome> {
  const claimed = await claimUploadJob(event, ports, options);
  if (claimed.outcome !== 'claimed') return claimed;
  let submitted;
  try {
    submitted = await ports.jobs.submit(claimed.job.request);
  } catch (error) {
    // Release the claim so the platform's retry of this event can submit the job.
    await releaseUploadJob(claimed.job, ports, error, 'job submission failed; the event will be retried');
    throw error;
  }
  return recordSubmittedJob(claimed.job, submitted, ports);
}

/** A session version whose job marker this call created: the job it may now submit, and how to undo the claim. */
export interface ClaimedUploadJob {
  session: SessionRef;
  fingerprint: string;
  markerKey: string;
  marker: JobMarker;
  /** Exactly what {@link handleUpload} submits. */
  request: PreprocessJobRequest;
  /** PHI-free log fields (event id, patient pseudonym, modality). */
  logContext: Record<string, string>;
}

/** What {@link claimUploadJob} found: a claimed job to submit, or why there is none (the upload outcomes). */
export type ClaimUploadJobResult = Exclude<UploadOutcome, { outcome: 'submitted' }> | { outcome: 'claimed'; job: ClaimedUploadJob };

/**
 * Step 1 of {@link handleUpload}: validates the event, heads both inputs, checks sizes and claims the job marker.
 * Callers that submit jobs their own way (backfill's array jobs) use it with {@link releaseUploadJob} and
 * {@link recordSubmittedJob}, so claims, markers and statuses stay the upload path's.
 *
 * @example
 * const claimed = await claimUploadJob(event, ports, { reprocess: true });
 * if (claimed.outcome === 'claimed') await recordSubmittedJob(claimed.job, await ports.jobs.submit(claimed.job.request), ports);
 */
export async function claimUploadJob(event: UploadEvent, ports: UploadPorts, options: HandleUploadOptions = {}): Promise<ClaimUploadJobResult> {
  const { logger, metrics } = ports;
  const valid = UploadEventSchema.safeParse(event);
  if (!valid.success) {
    return ignore(ports, `malformed event: ${valid.error.issues[0].path.join('.')} ${valid.error.issues[0].message}`);
  }
  if (event.data.bucket !== ports.store.bucket) {
    return ignore(ports, `event is for bucket "${event.data.bucket}", this handler serves "${ports.store.bucket}"`);
  }
  const parsed = parseRawKey(event.data.key);
  if (!parsed.ok) return ignore(ports, parsed.reason, event.data.key);

  const session: SessionRef = { patientId: parsed.value.patientId, sessionDate: parsed.value.sessionDate };
  const logContext = { eventId: event.id, patient: redactId(session.patientId), modality: parsed.value.modality };

  const mriKey = rawKey(session, 'mri');
  const petKey = rawKey(session, 'pet');
  const [mri, pet] = await Promise.all([ports.store.head(mriKey), ports.store.head(petKey)]);
  if (!mri || !pet) {
    const missing = !mri ? 'mri' : 'pet';
    logger.info('session incomplete, waiting for the other modality', { ...logContext, missing });
    metrics.count('SessionsWaiting');
    return { outcome: 'waiting', session, missing };
  }
  // Size is enforced here on every cloud: Blob SAS URLs cannot limit it, and S3 URLs only pin a declared size.
  const limit = ports.maxUploadBytes ?? maxUploadBytesFromEnv();
  const oversize = oversizeReason('mri', mri.size, limit) ?? oversizeReason('pet', pet.size, limit);
  if (oversize) {
    metrics.count('UploadsTooLarge');
    return ignore(ports, oversize, event.data.key);
  }

  const claim = await claimJobMarker({
    store: ports.store,
    session,
    inputFingerprint: sessionFingerprint(mri, pet),
    marker: {
      eventId: event.id,
      createdAt: ports.clock.now().toISOString(),
      inputs: { mri: { etag: mri.etag, version: mri.version }, pet: { etag: pet.etag, version: pet.version } },
    },
    reprocess: options.reprocess,
  });
  const fingerprint = claim.fingerprint;
  if (!claim.created) {
    logger.info('job already submitted for this session version', { ...logContext, fingerprint });
    metrics.count('DuplicateEvents');
    return { outcome: 'duplicate', session, fingerprint };
  }
  const { markerKey, marker } = claim;

  const request: PreprocessJobRequest = {
    ...session,
    jobName: jobName(session.patientId, session.sessionDate, fingerprint),
    fingerprint,
    inputBucket: ports.store.bucket,
    mriKey,
    petKey,
    mriVersion: mri.version,
    petVersion: pet.version,
    outputBucket: ports.outputBucket ?? ports.store.bucket,
    outputPrefix: preprocessedPrefix(session),
  };
  return { outcome: 'claimed', job: { session, fingerprint, markerKey, marker, request, logContext } };
}

/**
 * After a failed submission: removes the claimed marker (so a retry can claim it again), counts and logs the
 * failure with `message`. Never throws (a marker that cannot be removed is logged).
 *
 * @example
 * await releaseUploadJob(job, ports, error, 'array submission failed; the session can be backfilled again');
 */
export async function releaseUploadJob(job: ClaimedUploadJob, ports: UploadPorts, error: unknown, message: string): Promise<void> {
  const { logger, metrics } = ports;
  await ports.store.delete(job.markerKey).catch((cleanupError: unknown) => {
    logger.error('could not release job marker after a failed submission', {
      ...job.logContext,
      fingerprint: job.fingerprint,
      error: describe(cleanupError),
    });
  });
  metrics.count('JobSubmissionFailures');
  logger.error(message, { ...job.logContext, fingerprint: job.fingerprint, error: describe(error) });
}

/**
 * After a successful submission: records the job id in the marker and the `requested` status, as
 * {@link handleUpload} does. A status write that fails is logged, not thrown (the job runs and reports itself).
 *
 * @example
 * const outcome = await recordSubmittedJob(job, { jobId: 'abc:0', provider: 'aws-batch' }, ports);
 */
export async function recordSubmittedJob(
  job: ClaimedUploadJob,
  submitted: SubmittedJob,
  ports: UploadPorts,
): Promise<Extract<UploadOutcome, { outcome: 'submitted' }>> {
  const { logger, metrics } = ports;
  const { logContext, fingerprint, request } = job;
  const submittedAt = ports.clock.now();
  await ports.store.put(
    job.markerKey,
    JSON.stringify({ ...job.marker, jobId: submitted.jobId, provider: submitted.provider, submittedAt: submittedAt.toISOString() }),
    { contentType: 'application/json' },
  );
  // The job is running whatever happens here, and it reports its own progress: a status write that
  // fails must not make the platform retry an event whose work is done.
  await ports.status.update({ job: request, jobId: submitted.jobId, status: 'requested', at: submittedAt }).catch((error: unknown) => {
    metrics.count('StatusUpdateFailures');
    logger.error('could not record the requested status', { ...logContext, fingerprint, error: describe(error) });
  });
  metrics.count('JobsSubmitted');
  logger.info('preprocessing job submitted', { ...logContext, fingerprint, jobId: submitted.jobId });
  return { outcome: 'submitted', session: job.session, fingerprint, jobId: submitted.jobId };
}

function ignore(ports: UploadPorts, reason: string, key?: string): Extract<UploadOutcome, { outcome: 'ignored' }> {
  ports.logger.warn('upload event ignored', { reason, key: key === undefined ? undefined : redactKey(key) });
  ports.metrics.count('EventsIgnored');
  return { outcome: 'ignored', reason };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
