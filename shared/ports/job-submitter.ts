import type { SessionRef } from '../domain/session-key.js';

/** Everything a preprocessing job needs; the same on every cloud (see `shared/core/job-contract.ts`). */
export interface PreprocessJobRequest extends SessionRef {
  /** Deterministic, provider-safe job name derived from the session and fingerprint. */
  jobName: string;
  /** Identifies the exact input versions; the job marker key ends with it. */
  fingerprint: string;
  inputBucket: string;
  mriKey: string;
  petKey: string;
  mriVersion?: string;
  petVersion?: string;
  outputBucket: string;
  /** `preprocessed/{patient}/{session}/` */
  outputPrefix: string;
}

export interface SubmittedJob {
  /** The provider's id (Batch job id, ACI container group, Cloud Run execution, local job id). */
  jobId: string;
  provider: string;
}

/** Where a job array's manifest (`shared/core/job-array-manifest.ts`) is stored: the upload store's bucket and key. */
export interface JobArrayManifestRef {
  bucket: string;
  key: string;
}

/** Starts one preprocessing job (AWS Batch, Azure Container Instances, Cloud Run Jobs, local worker pool). */
export interface JobSubmitter {
  submit(request: PreprocessJobRequest): Promise<SubmittedJob>;
  /**
   * Optional: starts many jobs as one array submission (AWS Batch array jobs). Child `i` runs `requests[i]`,
   * which it reads from the manifest (already written by the caller) by its array index. Returns one
   * {@link SubmittedJob} per request, in the same order. Submitters without arrays leave this out, and callers
   * fall back to one {@link submit} per request.
   *
   * @example
   * const children = await jobs.submitArray?.(requests, { bucket: 'adni-raw', key: 'jobs/arrays/20240301T000000Z-1a2b3c4d.json' });
   */
  submitArray?(requests: PreprocessJobRequest[], manifest: JobArrayManifestRef): Promise<SubmittedJob[]>;
}
