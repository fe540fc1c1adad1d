import { z } from 'zod';
import { requiredScope } from '../auth/route-scopes.js';
import { PatientIdSchema, SessionDateSchema } from '../domain/session-key.js';
import { OutputFileSchema, OutputListResponseSchema } from './routes/outputs.js';
import { PatientListQuerySchema, PatientListResponseSchema } from './routes/patients.js';
import { PredictBatchRequestSchema, PredictRequestSchema } from './routes/predict.js';
import { PreprocessingStatusResponseSchema } from './routes/status.js';
import { PatientTimelineResponseSchema } from './routes/timeline.js';
import { UploadRequestSchema } from './routes/uploads.js';
import { BackfillRequestSchema } from './routes/backfill.js';
import { BackfillResponseSchema, ReprocessRequestSchema, ReprocessResponseSchema } from './routes/reprocess.js';

/** `{ error: { code, message, details? } }`, the one error shape of every route (see errors.ts). */
export const ApiErrorSchema = z.object({
  error: z.object({
    code: z.string().describe('stable machine-readable code, e.g. invalid_request, patient_not_found'),
    message: z.string().describe('what was wrong, in words'),
    details: z.unknown().optional().describe('for invalid_request: [{ path, message }] per bad field'),
  }),
});

export const UploadResponseSchema = z.object({
  patient_id: z.string(),
  session_date: z.string(),
  uploads: z.record(
    z.enum(['mri', 'pet']),
    z.object({
      key: z.string().describe('raw/{patient}/{session}/{mri|pet}.nii.gz'),
      url: z.string().describe('presigned PUT URL'),
      method: z.string().optional(),
      headers: z.record(z.string(), z.string()).optional().describe('headers the PUT must send'),
      expiresAt: z.string().optional(),
      max_bytes: z.number().int().optional().describe('largest file accepted (ADNI_MAX_UPLOAD_BYTES); bigger uploads are never processed'),
    }).loose(),
  ),
});

const Interval = z.object({ value: z.number(), low: z.number(), high: z.number() }).describe('median and 80 % interval');
const HorizonScores = z.record(z.string(), Interval).describe('by score: mmse, cdr (CDR-SB), adas (ADAS13)');

export const PredictResponseSchema = z
  .object({
    patient_id: z.string(),
    model: z.unknown().describe('model name and version'),
    device: z.string().describe('where the model ran (cpu, cuda...)'),
    predictions: z.record(z.string(), HorizonScores).describe('by horizon in months (6, 12, 24, 36)'),
    inputs: z.unknown().describe('what the prediction was based on'),
    processing_time_ms: z.number(),
  })
  .loose();

export const PredictBatchResponseSchema = z
  .object({
    model: z.unknown(),
    device: z.string(),
    results: z.array(
      z
        .object({
          patient_id: z.string(),
          status: z.number().int().describe('200, 404 or 422 per patient'),
          predictions: z.record(z.string(), HorizonScores).optional(),
          error: ApiErrorSchema.shape.error.optional(),
        })
        .loose(),
    ),
    processing_time_ms: z.number(),
  })
  .loose();

type Schema = z.ZodType;

interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  request?: Schema;
  pathParams?: Record<string, Schema>;
  /** An object schema whose fields are the query parameters. */
  query?: z.ZodObject;
  responses: Record<string, { description: string; schema?: Schema }>;
}

const errors = {
  400: { description: 'malformed request (the fields and reasons are in error.details)', schema: ApiErrorSchema },
  500: { description: 'internal error (no details are given out)', schema: ApiErrorSchema },
} as const;
const notConfigured = { description: 'not configured on this deployment', schema: ApiErrorSchema };

