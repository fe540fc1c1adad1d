import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { ObjectNotFoundError, type ObjectStore } from '../../shared/ports/object-store.js';
import type { Logger } from '../../shared/ports/observability.js';
import type { StatusSink } from '../../shared/ports/status-sink.js';
import { redactId, redactKey } from '../../shared/util/redact.js';
import { MAX_INPUT_BYTES } from './nifti-check.js';
import { commitLockKey, commitStagedOutputs, deletePrefix, deleteStaleStaging, newAttemptId, stagingPrefix, withCommitLock } from './commit-outputs.js';
import { runPreprocessing as defaultPreprocessing, type PreprocessingInput, type PreprocessingResult } from './pipeline-step.js';

export interface RunJobOptions {
  request: PreprocessJobRequest;
  inputStore: ObjectStore;
  outputStore: ObjectStore;
  status: StatusSink;
  logger: Logger;
  /** The platform's id for this run (status records carry it). */
  jobId?: string;
  /** Parent of the job's temp dir; default the OS temp dir. */
  tempRoot?: string;
  /** Stops the job between steps (SIGTERM from the platform). */
  signal?: AbortSignal;
  /** Largest input object fetched, in bytes (default {@link MAX_INPUT_BYTES}, the reader's inflate limit). */
  maxInputBytes?: number;
  /** The pipeline step; injectable so tests can make it fail. */
  preprocess?: (input: PreprocessingInput) => Promise<PreprocessingResult>;
  /** Names this attempt's staging prefix (default: time + random, {@link newAttemptId}). */
  attemptId?: string;
  /** Called after every output is staged and before the commit (tests stop the job there). */
  beforeCommit?: (staging: string) => Promise<void> | void;
  /**
   * After its own commit, delete staging objects older than this (what killed attempts left): for stores without a
   * lifecycle rule (the local folder store). Best effort; off when unset.
   */
  deleteStagingOlderThanMs?: number;
}

export type RunJobResult = { ok: true; outputs: Record<string, string> } | { ok: false; reason: string };

/**
 * One preprocessing job: report in-progress, download both inputs, run the pipeline step, upload the outputs
 * to this attempt's staging prefix (`staging/{p}/{s}/{fingerprint}-{attempt}/`), commit them into the output
 * prefix with `roi_features.json` last (`commitStagedOutputs`), report completed (or failed, with a reason).
 * A job that dies before the commit leaves the output prefix as it was. Always removes its temp dir.
 * Throws only when the final status cannot be reported, so the caller can exit with its own code.
 *
 * @example
 * const result = await runJob({ request, inputStore, outputStore, status, logger });
 * process.exitCode = result.ok ? 0 : 1;
 */
