import { Hono } from 'hono';
import { z } from 'zod';
import { patientFacts } from '../../fhir/mapping.js';
import { loadPatientRecords, outputKeyOfUrl, scoresByDate, sessionViews } from '../../fhir/patient-records.js';
import type { FhirStore } from '../../fhir/store.js';
import type { RoiFeaturesLike } from '../../model/patient-history.js';
import { apiError, validationError } from '../errors.js';
import { PatientParamsSchema, jobFields } from './status.js';

const score = z.number().nullable();

export const RoiSummarySchema = z
  .object({
    icv_mm3: z.number(),
    brain_volume_mm3: z.number(),
    hippocampus_mm3: z.number().nullable().describe('sum of the atlas regions named hippocampus (left + right)'),
    entorhinal_mm3: z.number().nullable(),
    mean_suvr: z.number().nullable().describe('volume-weighted mean SUVR over the regions that have one'),
  })
  .describe("key measures from the session's roi_features.json");

export const TimelineEntrySchema = z.object({
  date: z.string().describe('YYYY-MM-DD'),
  scores: z.object({
    mmse: score.describe('Mini-Mental State Examination, 0-30'),
    cdrsb: score.describe('CDR sum of boxes, 0-18'),
    adas13: score.describe('ADAS-Cog 13, 0-85'),
    cdr_global: score,
    diagnosis: z.string().nullable().describe('CN, MCI or Dementia, where recorded'),
  }),
  imaging: z
    .object({
      imaging_study_id: z.string(),
      status: z.enum(['requested', 'in-progress', 'completed', 'failed']).nullable(),
      error: z.string().nullable(),
      outputs: z.record(z.string(), z.string()),
      roi: RoiSummarySchema.nullable().describe('null until preprocessing produced usable features'),
    })
    .nullable()
    .describe('the imaging session of that date, if any'),
});

export const PatientTimelineResponseSchema = z.object({
  patient_id: z.string(),
  patient: z.object({
    sex: z.enum(['female', 'male']).nullable(),
    birth_date: z.string().nullable(),
    education_years: z.number().nullable(),
    apoe4: z.number().nullable().describe('APOE ε4 allele count (latest observation)'),
  }),
  timeline: z.array(TimelineEntrySchema).describe('visits and imaging sessions merged by date, oldest first'),
});
export type PatientTimelineResponse = z.infer<typeof PatientTimelineResponseSchema>;

export interface TimelineRouteDeps {
  fhir: FhirStore;
  /** Reads a session's roi_features.json by object key (e.g. the model's RoiFeaturesReader); without it `roi` is null. */
  roi?: { read(key: string): Promise<RoiFeaturesLike | undefined> };
}

/**
 * `GET /patient-timeline/{patient_id}`: the patient's visits in date order, each with its cognitive scores (MMSE,
 * CDR-SB, ADAS13 Observations) and imaging session (ImagingStudy status, error, outputs, key ROI measures).
 *
 * @example
 * app.route('/', timelineRoutes({ fhir, roi: createRoiFeaturesReader({ store }) }));
 * // GET /patient-timeline/P001 → { patient_id, patient: {...}, timeline: [{ date, scores, imaging }] }
 */
export function timelineRoutes(deps: TimelineRouteDeps) {
  return new Hono().get('/patient-timeline/:patient_id', async (c) => {
    const params = PatientParamsSchema.safeParse(c.req.param());
    if (!params.success) return validationError(c, params.error);
    const patientId = params.data.patient_id;
    const records = await loadPatientRecords({ store: deps.fhir, patientId });
    if (!records) return apiError(c, 404, 'patient_not_found', 'no patient with this id');

    const scores = scoresByDate(records.observations);
    const sessions = new Map(sessionViews(records).map((s) => [s.sessionDate, s]));
    const dates = [...new Set([...scores.keys(), ...sessions.keys()])].filter(Boolean).sort();
    const apoe4 = [...scores.entries()].filter(([, e]) => typeof e.scores.apoe4 === 'number').at(-1)?.[1].scores.apoe4;
    const facts = patientFacts(records.patient);

    const timeline = await Promise.all(
      dates.map(async (date) => {
        const s = scores.get(date)?.scores ?? {};
        const session = sessions.get(date);
        const latest = session?.jobs.at(-1);
        const job = jobFields(latest);
        const featuresUrl = session?.featuresUrl ?? latest?.outputs.roi_features;
        return {
          date,
          scores: {
            mmse: num(s.mmse),
            cdrsb: num(s.cdrsb),
            adas13: num(s.adas13),
            cdr_global: num(s.cdrGlobal),
            diagnosis: typeof s.diagnosis === 'string' ? s.diagnosis : null,
          },
          imaging: session
            ? {
                imaging_study_id: session.imagingStudyId,
                status: latest?.status ?? session.status ?? null,
                error: job.error,
                outputs: job.outputs,
                roi: session.status === 'completed' || latest?.status === 'completed' ? await roiSummary(deps, featuresUrl) : null,
              }
            : null,
        };
      }),
    );
    const body: PatientTimelineResponse = {
      patient_id: patientId,
      patient: {
        sex: facts?.sex ?? null,
        birth_date: facts?.birthDate ?? null,
        education_years: facts?.educationYears ?? null,
        apoe4: num(apoe4),
      },
      timeline,
    };
    return c.json(body);
  });
}

function num(value: number | string | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

async function roiSummary(deps: TimelineRouteDeps, url: string | undefined): Promise<z.infer<typeof RoiSummarySchema> | null> {
  const key = url ? outputKeyOfUrl(url) : undefined;
  if (!deps.roi || !key) return null;
  const roi = await deps.roi.read(key);
  return roi ? summarize(roi) : null;
}

/** The few measures a clinician scans for, from the full per-region features. */
export function summarize(roi: RoiFeaturesLike): z.infer<typeof RoiSummarySchema> {
  const sum = (pattern: RegExp) => {
    const regions = roi.regions.filter((r) => pattern.test(r.name));
    return regions.length ? regions.reduce((total, r) => total + r.volumeMm3, 0) : null;
  };
  const withSuvr = roi.regions.filter((r) => typeof r.suvrMean === 'number' && Number.isFinite(r.suvrMean) && r.volumeMm3 > 0);
  const volume = withSuvr.reduce((t, r) => t + r.volumeMm3, 0);
  return {
    icv_mm3: roi.global.icvMm3,
    brain_volume_mm3: roi.global.brainVolumeMm3,
    hippocampus_mm3: sum(/hippocamp/i),
    entorhinal_mm3: sum(/entorhinal/i),
    // Four decimals: SUVR is read to two, and JSON clients should not see float noise.
    mean_suvr: volume > 0 ? Math.round((withSuvr.reduce((t, r) => t + (r.suvrMean as number) * r.volumeMm3, 0) / volume) * 1e4) / 1e4 : null,
  };
}