/** Every route of `createApiApp`, in OpenAPI path form. The test checks this against the app's routes. */
export const OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/health',
    summary: 'Liveness',
    responses: { 200: { description: 'the API answers', schema: z.object({ status: z.literal('ok') }) } },
  },
  {
    method: 'post',
    path: '/uploads',
    summary: 'Presigned PUT URLs for one session (MRI and/or PET); the upload then starts preprocessing',
    request: UploadRequestSchema,
    responses: {
      201: { description: 'where to PUT each file', schema: UploadResponseSchema },
      ...errors,
      413: { description: 'a declared size (sizes.mri / sizes.pet) is over the upload limit', schema: ApiErrorSchema },
    },
  },
  {
    method: 'post',
    path: '/reprocess',
    summary: "Preprocess a patient's session(s) again: one new job per session with both raw files, on every call",
    request: ReprocessRequestSchema,
    responses: {
      200: { description: 'nothing submitted (each session lacks a file)', schema: ReprocessResponseSchema },
      202: { description: 'jobs submitted', schema: ReprocessResponseSchema },
      ...errors,
      404: { description: 'no raw files for this patient/session', schema: ApiErrorSchema },
      501: notConfigured,
    },
  },
  {
    method: 'post',
    path: '/backfill',
    summary: 'Reprocess every raw session with both files but no roi_features.json (dry_run: list only)',
    request: BackfillRequestSchema,
    responses: {
      200: { description: 'dry run, nothing to submit, or no submission accepted (sessions listed failed, with the reason)', schema: BackfillResponseSchema },
      202: { description: 'jobs submitted (AWS Batch: as array jobs); any session not submitted is listed failed', schema: BackfillResponseSchema },
      ...errors,
      501: notConfigured,
    },
  },
  {
    method: 'post',
    path: '/predict-progression',
    summary: 'MMSE, CDR-SB and ADAS13 at 6-36 months with 80 % intervals',
    request: PredictRequestSchema,
    responses: {
      200: { description: 'the prediction', schema: PredictResponseSchema },
      ...errors,
      404: { description: 'unknown patient', schema: ApiErrorSchema },
      422: { description: 'not enough data to predict', schema: ApiErrorSchema },
      501: notConfigured,
    },
  },
  {
    method: 'post',
    path: '/predict-progression/batch',
    summary: 'Predictions for up to 1000 patients; per-patient status',
    request: PredictBatchRequestSchema,
    responses: { 200: { description: 'one result per requested patient', schema: PredictBatchResponseSchema }, ...errors },
  },
  {
    method: 'get',
    path: '/preprocessing-status/{patient_id}',
    summary: "Each imaging session's preprocessing status, times, error and output URLs (from FHIR ImagingStudy + Task)",
    pathParams: { patient_id: PatientIdSchema },
    responses: {
      200: { description: 'sessions in date order', schema: PreprocessingStatusResponseSchema },
      ...errors,
      404: { description: 'unknown patient', schema: ApiErrorSchema },
      501: notConfigured,
    },
  },
  {
    method: 'get',
    path: '/patient-timeline/{patient_id}',
    summary: 'Visits in date order: cognitive scores, imaging status and key ROI measures (from FHIR)',
    pathParams: { patient_id: PatientIdSchema },
    responses: {
      200: { description: 'the timeline', schema: PatientTimelineResponseSchema },
      ...errors,
      404: { description: 'unknown patient', schema: ApiErrorSchema },
      501: notConfigured,
    },
  },
  {
    method: 'get',
    path: '/patients',
    summary: 'Patient list for the dashboard: latest imaging session and MMSE of each (from FHIR)',
    query: PatientListQuerySchema,
    responses: { 200: { description: 'patients by id', schema: PatientListResponseSchema }, ...errors, 501: notConfigured },
  },
  {
    method: 'get',
    path: '/outputs/{patient_id}/{session_date}',
    summary: "A session's preprocessing outputs with presigned GET URLs",
    pathParams: { patient_id: PatientIdSchema, session_date: SessionDateSchema },
    responses: { 200: { description: 'the output files', schema: OutputListResponseSchema }, ...errors, 404: { description: 'no outputs', schema: ApiErrorSchema } },
  },
  {
    method: 'get',
    path: '/outputs/{patient_id}/{session_date}/files/{file}',
    summary: 'One output file (inline up to 8 MiB, otherwise a redirect to a presigned GET); {file} may contain /',
    pathParams: { patient_id: PatientIdSchema, session_date: SessionDateSchema, file: OutputFileSchema },
    responses: {
      200: { description: 'the file' },
      302: { description: 'redirect to a presigned GET URL' },
      ...errors,
      404: { description: 'no such file', schema: ApiErrorSchema },
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } },
  },
];

function jsonSchema(schema: Schema, io: 'input' | 'output'): Record<string, unknown> {
  // 2020-12 JSON Schema is what OpenAPI 3.1 uses; refinements (calendar-date checks) cannot be expressed and are left out.
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

let cached: Record<string, unknown> | undefined;

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas the routes validate with
 * (so it cannot drift from what they accept). Served at `GET /openapi.json`.
 *
 * @example
 * const doc = openApiDocument();
 * Object.keys(doc.paths); // ['/health', '/uploads', ...]
 */
export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = [
      ...Object.entries(op.pathParams ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema: jsonSchema(schema, 'input') })),
      ...Object.entries(op.query?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: !(schema as z.ZodType).safeParse(undefined).success,
        schema: jsonSchema(schema as z.ZodType, 'input'),
      })),
    ];
    const responses = Object.fromEntries(
      Object.entries(op.responses).map(([status, r]) => [
        status,
        { description: r.description, ...(r.schema ? { content: { 'application/json': { schema: jsonSchema(r.schema, 'output') } } } : {}) },
      ]),
    );
    // Who may call it (shared/auth/route-scopes.ts); enforced only where the deployment configures auth.
    const isPublic = op.path === '/health';
    const scope = requiredScope(op.method.toUpperCase(), op.path);
    if (!isPublic) {
      responses[401] = { description: 'no, expired or invalid credential (when the deployment requires one)', content: { 'application/json': { schema: jsonSchema(ApiErrorSchema, 'output') } } };
      if (scope) responses[403] = { description: `the credential lacks the scope "${scope}"`, content: { 'application/json': { schema: jsonSchema(ApiErrorSchema, 'output') } } };
    }
    paths[op.path] = {
      ...paths[op.path],
      [op.method]: {
        summary: op.summary,
        security: isPublic ? [] : [{ bearerAuth: scope ? [scope] : [] }],
        ...(parameters.length ? { parameters } : {}),
        ...(op.request ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.request, 'input') } } } } : {}),
        responses,
      },
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'ADNI progression API',
      version: '0.1.0',
      description: 'Upload MRI+PET sessions, follow their preprocessing, read patient timelines and predict progression. Errors are always { error: { code, message, details? } }.',
    },
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An OIDC access token (scopes predict, read:patients, upload; FHIR writes write:patients), or the local stack API key',
        },
      },
    },
  };
  return cached;
}