export async function runJob(options: RunJobOptions): Promise<RunJobResult> {
  const { request, logger, status } = options;
  const context = { job: request.jobName, patient: redactId(request.patientId), fingerprint: request.fingerprint };
  const started = Date.now();
  await status
    .update({ job: request, jobId: options.jobId, status: 'in-progress', at: new Date() })
    .catch((error: unknown) => logger.warn('could not report in-progress; continuing', { ...context, error: describe(error) }));
  logger.info('job started', context);

  const workDir = await mkdtemp(path.join(options.tempRoot ?? tmpdir(), 'adni-job-'));
  const attemptId = options.attemptId ?? newAttemptId();
  const staging = stagingPrefix(request, attemptId);
  let committing = false;
  let outcome: RunJobResult;
  try {
    const inputDir = path.join(workDir, 'in');
    const outDir = path.join(workDir, 'out');
    await Promise.all([mkdir(inputDir), mkdir(outDir)]);
    const mriPath = path.join(inputDir, 'mri.nii.gz');
    const petPath = path.join(inputDir, 'pet.nii.gz');
    const maxBytes = options.maxInputBytes ?? MAX_INPUT_BYTES;
    await download(options.inputStore, request.mriKey, mriPath, 'MRI', maxBytes);
    await download(options.inputStore, request.petKey, petPath, 'PET', maxBytes);
    options.signal?.throwIfAborted();

    const preprocess = options.preprocess ?? defaultPreprocessing;
    const result = await preprocess({ mriPath, petPath, outDir, logger, signal: options.signal });
    options.signal?.throwIfAborted();

    // Attachments first: the named outputs (the QC page among them) appear only once what they link to is there.
    const files = [...(result.attachments ?? []), ...Object.values(result.outputs)];
    const names = [...new Set(files.map((file) => outputKeySuffix(outDir, file)))];
    const contentTypes: Record<string, string> = {};
    for (const file of files) {
      const name = outputKeySuffix(outDir, file);
      contentTypes[name] = contentTypeOf(file);
      await options.outputStore.put(`${staging}${name}`, await readFile(file), { contentType: contentTypes[name] });
    }
    options.signal?.throwIfAborted();
    await options.beforeCommit?.(staging);
    options.signal?.throwIfAborted();
    // From here on the final prefix changes; roi_features.json (the "done" marker) is written last.
    committing = true;
    // One commit per session at a time: another version's files never interleave with these.
    const commit = await withCommitLock(
      options.outputStore,
      commitLockKey(request),
      { fingerprint: request.fingerprint, attemptId },
      () => commitStagedOutputs({ store: options.outputStore, staging, final: request.outputPrefix, names, contentTypes }),
      { signal: options.signal },
    );
    if (!commit.stagingCleaned) logger.warn('staged outputs not all deleted; the staging lifecycle rule will expire them', context);
    if (commit.removed.length > 0) logger.info('removed outputs of an earlier version', { ...context, removed: commit.removed.length });
    if (options.deleteStagingOlderThanMs !== undefined) {
      const stale = await deleteStaleStaging(options.outputStore, { olderThanMs: options.deleteStagingOlderThanMs }).catch(() => 0);
      if (stale > 0) logger.info('deleted stale staged outputs of killed attempts', { ...context, objects: stale });
    }
    const outputs = Object.fromEntries(Object.entries(result.outputs).map(([name, file]) => [name, commit.keys[outputKeySuffix(outDir, file)]]));
    outcome = { ok: true, outputs };
  } catch (error) {
    outcome = { ok: false, reason: failureReason(error) };
    // Nothing of a failed attempt stays in staging (a killed one is left to the lifecycle rule). A failed commit
    // keeps its staging area: the files there are whole, and the next attempt commits its own.
    if (!committing) await deletePrefix(options.outputStore, staging);
  } finally {
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }

  const ms = Date.now() - started;
  if (outcome.ok) {
    await status.update({ job: request, jobId: options.jobId, status: 'completed', outputs: outcome.outputs, at: new Date() });
    logger.info('job completed', { ...context, ms, outputs: Object.keys(outcome.outputs) });
  } else {
    await status.update({ job: request, jobId: options.jobId, status: 'failed', reason: outcome.reason, at: new Date() });
    logger.error('job failed', { ...context, ms, reason: outcome.reason });
  }
  return outcome;
}

async function download(store: ObjectStore, key: string, file: string, label: string, maxBytes: number): Promise<void> {
  let bytes: Uint8Array;
  try {
    // Sized before it is fetched: an input larger than the inflate limit could only fail the check later.
    const head = await store.head(key);
    if (head && head.size > maxBytes) throw new JobInputError(`${label} input is ${head.size} bytes, above the ${maxBytes}-byte input limit`);
    bytes = await store.get(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new JobInputError(`${label} input ${redactKey(key)} no longer exists in storage`);
    throw error;
  }
  await writeFile(file, bytes);
}

class JobInputError extends Error {}

function failureReason(error: unknown): string {
  if (error instanceof Error && error.name === 'AbortError') return 'job was stopped before it finished';
  // Validation and input errors are written for users; anything else gets its class name for context.
  if (error instanceof JobInputError || (error instanceof Error && error.name === 'InputValidationError')) return error.message;
  return describe(error);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function contentTypeOf(file: string): string {
  if (file.endsWith('.json')) return 'application/json';
  if (file.endsWith('.gz')) return 'application/gzip';
  if (file.endsWith('.html')) return 'text/html; charset=utf-8';
  if (file.endsWith('.png')) return 'image/png';
  if (file.endsWith('.tsv')) return 'text/tab-separated-values';
  return 'application/octet-stream';
}

/** `qc/t1_mask.png` for a file in `outDir/qc/`; the file name alone for anything outside `outDir`. */
function outputKeySuffix(outDir: string, file: string): string {
  const relative = path.relative(outDir, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return path.basename(file);
  return relative.split(path.sep).join('/');
}
