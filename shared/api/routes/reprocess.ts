import { Hono } from 'hono';
import { z } from 'zod';
import { PatientIdSchema, SessionDateSchema } from '../../domain/session-key.js';
import type { UploadPorts } from '../../core/handle-upload.js';
import { reprocessSessions, type ReprocessSessionResult } from '../../core/reprocess-sessions.js';
import { apiError, validationError } from '../errors.js';

export const ReprocessRequestSchema = z.strictObject({
  patient_id: PatientIdSchema,
  /** One session; every session of the patient when left out. */
  session_date: SessionDateSchema.optional(),
});

const SessionResultSchema = z.object({
  session_date: z.string(),
  outcome: z.enum(['submitted', 'waiting']).describe('submitted: a new job; waiting: a raw file is missing'),
  fingerprint: z.string().optional().describe('the new job\'s fingerprint (status records are keyed by it)'),
  job_id: z.string().optional(),
  missing: z.enum(['mri', 'pet']).optional(),
});
export const ReprocessResponseSchema = z.object({ patient_id: z.string(), sessions: z.array(SessionResultSchema) });
export const BackfillResponseSchema = z.object({
  dry_run: z.boolean(),
  sessions: z.array(
    SessionResultSchema.partial({ outcome: true }).extend({
      patient_id: z.string(),
      // Backfill only: a session whose (array) job submission failed; its marker was released, so it can be retried.
      outcome: z.enum(['submitted', 'waiting', 'failed']).optional().describe('submitted: a new job; waiting: a raw file is missing; failed: not submitted (reason)'),
      reason: z.string().optional().describe('why a session was not submitted (outcome failed)'),
    }),
  ),
  in_flight: z
    .array(z.object({ patient_id: z.string(), session_date: z.string(), since: z.string().describe('when its newest job was submitted (ISO 8601)') }))
    .describe('sessions lacking outputs left out because a job for them was submitted within in_flight_minutes'),
});

export interface ReprocessRouteDeps {
  /** The same ports the upload handler runs with (store, job submitter, status sink). */
  ports: UploadPorts;
}

/**
 * `POST /reprocess` (scope `upload`): submits preprocessing again for a patient's session(s) whose MRI and
 * PET are in storage. Every call submits one new job per complete session (202); a session missing a file
 * is listed as `waiting`; a patient/session with no raw files is a 404.
 *
 * @example
 * curl -X POST $API/reprocess -H 'content-type: application/json' -d '{"patient_id":"P001","session_date":"2024-03-01"}'
 */
export function reprocessRoutes(deps: ReprocessRouteDeps) {
  return new Hono().post('/reprocess', async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (body === undefined) return apiError(c, 400, 'invalid_json', 'request body must be JSON');
    const parsed = ReprocessRequestSchema.safeParse(body);
    if (!parsed.success) return validationError(c, parsed.error);
    const { patient_id, session_date } = parsed.data;
    // Nothing uploaded at all is a 404; one file of two is a `waiting` session in the answer.
    const prefix = session_date ? `raw/${patient_id}/${session_date}/` : `raw/${patient_id}/`;
    if ((await deps.ports.store.list(prefix)).length === 0) {
      return apiError(c, 404, 'not_found', session_date ? 'no raw files for this session' : 'no raw sessions for this patient');
    }
    const results = await reprocessSessions({ ports: deps.ports, patientId: patient_id, sessionDate: session_date });
    const sessions = results.map(toJson);
    return c.json({ patient_id, sessions }, sessions.some((s) => s.outcome === 'submitted') ? 202 : 200);
  });
}

/** One session's result as the API spells it (snake_case, like every other route). */
export function toJson(result: ReprocessSessionResult) {
  const o = result.outcome;
  return o.outcome === 'submitted'
    ? { session_date: result.sessionDate, outcome: o.outcome, fingerprint: o.fingerprint, job_id: o.jobId }
    : { session_date: result.sessionDate, outcome: o.outcome, missing: o.missing };
}
