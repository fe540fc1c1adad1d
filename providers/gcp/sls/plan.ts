import { gcpNames, type GcpFunctionSettings, type GcpNames, type GcpServiceSettings } from './settings.js';
import { jobFhirStatusEnvironment } from '../../../shared/fhir/job-status-env.js';

/** One IAM grant: `role` for `members` on the step's resource. */
export interface Binding {
  role: string;
  members: string[];
}

/** Stands for the project's Cloud Storage service agent, whose email needs the project number (resolved at deploy). */
export const GCS_SERVICE_AGENT = 'serviceAccount:{gcs-service-agent}';

/** Stands for the URL of the function a Cloud Scheduler job calls: Cloud Run assigns it (read back at deploy). */
export const FUNCTION_URI = '{function-uri}';

/**
 * One resource of the plan, in apply order. `body` is the create/update body of that resource's REST API
 * (IAM v1, Cloud Storage JSON v1, Cloud Run Admin v2, Cloud Functions v2, Cloud Scheduler v1); `bindings` are added to the
 * resource's IAM policy (never replacing other members).
 */
export type GcpPlanStep =
  | { kind: 'serviceAccount'; accountId: string; email: string; body: Record<string, unknown> }
  | { kind: 'bucket'; name: string; body: Record<string, any>; bindings: Binding[] }
  | { kind: 'cloudRunJob'; id: string; name: string; body: Record<string, any>; bindings: Binding[] }
  | { kind: 'function'; id: string; name: string; entryPoint: string; body: Record<string, any>; bindings: Binding[] }
  | { kind: 'cloudRunService'; id: string; name: string; body: Record<string, any>; bindings: Binding[] }
  /** A Cloud Scheduler job (v1) calling `function` (its full name) over HTTP with an OIDC token; {@link FUNCTION_URI} in the body is its URL. */
  | { kind: 'schedulerJob'; id: string; name: string; function: string; body: Record<string, any> }
  | { kind: 'serviceAccountIam'; email: string; bindings: Binding[] }
  | { kind: 'projectIam'; bindings: Binding[]; reason: string };

export interface GcpPlan {
  project: string;
  region: string;
  service: string;
  stage: string;
  /** The zipped function source (uploaded once through generateUploadUrl, shared by every function). */
  source: { zip: string };
  routes: { route: string; servedBy: string }[];
  steps: GcpPlanStep[];
}

const sa = (email: string) => `serviceAccount:${email}`;

function bucketBody(s: GcpServiceSettings, name: string, raw: boolean): Record<string, unknown> {
  const st = s.provider.storage;
  const rules: unknown[] = [
    // Nearline, then Coldline: both online (millisecond reads, like Glacier Instant Retrieval), so a re-upload of
    // one modality months later can still be preprocessed with the other.
    ...(raw
      ? [
          { action: { type: 'SetStorageClass', storageClass: 'NEARLINE' }, condition: { age: st.rawNearlineAfterDays, matchesPrefix: ['raw/'], matchesStorageClass: ['STANDARD'] } },
          { action: { type: 'SetStorageClass', storageClass: 'COLDLINE' }, condition: { age: st.rawColdlineAfterDays, matchesPrefix: ['raw/'], matchesStorageClass: ['NEARLINE'] } },
        ]
      : [
          // Job attempts stage outputs under staging/ and delete them after the commit: a killed attempt's are never read.
          { action: { type: 'Delete' }, condition: { age: 7, matchesPrefix: ['staging/'] } },
        ]),
    { action: { type: 'Delete' }, condition: { isLive: false, daysSinceNoncurrentTime: st.noncurrentVersionDays } },
    { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 7 } },
  ];
  return {
    name,
    location: s.provider.region.toUpperCase(),
    storageClass: 'STANDARD',
    labels: { app: s.service, stage: s.stage },
    versioning: { enabled: true },
    iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
    lifecycle: { rule: rules },
    ...(raw ? { cors: [{ origin: [s.provider.webOrigin], method: ['PUT', 'GET', 'HEAD'], responseHeader: ['content-type', 'x-goog-generation', 'x-goog-content-length-range'], maxAgeSeconds: 3000 }] } : {}),
  };
}

/** FHIR_BASE_URL + FHIR_AUTH=google (the function's own service account) when a FHIR store is configured. */
function fhirEnv(s: GcpServiceSettings): Record<string, string> {
  return s.provider.fhirBaseUrl ? { FHIR_BASE_URL: s.provider.fhirBaseUrl, FHIR_AUTH: 'google' } : {};
}

/**
 * The upload function's environment: exactly what `GcpUploadEnvSchema` (providers/gcp/config.ts) validates, plus
 * FHIR (the upload records each job's `requested` Task there, which is what the reconciler later checks).
 */
