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

/** Starts one preprocessing job (AWS Batch, Azure Container Instances, Cloud Run Jobs, local worker pool). */
export interface JobSubmitter {
  submit(request: PreprocessJobRequest): Promise<SubmittedJob>;
}
