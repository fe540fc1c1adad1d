import { z } from 'zod';

const Image = z.string().regex(/^[\w.-]+(:\d+)?\/[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/, 'must be a registry/repository:tag or @sha256 image reference');

/** The `storage` function event: objects finalized in the raw bucket (Eventarc filters on the bucket only). */
export const StorageEventSchema = z.object({
  bucket: z.literal('raw'),
  event: z.literal('google.cloud.storage.object.v1.finalized'),
  /** Documented intent; GCS Eventarc triggers cannot filter keys, so the core drops other keys before any work. */
  keyPrefix: z.string().min(1),
  keySuffix: z.string().min(1),
});

export const HttpEventSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
  path: z.string().regex(/^\/[a-z0-9{}_/.*-]*$/, 'must be a path like /preprocessing-status/{patient_id}'),
});

/** The `schedule` function event: a Cloud Scheduler job calling the (non-public) function with an OIDC token. */
export const ScheduleEventSchema = z.object({
  /** Unix cron, five fields (Cloud Scheduler's format), e.g. `*\/5 * * * *`. */
  cron: z.string().regex(/^\S+( \S+){4}$/, 'must be a five-field unix cron expression like "*/5 * * * *"'),
  timeZone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z_+-]+)*$/, 'must be an IANA time zone like Etc/UTC').default('Etc/UTC'),
});

const FunctionSchema = z.object({
  handler: z.string().regex(/^[A-Za-z_$][\w$]*$/, 'handler must be the registered entry point name').optional(),
  image: Image.optional(),
  gpu: z.object({ type: z.literal('nvidia-l4'), count: z.literal(1) }).optional(),
  memory: z.string().regex(/^\d+(Mi|Gi)$/).optional(),
  cpu: z.string().regex(/^\d+(\.\d+)?$/).optional(),
  timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  maxInstances: z.number().int().min(1).max(1000).optional(),
  events: z.array(z.object({ storage: StorageEventSchema.optional(), http: HttpEventSchema.optional(), schedule: ScheduleEventSchema.optional() })).default([]),
});

/** Everything the Google Cloud plugin reads from the resolved serverless.yml. */
export const GcpServiceSchema = z.object({
  service: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/),
  stage: z.string().regex(/^[a-z0-9]{1,10}$/, 'stage must be 1-10 lowercase letters/digits (it is part of resource names)'),
  provider: z.object({
    name: z.literal('google'),
    runtime: z.literal('nodejs22'),
    project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'project must be a Google Cloud project id'),
    region: z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'region must look like europe-west4'),
    bucketPrefix: z.string().regex(/^[a-z0-9][a-z0-9-]{1,30}$/),
    webOrigin: z.url(),
    /** OIDC settings the API verifies every token with (Identity Platform by default: issuer and audience from the project). */
    auth: z.object({ issuer: z.url(), audience: z.string().min(1), jwksUrl: z.union([z.literal(''), z.url()]).default(''), scopePrefix: z.string().default('') }),
    /** Cloud Healthcare API FHIR store URL for patient status and timelines; empty = those routes answer 501. */
    fhirBaseUrl: z.union([z.literal(''), z.url()]).default(''),
    storage: z.object({
      rawNearlineAfterDays: z.number().int().min(1).default(30),
      rawColdlineAfterDays: z.number().int().min(1).default(90),
      noncurrentVersionDays: z.number().int().min(1).default(90),
    }),
    source: z.object({ entry: z.string().min(1) }),
    preprocessingJob: z.object({
      image: Image,
      cpu: z.number().int().min(1).max(8),
      memoryGb: z.number().int().min(1).max(32),
      timeoutMinutes: z.number().int().min(1).max(24 * 60),
      maxRetries: z.number().int().min(0).max(10).default(2),
    }),
  }),
  functions: z.record(z.string(), FunctionSchema),
});
export type GcpServiceSettings = z.infer<typeof GcpServiceSchema>;
export type GcpFunctionSettings = z.infer<typeof FunctionSchema>;

/** A readable packaging/deploy error: the plugin turns it into a serverless error (no stack trace). */
export class GcpPluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GcpPluginError';
  }
}

/**
 * Validates the resolved serverless configuration for the Google Cloud plugin; the error names every bad field.
 *
 * @example
 * const settings = readGcpSettings({ service: 'adni-progression', stage: 'dev', provider, functions });
 */
export function readGcpSettings(input: unknown): GcpServiceSettings {
  const parsed = GcpServiceSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new GcpPluginError(`serverless.yml (google): ${detail}`);
  }
  return parsed.data;
}

/** Resource names derived once, so the plan, the function environments and deploy agree. */
export function gcpNames(s: GcpServiceSettings) {
  const base = `${s.service}-${s.stage}`;
  const sa = (role: string) => `adni-${role}-${s.stage}`.slice(0, 30);
  const email = (id: string) => `${id}@${s.provider.project}.iam.gserviceaccount.com`;
  return {
    rawBucket: `${s.provider.bucketPrefix}-raw-${s.stage}`,
    preprocessedBucket: `${s.provider.bucketPrefix}-preprocessed-${s.stage}`,
    job: `${base}-preprocess`,
    predictionService: `${base}-predict`,
    functionName: (fn: string) => `${base}-${fn.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    serviceAccounts: {
      upload: email(sa('upload')),
      api: email(sa('api')),
      job: email(sa('job')),
      predict: email(sa('predict')),
      trigger: email(sa('trigger')),
      reconcile: email(sa('reconcile')),
      scheduler: email(sa('scheduler')),
    },
  };
}
export type GcpNames = ReturnType<typeof gcpNames>;
