import { z } from 'zod';

/**
 * What the dashboard expects from each API route. Every response is parsed with these, so a route whose JSON
 * drifts from what the UI reads shows up as one clear error ("GET /x: sessions.0.status: expected string")
 * instead of a blank chart. Unknown extra fields are allowed: routes may grow.
 */

export const StatusSchema = z.enum(['requested', 'in-progress', 'completed', 'failed']);
export type PreprocessingStatus = z.infer<typeof StatusSchema>;

/** `{ error: { code, message } }`: every route's error shape (shared/api/errors.ts). */
export const ApiErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'expected an ISO date');
const optionalNumber = z.number().nullable().optional();

/** `GET /patients` row and `GET /patients/{id}` (shared/api/routes/patients.ts). */
export const PatientSummarySchema = z.object({
  patient_id: z.string(),
  sex: z.string().nullable().optional(),
  birth_date: z.string().nullable().optional(),
  education_years: optionalNumber,
  age_at_baseline: z.object({ age: z.number(), date: z.string() }).nullable().optional(),
  last_session: z.object({ session_date: isoDate, status: StatusSchema.nullable() }).nullable(),
  last_mmse: z.object({ value: z.number(), date: isoDate }).nullable(),
});
export type PatientSummary = z.infer<typeof PatientSummarySchema>;

export const PatientListSchema = z.object({
  patients: z.array(PatientSummarySchema),
  /** Patients matching the search, all pages together. */
  total: z.number().int().nonnegative(),
});
export type PatientList = z.infer<typeof PatientListSchema>;

/** One session of `GET /preprocessing-status/{patient_id}` (shared/api/routes/status.ts): its latest job's state. */
export const SessionStatusSchema = z.object({
  session_date: isoDate,
  status: StatusSchema.nullable(),
  /** Why the latest job failed; null unless failed. */
  error: z.string().nullable().optional(),
  requested_at: z.string().nullable().optional(),
  started_at: z.string().nullable().optional(),
  ended_at: z.string().nullable().optional(),
  updated_at: z.string().nullable().optional(),
  /** Output name → stored URL (file:// or s3://: for reference; the browser reads outputs through /outputs). */
  outputs: z.record(z.string(), z.string()).nullable().optional(),
});
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

export const PreprocessingStatusSchema = z.object({
  patient_id: z.string(),
  sessions: z.array(SessionStatusSchema),
});
export type PreprocessingStatusResponse = z.infer<typeof PreprocessingStatusSchema>;

/** Cognitive scores of one visit (null where not recorded). */
export const ScoresSchema = z.object({
  mmse: optionalNumber,
  cdrsb: optionalNumber,
  adas13: optionalNumber,
  cdr_global: optionalNumber,
  diagnosis: z.string().nullable().optional(),
});

export const RoiSummarySchema = z.object({
  icv_mm3: z.number(),
  brain_volume_mm3: z.number(),
  hippocampus_mm3: z.number().nullable(),
  entorhinal_mm3: z.number().nullable(),
  mean_suvr: z.number().nullable(),
});
export type RoiSummary = z.infer<typeof RoiSummarySchema>;

/** One entry of `GET /patient-timeline/{patient_id}` (shared/api/routes/timeline.ts): a date's scores and imaging. */
export const TimelineEntrySchema = z.object({
  date: isoDate,
  scores: ScoresSchema.nullable().optional(),
  imaging: z
    .object({
      status: StatusSchema.nullable().optional(),
      error: z.string().nullable().optional(),
      outputs: z.record(z.string(), z.string()).nullable().optional(),
      roi: RoiSummarySchema.nullable().optional(),
    })
    .nullable()
    .optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const TimelineSchema = z.object({
  patient_id: z.string(),
  patient: z.object({
    sex: z.string().nullable().optional(),
    birth_date: z.string().nullable().optional(),
    education_years: optionalNumber,
    apoe4: optionalNumber,
  }),
  /** Oldest first. */
  timeline: z.array(TimelineEntrySchema),
});
export type Timeline = z.infer<typeof TimelineSchema>;

const IntervalSchema = z.object({ value: z.number(), low: z.number(), high: z.number() });

/** `POST /predict-progression` (shared/api/routes/predict.ts). Horizons are `"6_months"` … `"36_months"`. */
export const PredictionSchema = z.object({
  patient_id: z.string(),
  model: z.object({ name: z.string(), version: z.string(), trainedOn: z.string(), statement: z.string() }),
  device: z.string(),
  predictions: z.record(z.string(), z.object({ mmse: IntervalSchema, cdr: IntervalSchema, adas: IntervalSchema })),
  inputs: z.object({ sessions: z.number(), lastSessionDate: isoDate }),
  processing_time_ms: z.number(),
});
export type Prediction = z.infer<typeof PredictionSchema>;

/** `GET /outputs/{patient_id}/{session_date}` (shared/api/routes/outputs.ts). */
export const OutputFileSchema = z.object({
  name: z.string(),
  size: z.number().nonnegative(),
  /** Same-origin API path that serves or redirects to the file (relative links inside QC pages work). */
  href: z.string(),
  /** Short-lived direct URL (presigned GET). */
  url: z.string(),
});
export const OutputListSchema = z.object({
  patient_id: z.string(),
  session_date: isoDate,
  files: z.array(OutputFileSchema),
});
export type OutputList = z.infer<typeof OutputListSchema>;

const PresignedSchema = z.object({ key: z.string(), url: z.string(), method: z.literal('PUT'), headers: z.record(z.string(), z.string()), expiresAt: z.string() });
/** `POST /uploads` (shared/api/routes/uploads.ts). */
export const UploadGrantSchema = z.object({
  patient_id: z.string(),
  session_date: isoDate,
  uploads: z.object({ mri: PresignedSchema.optional(), pet: PresignedSchema.optional() }),
});
export type UploadGrant = z.infer<typeof UploadGrantSchema>;
export type PresignedPut = z.infer<typeof PresignedSchema>;

/** `roi_features.json` regions: enough to name atlas labels in the viewer. */
export const RoiFeaturesSchema = z.object({
  regions: z.array(z.object({ index: z.number().int(), name: z.string(), suvrMean: z.number().nullable().optional() })).optional(),
});
