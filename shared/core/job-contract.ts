import { z } from 'zod';
import { PatientIdSchema, SessionDateSchema } from '../domain/session-key.js';
import type { PreprocessJobRequest } from '../ports/job-submitter.js';
import { redactId } from '../util/redact.js';

/**
 * The environment a preprocessing container receives, identical on AWS Batch, ACI, Cloud Run Jobs
 * and the local worker pool. The batch image validates it before doing any work.
 */
export const JobEnvironmentSchema = z.object({
  ADNI_PATIENT_ID: PatientIdSchema,
  ADNI_SESSION_DATE: SessionDateSchema,
  ADNI_FINGERPRINT: z.string().regex(/^[0-9a-f]{16}$/, 'fingerprint must be 16 hex characters'),
  ADNI_INPUT_BUCKET: z.string().min(1),
  ADNI_MRI_KEY: z.string().min(1),
  ADNI_PET_KEY: z.string().min(1),
  ADNI_MRI_VERSION: z.string().optional(),
  ADNI_PET_VERSION: z.string().optional(),
  ADNI_OUTPUT_BUCKET: z.string().min(1),
  ADNI_OUTPUT_PREFIX: z.string().regex(/^preprocessed\/[^/]+\/[^/]+\/$/, 'output prefix must be preprocessed/{patient}/{session}/'),
  ADNI_JOB_NAME: z.string().min(1),
});

export type JobEnvironment = z.infer<typeof JobEnvironmentSchema>;

/** The container environment for a job request. */
export function jobEnvironment(request: PreprocessJobRequest): Record<string, string> {
  const env: Record<string, string> = {
    ADNI_PATIENT_ID: request.patientId,
    ADNI_SESSION_DATE: request.sessionDate,
    ADNI_FINGERPRINT: request.fingerprint,
    ADNI_INPUT_BUCKET: request.inputBucket,
    ADNI_MRI_KEY: request.mriKey,
    ADNI_PET_KEY: request.petKey,
    ADNI_OUTPUT_BUCKET: request.outputBucket,
    ADNI_OUTPUT_PREFIX: request.outputPrefix,
    ADNI_JOB_NAME: request.jobName,
  };
  if (request.mriVersion) env.ADNI_MRI_VERSION = request.mriVersion;
  if (request.petVersion) env.ADNI_PET_VERSION = request.petVersion;
  return env;
}

/** Parses a container environment back into a job request; throws a readable error on bad input. */
export function jobRequestFromEnvironment(env: Record<string, string | undefined>): PreprocessJobRequest {
  const parsed = JobEnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid job environment: ${detail}`);
  }
  const e = parsed.data;
  return {
    patientId: e.ADNI_PATIENT_ID,
    sessionDate: e.ADNI_SESSION_DATE,
    fingerprint: e.ADNI_FINGERPRINT,
    inputBucket: e.ADNI_INPUT_BUCKET,
    mriKey: e.ADNI_MRI_KEY,
    petKey: e.ADNI_PET_KEY,
    mriVersion: e.ADNI_MRI_VERSION,
    petVersion: e.ADNI_PET_VERSION,
    outputBucket: e.ADNI_OUTPUT_BUCKET,
    outputPrefix: e.ADNI_OUTPUT_PREFIX,
    jobName: e.ADNI_JOB_NAME,
  };
}

/**
 * A job name every provider accepts (AWS Batch: 128 of [A-Za-z0-9_-]; ACI container groups: 63 lowercase
 * alphanumerics and dashes). Unique per session version, and free of PHI: cloud consoles show job names,
 * so the patient and date appear only as a pseudonym.
 *
 * @example
 * jobName('P001', '2024-03-01', '0123456789abcdef') // 'adni-3f1c9a0b2d-0123456789ab'
 */
export function jobName(patientId: string, sessionDate: string, fingerprint: string): string {
  const session = redactId(`${patientId}/${sessionDate}`).slice(2);
  return `adni-${session}-${fingerprint.slice(0, 12)}`;
}
