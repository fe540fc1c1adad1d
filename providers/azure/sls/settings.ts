import { z } from 'zod';

/** Azure names the template derives from the prefix must stay valid: storage accounts allow 3-24 [a-z0-9]. */
const NamePrefix = z.string().regex(/^[a-z][a-z0-9]{2,11}$/, 'must be 3-12 lowercase letters/digits starting with a letter (storage account names are global)');
const Image = z.string().regex(/^[\w.-]+(:\d+)?\/[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/, 'must be a registry/repository:tag or @sha256 image reference');
const Container = z.string().regex(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'must be a Blob container name');

/** The `eventGrid` function event: Blob created under a container, filtered by key prefix and suffix. */
export const EventGridEventSchema = z.object({
  container: Container,
  subjectBeginsWith: z.string().min(1),
  subjectEndsWith: z.string().min(1),
});

/** The `http` function event. */
export const HttpEventSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
  route: z.string().regex(/^[a-z0-9{}_/.*-]+$/, 'must be a route like preprocessing-status/{patient_id}'),
});

/**
 * The `timer` function event: an NCRONTAB schedule (`{second} {minute} {hour} {day} {month} {day-of-week}`), as the
 * Functions timer trigger takes it; the ARM template hands it to the code as an app setting.
 */
export const TimerEventSchema = z.object({
  schedule: z
    .string()
    .regex(/^\S+( \S+){5}$/, 'must be a six-field NCRONTAB expression like "0 */5 * * * *" (second minute hour day month day-of-week)'),
});

const FunctionSchema = z.object({
  handler: z.string().optional(),
  image: Image.optional(),
  gpu: z.string().optional(),
  events: z
    .array(z.object({ eventGrid: EventGridEventSchema.optional(), http: HttpEventSchema.optional(), timer: TimerEventSchema.optional() }))
    .default([]),
});

const ENTRA = 'https://login.microsoftonline.com';
const EntraTenant = z
  .string()
  .regex(/^$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/i, 'must be the Entra ID tenant id (GUID) or its domain (contoso.onmicrosoft.com)');

/**
 * The API's token settings. An Entra ID tenant alone gives the v2.0 issuer; an Entra issuer without a JWKS URL gets
 * the tenant's signing keys (`/discovery/v2.0/keys`, the `jwks_uri` of its OpenID configuration: Entra does not
 * serve `<issuer>/.well-known/jwks.json`, the verifier's default).
 */
const AuthSchema = z
  .object({
    tenant: EntraTenant.default(''),
    issuer: z.union([z.literal(''), z.url()]).default(''),
    audience: z.string().default(''),
    jwksUrl: z.union([z.literal(''), z.url()]).default(''),
    scopePrefix: z.string().default(''),
  })
  .transform((a) => {
    const issuer = a.issuer || (a.tenant ? `${ENTRA}/${a.tenant}/v2.0` : '');
    const v2 = new RegExp(`^${ENTRA}/([^/]+)/v2\\.0/?$`).exec(issuer);
    const v1 = /^https:\/\/sts\.windows\.net\/([^/]+)\/?$/.exec(issuer);
    const jwksUrl = a.jwksUrl || (v2 ? `${ENTRA}/${v2[1]}/discovery/v2.0/keys` : v1 ? `${ENTRA}/${v1[1]}/discovery/keys` : '');
    return { ...a, issuer, jwksUrl };
  });

/** Everything the Azure plugin reads from the resolved serverless.yml. */
export const AzureServiceSchema = z.object({
  service: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/),
  stage: z.string().regex(/^[a-z0-9]{1,10}$/, 'stage must be 1-10 lowercase letters/digits (it is part of resource names)'),
  provider: z.object({
    name: z.literal('azure'),
    runtime: z.literal('node22'),
    region: z.string().regex(/^[a-z0-9]+$/, 'region must be an Azure location like westeurope'),
    resourceGroup: z.string().regex(/^[-\w.()]{1,90}$/),
    subscriptionId: z.string().optional(),
    namePrefix: NamePrefix,
    webOrigin: z.url(),
    registryServer: z.string().optional(),
    /** OIDC settings the API verifies every token with (an Entra ID app registration); empty until set. */
    auth: AuthSchema.default({ tenant: '', issuer: '', audience: '', jwksUrl: '', scopePrefix: '' }),
    /** Azure Health Data Services FHIR endpoint for patient status and timelines; empty = those routes answer 501. */
    fhirBaseUrl: z.union([z.literal(''), z.url()]).default(''),
    storage: z.object({
      rawContainer: Container,
      preprocessedContainer: Container,
      rawCoolAfterDays: z.number().int().min(1).default(30),
      rawArchiveAfterDays: z.number().int().min(1).default(90),
      noncurrentVersionDays: z.number().int().min(1).default(90),
    }),
    functionApp: z.object({
      entry: z.string().min(1),
      maximumInstanceCount: z.number().int().min(40).max(1000).default(100),
      instanceMemoryMB: z.union([z.literal(512), z.literal(2048), z.literal(4096)]).default(2048),
    }),
    preprocessingJob: z.object({
      image: Image,
      cpu: z.number().min(1).max(4),
      memoryGb: z.number().min(1).max(16),
      timeoutMinutes: z.number().int().min(1).max(24 * 60),
    }),
  }),
  functions: z.record(z.string(), FunctionSchema),
});
export type AzureServiceSettings = z.infer<typeof AzureServiceSchema>;

/** A readable packaging/deploy error: serverless prints the message without a stack. */
export class AzurePluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AzurePluginError';
  }
}

/**
 * Validates the resolved serverless configuration for the Azure plugin; the error names every bad field.
 *
 * @example
 * const settings = readAzureSettings({ service: 'adni-progression', stage: 'dev', provider, functions });
 */
export function readAzureSettings(input: unknown): AzureServiceSettings {
  const parsed = AzureServiceSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AzurePluginError(`serverless.yml (azure): ${detail}`);
  }
  return parsed.data;
}

/** Resource names derived once, so the template, the app settings and deploy agree. */
export function azureNames(s: AzureServiceSettings) {
  const base = `${s.provider.namePrefix}${s.stage}`;
  return {
    dataStorage: `${base}data`.slice(0, 24),
    hostStorage: `${base}host`.slice(0, 24),
    functionApp: `${s.service}-${s.stage}-fn`,
    plan: `${s.service}-${s.stage}-plan`,
    functionIdentity: `${s.service}-${s.stage}-fn-id`,
    jobIdentity: `${s.service}-${s.stage}-job-id`,
    predictionIdentity: `${s.service}-${s.stage}-predict-id`,
    logAnalytics: `${s.service}-${s.stage}-logs`,
    appInsights: `${s.service}-${s.stage}-ai`,
    containerEnvironment: `${s.service}-${s.stage}-cae`,
    predictionApp: `${s.service}-${s.stage}-predict`.slice(0, 32),
    systemTopic: `${s.service}-${s.stage}-blob-events`,
    deploymentContainer: 'function-releases',
  };
}
export type AzureNames = ReturnType<typeof azureNames>;
