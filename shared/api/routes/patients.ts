import type { WithId } from '@medplum/core';
import type { ImagingStudy, Observation, Patient } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import { z } from 'zod';
import { MEASURES } from '../../fhir/codes.js';
import { patientFacts, studyFacts } from '../../fhir/mapping.js';
import type { FhirStore } from '../../fhir/store.js';
import { validationError } from '../errors.js';

/** More patients than this are not scanned for a search (a list page, not an export). */
export const MAX_SCANNED_PATIENTS = 5000;

export const PatientListQuerySchema = z.strictObject({
  /** Case-insensitive part of the patient id. */
  search: z.string().max(64, 'search must be at most 64 characters').regex(/^[A-Za-z0-9._-]*$/, 'search may contain only A-Z a-z 0-9 . _ -').optional(),
  limit: z.coerce.number().int('limit must be a whole number').min(1, 'limit must be 1-200').max(200, 'limit must be 1-200').default(50),
});

const StatusEnum = z.enum(['requested', 'in-progress', 'completed', 'failed']);

export const PatientSummarySchema = z.object({
  patient_id: z.string(),
  sex: z.enum(['female', 'male']).nullable(),
  birth_date: z.string().nullable(),
  education_years: z.number().nullable(),
  age_at_baseline: z.object({ age: z.number(), date: z.string() }).nullable(),
  last_session: z.object({ session_date: z.string(), status: StatusEnum.nullable() }).nullable().describe('the latest imaging session'),
  last_mmse: z.object({ value: z.number(), date: z.string() }).nullable(),
});
export type PatientSummary = z.infer<typeof PatientSummarySchema>;

export const PatientListResponseSchema = z.object({
  patients: z.array(PatientSummarySchema).describe('by patient id, at most `limit`'),
  total: z.number().int().describe('patients matching the search'),
});
export type PatientListResponse = z.infer<typeof PatientListResponseSchema>;

export interface PatientRouteDeps {
  fhir: FhirStore;
}

/**
 * `GET /patients?search=&limit=`: the dashboard's patient list from FHIR, each with its latest imaging session
 * (and preprocessing status) and latest MMSE. Search matches part of the patient id, case-insensitively (FHIR
 * token search is exact, so ids are filtered here; the list is bounded by {@link MAX_SCANNED_PATIENTS}).
 *
 * @example
 * app.route('/', patientRoutes({ fhir }));
 * // GET /patients?search=p00 → { patients: [{ patient_id: 'P001', last_session: { session_date, status }, last_mmse }], total: 1 }
 */
export function patientRoutes(deps: PatientRouteDeps) {
  return new Hono().get('/patients', async (c) => {
    const parsed = PatientListQuerySchema.safeParse(c.req.query());
    if (!parsed.success) return validationError(c, parsed.error);
    const { search, limit } = parsed.data;
    const patients = await deps.fhir.search<Patient>('Patient', '_count=500', { maxResults: MAX_SCANNED_PATIENTS });
    const needle = search?.toLowerCase() ?? '';
    const matching = patients
      .map((patient) => ({ patient, facts: patientFacts(patient) }))
      .filter((p): p is { patient: WithId<Patient>; facts: NonNullable<ReturnType<typeof patientFacts>> } => !!p.facts && p.facts.patientId.toLowerCase().includes(needle))
      .sort((a, b) => a.facts.patientId.localeCompare(b.facts.patientId, 'en', { numeric: true }));
    const page = await Promise.all(matching.slice(0, limit).map(({ patient, facts }) => summary(deps.fhir, patient, facts)));
    const body: PatientListResponse = { patients: page, total: matching.length };
    return c.json(body);
  });
}

async function summary(fhir: FhirStore, patient: WithId<Patient>, facts: NonNullable<ReturnType<typeof patientFacts>>): Promise<PatientSummary> {
  const ref = encodeURIComponent(`Patient/${patient.id}`);
  const mmse = encodeURIComponent(`${MEASURES.mmse.system}|${MEASURES.mmse.code}`);
  const [studies, observations] = await Promise.all([
    fhir.search<ImagingStudy>('ImagingStudy', `subject=${ref}&_sort=-started&_count=1`, { maxResults: 1 }),
    fhir.search<Observation>('Observation', `subject=${ref}&code=${mmse}&_sort=-date&_count=1`, { maxResults: 1 }),
  ]);
  const study = studies[0] ? studyFacts(studies[0]) : undefined;
  const observation = observations[0];
  const value = observation?.valueQuantity?.value ?? observation?.valueInteger;
  const date = observation?.effectiveDateTime?.slice(0, 10);
  return {
    patient_id: facts.patientId,
    sex: facts.sex ?? null,
    birth_date: facts.birthDate ?? null,
    education_years: facts.educationYears ?? null,
    age_at_baseline: facts.ageAtBaseline ?? null,
    last_session: study?.sessionDate ? { session_date: study.sessionDate, status: study.status ?? null } : null,
    last_mmse: typeof value === 'number' && date ? { value, date } : null,
  };
}
