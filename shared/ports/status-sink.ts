import type { PreprocessJobRequest, SubmittedJob } from './job-submitter.js';

export type PreprocessingStatus = 'requested' | 'in-progress' | 'completed' | 'failed';

export interface JobStatusUpdate {
  job: PreprocessJobRequest;
  jobId?: string;
  status: PreprocessingStatus;
  /** Why a job failed, in words a user can act on. */
  reason?: string;
  /** Output object keys by name (mri_brain, pet_suvr, atlas_in_t1, roi_features...). */
  outputs?: Record<string, string>;
  at: Date;
}

/**
 * Where preprocessing status goes (FHIR ImagingStudy + Task in the product; a log in tests).
 * Implementations must be idempotent: the same update may arrive more than once.
 */
export interface StatusSink {
  update(update: JobStatusUpdate): Promise<void>;
}

export type { SubmittedJob };