export function uploadFunctionEnv(s: GcpServiceSettings, n: GcpNames = gcpNames(s)): Record<string, string> {
  return {
    ADNI_GCS_BUCKET: n.rawBucket,
    ADNI_OUTPUT_BUCKET: n.preprocessedBucket,
    ADNI_GCP_PROJECT: s.provider.project,
    ADNI_GCP_REGION: s.provider.region,
    ADNI_JOB_NAME: n.job,
    ADNI_JOB_TIMEOUT_SECONDS: String(s.provider.preprocessingJob.timeoutMinutes * 60),
    ...fhirEnv(s),
  };
}

/**
 * The API function's environment (`GcpHttpEnvSchema`): the upload function's, so that POST /reprocess and /backfill
 * submit the same jobs, plus the token settings.
 */
export function apiFunctionEnv(s: GcpServiceSettings, n: GcpNames = gcpNames(s)): Record<string, string> {
  return { ...uploadFunctionEnv(s, n), ...authEnv(s) };
}

/** The job reconciler's environment (`GcpReconcileEnvSchema` + the FHIR store whose open Tasks it checks). */
export function reconcileFunctionEnv(s: GcpServiceSettings, n: GcpNames = gcpNames(s)): Record<string, string> {
  return { ADNI_GCS_BUCKET: n.rawBucket, ADNI_OUTPUT_BUCKET: n.preprocessedBucket, ...fhirEnv(s) };
}

type FunctionRole = 'upload' | 'api' | 'reconcile';
const roleOf = (fn: GcpFunctionSettings): FunctionRole => (fn.events.some((e) => e.storage) ? 'upload' : fn.events.some((e) => e.schedule) ? 'reconcile' : 'api');
const DESCRIPTIONS: Record<FunctionRole, string> = {
  upload: 'GCS upload of raw/{patient}/{session}/{mri|pet}.nii.gz -> one Cloud Run Job execution per session version',
  api: 'The shared HTTP API (hono)',
  reconcile: 'Job reconciler (Cloud Scheduler, OIDC): open preprocessing Tasks in FHIR vs their Cloud Run executions',
};

/** The Cloud Run Job's FHIR settings: `store,fhir` status sinks with the job's own identity; none without FHIR. */
export function jobFhirEnv(s: GcpServiceSettings): Record<string, string> {
  return jobFhirStatusEnvironment({ FHIR_BASE_URL: s.provider.fhirBaseUrl, FHIR_AUTH: 'google' }, 'store');
}

/** AUTH_* for the API (shared/auth/auth-config.ts): it fails closed without issuer and audience. */
export function authEnv(s: GcpServiceSettings): Record<string, string> {
  const a = s.provider.auth;
  return { AUTH_ISSUER: a.issuer, AUTH_AUDIENCE: a.audience, AUTH_SCOPE_PREFIX: a.scopePrefix, ...(a.jwksUrl ? { AUTH_JWKS_URL: a.jwksUrl } : {}) };
}

function functionStep(s: GcpServiceSettings, n: GcpNames, key: string, fn: GcpFunctionSettings): GcpPlanStep {
  const { project, region } = s.provider;
  const id = n.functionName(key);
  const storage = fn.events.find((e) => e.storage)?.storage;
  const role = roleOf(fn);
  const entryPoint = fn.handler ?? key;
  const body: Record<string, unknown> = {
    description: DESCRIPTIONS[role],
    labels: { app: s.service, stage: s.stage },
    buildConfig: { runtime: s.provider.runtime, entryPoint },
    serviceConfig: {
      availableMemory: fn.memory ?? '512Mi',
      availableCpu: fn.cpu ?? '1',
      timeoutSeconds: fn.timeoutSeconds ?? 60,
      maxInstanceCount: fn.maxInstances ?? 100,
      serviceAccountEmail: n.serviceAccounts[role],
      environmentVariables: { upload: uploadFunctionEnv, api: apiFunctionEnv, reconcile: reconcileFunctionEnv }[role](s, n),
      // Cloud Scheduler and Eventarc call from outside any VPC: invoker IAM, not ingress, keeps the non-API ones private.
      ingressSettings: 'ALLOW_ALL',
      allTrafficOnLatestRevision: true,
    },
  };
  if (storage) {
    body.eventTrigger = {
      triggerRegion: region,
      eventType: storage.event,
      // GCS triggers filter on the bucket only; the adapter and core drop keys outside raw/*.nii.gz before any
      // read, so jobs/ markers the function writes cause one no-op invocation each, never a loop.
      eventFilters: [{ attribute: 'bucket', value: n.rawBucket }],
      serviceAccountEmail: n.serviceAccounts.trigger,
      retryPolicy: 'RETRY_POLICY_RETRY',
    };
  }
  return {
    kind: 'function',
    id,
    name: `projects/${project}/locations/${region}/functions/${id}`,
    entryPoint,
    body,
    // A 2nd gen function is a Cloud Run service: invoker rights are granted on it. Only the API is public (it checks
    // every token itself); the upload function answers its Eventarc trigger, the reconciler its scheduler.
    bindings: [{ role: 'roles/run.invoker', members: [{ upload: sa(n.serviceAccounts.trigger), api: 'allUsers', reconcile: sa(n.serviceAccounts.scheduler) }[role]] }],
  };
}

