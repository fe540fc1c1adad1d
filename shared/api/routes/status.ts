import { Hono } from 'hono';
import { z } from 'zod';
import { PatientIdSchema } from '../../domain/session-key.js';
import { loadPatientRecords, sessionViews, type JobView } from '../../fhir/patient-records.js';
import type { FhirStore } from '../../fhir/store.js';
import { apiError, validationError } from '../errors.js';

export const PatientParamsSchema = z.object({ patient_id: PatientIdSchema });

const StatusEnum = z.enum(['requested', 'in-progress', 'completed', 'failed']);

export const JobStatusSchema = z.object({
  task_id: z.string().describe('FHIR Task id of the job'),
  job_id: z.string().nullable().describe("the provider's job id (Batch job, ACI group, Cloud Run execution, local id)"),
  status: StatusEnum,
  error: z.string().nullable().describe('why the job failed; null unless failed'),
  requested_at: z.string().nullable(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  outputs: z.record(z.string(), z.string()).describe('output URLs by name (mri_brain, pet_suvr, roi_features...)'),
});

export const SessionStatusSchema = JobStatusSchema.omit({ task_id: true, job_id: true })
  .extend({
    session_date: z.string().describe('YYYY-MM-DD'),
    imaging_study_id: z.string().describe('FHIR ImagingStudy id of the session'),
    status: StatusEnum.nullable().describe("the latest job's status"),
    jobs: z.array(JobStatusSchema).describe('every preprocessing job of the session (one per version of its inputs), oldest first'),
  })
  .describe('one imaging session; the status, times, error and outputs are those of its latest job');

export const PreprocessingStatusResponseSchema = z.object({
  patient_id: z.string(),
  sessions: z.array(SessionStatusSchema).describe('sessions in date order'),
});
export type PreprocessingStatusResponse = z.infer<typeof PreprocessingStatusResponseSchema>;

export interface StatusRouteDeps {
  fhir: FhirStore;
}

/**
 * `GET /preprocessing-status/{patient_id}`: each imaging session of the patient with its preprocessing status,
 * times, error (if it failed) and output URLs, read from FHIR (ImagingStudy + Task). 400 for a malformed id,
 * 404 for a patient FHIR does not know.
 *
 * @example
 * app.route('/', statusRoutes({ fhir }));
 * // GET /preprocessing-status/P001 → { patient_id: 'P001', sessions: [{ session_date, status: 'completed', outputs, jobs }] }
 */
export function statusRoutes(deps: StatusRouteDeps) {
  return new Hono().get('/preprocessing-status/:patient_id', async (c) => {
    const params = PatientParamsSchema.safeParse(c.req.param());
    if (!params.success) return validationError(c, params.error);
    const patientId = params.data.patient_id;
    const records = await loadPatientRecords({ store: deps.fhir, patientId, include: { observations: false } });
    if (!records) return apiError(c, 404, 'patient_not_found', 'no patient with this id');
    const body: PreprocessingStatusResponse = {
      patient_id: patientId,
      sessions: sessionViews(records).map((session) => {
        const latest = session.jobs.at(-1);
        return {
          session_date: session.sessionDate,
          imaging_study_id: session.imagingStudyId,
          ...jobFields(latest),
          status: latest?.status ?? session.status ?? null,
          jobs: session.jobs.map((job) => ({ task_id: job.taskId, job_id: job.jobId ?? null, ...jobFields(job) })),
        };
      }),
    };
    return c.json(body);
  });
}

/** The job fields in API form (snake case, null for absent). */
export function jobFields(job: JobView | undefined) {
  return {
    status: job?.status ?? ('requested' as const),
    error: job?.status === 'failed' ? (job.reason ?? 'failed without a reason') : null,
    requested_at: job?.requestedAt ?? null,
    started_at: job?.startedAt ?? null,
    ended_at: job?.endedAt ?? null,
    updated_at: job?.updatedAt ?? null,
    outputs: job?.outputs ?? {},
  };
}