/** The Cloud Scheduler job of a `schedule` event: POST to the function with an OIDC token for its URL. */
function schedulerStep(s: GcpServiceSettings, n: GcpNames, key: string, fn: GcpFunctionSettings): GcpPlanStep[] {
  const schedule = fn.events.find((e) => e.schedule)?.schedule;
  if (!schedule) return [];
  const { project, region } = s.provider;
  const id = n.functionName(key);
  const name = `projects/${project}/locations/${region}/jobs/${id}`;
  return [
    {
      kind: 'schedulerJob',
      id,
      name,
      function: `projects/${project}/locations/${region}/functions/${id}`,
      body: {
        name,
        description: `${s.service} (${s.stage}): ${DESCRIPTIONS[roleOf(fn)]}`,
        schedule: schedule.cron,
        timeZone: schedule.timeZone,
        // One pass reads at most 200 open Tasks; the next tick picks up the rest, so a failed attempt is not retried.
        attemptDeadline: `${fn.timeoutSeconds ?? 300}s`,
        retryConfig: { retryCount: 0 },
        httpTarget: {
          uri: FUNCTION_URI,
          httpMethod: 'POST',
          // Cloud Run checks this token (audience = the function's URL) against run.invoker before the code runs.
          oidcToken: { serviceAccountEmail: n.serviceAccounts.scheduler, audience: FUNCTION_URI },
        },
      },
    },
  ];
}

function predictionStep(s: GcpServiceSettings, n: GcpNames, fn: GcpFunctionSettings): GcpPlanStep {
  const { project, region } = s.provider;
  return {
    kind: 'cloudRunService',
    id: n.predictionService,
    name: `projects/${project}/locations/${region}/services/${n.predictionService}`,
    body: {
      labels: { app: s.service, stage: s.stage },
      ingress: 'INGRESS_TRAFFIC_ALL',
      template: {
        serviceAccount: n.serviceAccounts.predict,
        timeout: `${fn.timeoutSeconds ?? 60}s`,
        scaling: { minInstanceCount: 0, maxInstanceCount: fn.maxInstances ?? 1 },
        // Cloud Run GPUs: one NVIDIA L4 per instance, at least 4 CPU / 16 GiB, CPU always allocated. Without
        // `gpu:` the service runs CPU inference (well under a millisecond per patient, docs/BENCHMARKS.md).
        ...(fn.gpu ? { nodeSelector: { accelerator: fn.gpu.type }, gpuZonalRedundancyDisabled: true } : {}),
        containers: [
          {
            image: fn.image,
            ports: [{ containerPort: 8080 }],
            resources: fn.gpu
              ? { limits: { cpu: fn.cpu ?? '4', memory: fn.memory ?? '16Gi', 'nvidia.com/gpu': String(fn.gpu.count) }, cpuIdle: false, startupCpuBoost: true }
              : { limits: { cpu: fn.cpu ?? '1', memory: fn.memory ?? '1Gi' }, cpuIdle: true, startupCpuBoost: true },
            env: [
              { name: 'ADNI_GCS_BUCKET', value: n.preprocessedBucket },
              { name: 'ADNI_GCP_PROJECT', value: project },
              ...Object.entries(authEnv(s)).map(([name, value]) => ({ name, value })),
            ],
            startupProbe: { httpGet: { path: '/health', port: 8080 } },
          },
        ],
      },
    },
    bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }],
  };
}

/** `METHOD /path` of every http event, and which resource serves it. */
export function gcpRoutes(s: GcpServiceSettings): { route: string; servedBy: string }[] {
  const n = gcpNames(s);
  return Object.entries(s.functions).flatMap(([key, fn]) =>
    fn.events.flatMap((e) => (e.http ? [{ route: `${e.http.method} ${e.http.path}`, servedBy: fn.image ? n.predictionService : n.functionName(key) }] : [])),
  );
}

/**
 * The deployment plan of one stage: every resource with its REST body, in the order `deploy` applies them
 * (identities, buckets, the job, functions, the prediction service, Cloud Scheduler jobs, then IAM grants that name them).
 *
 * @example
 * const plan = gcpPlan(readGcpSettings(config), 'gcp-source.zip');
 */
export function gcpPlan(s: GcpServiceSettings, sourceZip: string): GcpPlan {
  const n = gcpNames(s);
  const { project, region } = s.provider;
  const job = s.provider.preprocessingJob;
  const accounts = Object.entries(n.serviceAccounts).map(([role, email]): GcpPlanStep => ({
    kind: 'serviceAccount',
    accountId: email.split('@')[0],
    email,
    body: { accountId: email.split('@')[0], serviceAccount: { displayName: `ADNI ${role} (${s.stage})`, description: `${s.service}: ${role} identity` } },
  }));
  const steps: GcpPlanStep[] = [
    ...accounts,
    {
      kind: 'bucket',
      name: n.rawBucket,
      body: bucketBody(s, n.rawBucket, true),
      bindings: [
        // Read both inputs, create/release jobs/ markers and status records: the upload function, and the API for
        // POST /reprocess and /backfill. Signed upload URLs act with the API's rights: uploads land in this bucket only.
        { role: 'roles/storage.objectUser', members: [sa(n.serviceAccounts.upload), sa(n.serviceAccounts.api)] },
        { role: 'roles/storage.objectViewer', members: [sa(n.serviceAccounts.job)] },
      ],
    },
    {
      kind: 'bucket',
      name: n.preprocessedBucket,
      body: bucketBody(s, n.preprocessedBucket, false),
      bindings: [
        { role: 'roles/storage.objectUser', members: [sa(n.serviceAccounts.job)] },
        { role: 'roles/storage.objectViewer', members: [sa(n.serviceAccounts.api), sa(n.serviceAccounts.predict)] },
      ],
    },
    {
      kind: 'cloudRunJob',
      id: n.job,
      name: `projects/${project}/locations/${region}/jobs/${n.job}`,
      body: {
        labels: { app: s.service, stage: s.stage },
        template: {
          taskCount: 1,
          parallelism: 1,
          template: {
            serviceAccount: n.serviceAccounts.job,
            timeout: `${job.timeoutMinutes * 60}s`,
            maxRetries: job.maxRetries,
            executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
            containers: [
              {
                image: job.image,
                resources: { limits: { cpu: String(job.cpu), memory: `${job.memoryGb}Gi` } },
                // The per-session variables come as overrides on each run (CloudRunJobSubmitter).
                env: [
                  { name: 'ADNI_STORE', value: 'gcp' },
                  { name: 'ADNI_GCP_PROJECT', value: project },
                  // Status to FHIR as well (the job's service account needs roles/healthcare.fhirResourceEditor).
                  ...Object.entries(jobFhirEnv(s)).map(([name, value]) => ({ name, value })),
                ],
              },
            ],
          },
        },
      },
      // Run one execution with per-session env overrides (upload), read the executions' state (reconciler): on this job only.
      bindings: [
        { role: 'roles/run.jobsExecutorWithOverrides', members: [sa(n.serviceAccounts.upload), sa(n.serviceAccounts.api)] },
        { role: 'roles/run.viewer', members: [sa(n.serviceAccounts.reconcile)] },
      ],
    },
    ...Object.entries(s.functions).filter(([, fn]) => !fn.image).map(([key, fn]) => functionStep(s, n, key, fn)),
    ...Object.entries(s.functions).filter(([, fn]) => fn.image).map(([, fn]) => predictionStep(s, n, fn)),
    // After the functions: each scheduler job targets its function's URL, known once the function exists.
    ...Object.entries(s.functions).filter(([, fn]) => !fn.image).flatMap(([key, fn]) => schedulerStep(s, n, key, fn)),
    // Signing V4 URLs without a key file goes through the IAM signBlob API, as the API's own identity.
    { kind: 'serviceAccountIam', email: n.serviceAccounts.api, bindings: [{ role: 'roles/iam.serviceAccountTokenCreator', members: [sa(n.serviceAccounts.api)] }] },
    {
      kind: 'projectIam',
      reason: 'Eventarc accepts events only for identities with eventReceiver on the project, and GCS publishes its events through Pub/Sub as its service agent: neither role exists at a narrower scope',
      bindings: [
        { role: 'roles/eventarc.eventReceiver', members: [sa(n.serviceAccounts.trigger)] },
        { role: 'roles/pubsub.publisher', members: [GCS_SERVICE_AGENT] },
      ],
    },
  ];
  return { project, region, service: s.service, stage: s.stage, source: { zip: sourceZip }, routes: gcpRoutes(s), steps };
}
