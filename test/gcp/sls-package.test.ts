import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Storage } from '@google-cloud/storage';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcpHttpEnvSchema, GcpReconcileEnvSchema, GcpUploadEnvSchema } from '../../providers/gcp/config.js';
import { jwtAuthConfigFromEnv } from '../../shared/auth/auth-config.js';
import type { GcpPlan, GcpPlanStep } from '../../providers/gcp/sls/plan.js';
import { GCP_ARTIFACTS } from '../../providers/gcp/sls/plugin.js';
import { startFakeGcs, type FakeGcs } from './fake-gcs.js';
import { startFakeGoogleApis } from './fake-google-apis.js';

/**
 * `serverless package` of providers/gcp/serverless.yml runs once for this file (offline: no Google account,
 * telemetry off) through this repository's provider plugin; every test reads the source zip and the plan it
 * wrote. About 10-20 s on 2 cores.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const serviceDir = path.join(root, 'providers/gcp');
const sls = path.join(root, 'node_modules/serverless/bin/serverless.js');
const PACKAGE_TIMEOUT_MS = 180_000;

let outDir: string;
let plan: GcpPlan & { sourcePackage: { files: string[]; zipBytes: number; bundleBytes: number; dependencies: Record<string, string> } };
let packageLog = '';
let packageSeconds = 0;

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: outDir,
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  // No Google credentials of any kind reach the child.
  CLOUDSDK_CONFIG: path.join(outDir, 'no-gcloud'),
  GOOGLE_APPLICATION_CREDENTIALS: path.join(outDir, 'no-credentials.json'),
  ...extra,
});
function steps<K extends GcpPlanStep['kind']>(kind: K): Extract<GcpPlanStep, { kind: K }>[] {
  return plan.steps.filter((s): s is Extract<GcpPlanStep, { kind: K }> => s.kind === kind);
}
const sa = (role: string) => `serviceAccount:adni-${role}-ci@adni-progression-dev.iam.gserviceaccount.com`;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'adni-sls-gcp-'));
  const started = performance.now();
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [sls, 'package', '--stage', 'ci', '--package', outDir], {
    cwd: serviceDir,
    env: env(),
    timeout: PACKAGE_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  packageSeconds = (performance.now() - started) / 1000;
  packageLog = stdout + stderr;
  plan = JSON.parse(await readFile(path.join(outDir, GCP_ARTIFACTS.plan), 'utf8'));
}, PACKAGE_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('serverless package with the Google Cloud provider plugin (offline)', () => {
  it('packages with no Google access and reports its time', () => {
    expect(packageLog).toContain('Google Cloud: packaged gcp-source.zip');
    expect(packageLog).not.toMatch(/Warning|Error/);
    console.info(`sls package (gcp) took ${packageSeconds.toFixed(1)} s; source zip ${plan.sourcePackage.zipBytes} bytes`);
  });

  it('the source zip is one ESM bundle + a package.json with the framework and Google SDKs pinned exactly', async () => {
    const zip = await JSZip.loadAsync(await readFile(path.join(outDir, GCP_ARTIFACTS.zip)));
    expect(Object.keys(zip.files).sort()).toEqual(['index.mjs', 'index.mjs.map', 'package.json']);
    const pkg = JSON.parse(await zip.file('package.json')!.async('string'));
    expect(pkg).toMatchObject({ type: 'module', main: 'index.mjs' });
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@google-cloud/functions-framework', '@google-cloud/run', '@google-cloud/storage']);
    for (const version of Object.values(pkg.dependencies)) expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const code = await zip.file('index.mjs')!.async('string');
    expect(code).not.toMatch(/onnxruntime-node|@itk-wasm|pglite/);
    expect(code.length).toBeLessThan(10 * 1024 * 1024);
  });

  it('declares the product routes: the API on the http function, prediction on the GPU service', () => {
    expect(plan.routes).toEqual(
      expect.arrayContaining([
        { route: 'POST /uploads', servedBy: 'adni-progression-ci-api' },
        { route: 'GET /preprocessing-status/{patient_id}', servedBy: 'adni-progression-ci-api' },
        { route: 'GET /patient-timeline/{patient_id}', servedBy: 'adni-progression-ci-api' },
        { route: 'POST /predict-progression', servedBy: 'adni-progression-ci-predict' },
      ]),
    );
  });
});

describe('the packaged source in the real Functions Framework', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const freePort = () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
  /** Starts `functions-framework --target` on the unzipped source, as Cloud Run functions does after the build. */
  async function serve(target: string, extraEnv: Record<string, string>): Promise<string> {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(dir, 'node_modules/@google-cloud/functions-framework/build/src/main.js'), `--target=${target}`, `--source=${dir}`], {
      env: { PATH: process.env.PATH, PORT: String(port), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${target} did not start`)), 60_000);
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('Serving function') && (clearTimeout(timer), resolve()));
      child.on('exit', (code) => reject(new Error(`${target} exited with ${code}`)));
    });
    return `http://127.0.0.1:${port}`;
  }

  beforeAll(async () => {
    const zip = await JSZip.loadAsync(await readFile(path.join(outDir, GCP_ARTIFACTS.zip)));
    dir = path.join(outDir, 'unzipped');
    await mkdir(dir, { recursive: true });
    for (const f of ['package.json', 'index.mjs']) await writeFile(path.join(dir, f), await zip.file(f)!.async('nodebuffer'));
    // Stands in for Cloud Build's `npm install` of the one dependency.
    await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });
  afterAll(() => {
    for (const child of children) child.kill();
  });

  it('the api entry point serves the shared API with its token check on (health open, uploads need a token)', async () => {
    const step = steps('function').find((f) => f.entryPoint === 'api')!;
    const url = await serve('api', step.body.serviceConfig.environmentVariables);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    // The packaged AUTH_* are in force: no token, no upload (and the answer is in the API's error shape).
    const anonymous = await fetch(`${url}/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"patient_id":"P1"}' });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).error.code).toBe('missing_token');
  }, 90_000);

  it('the reconcileJobs entry point answers a Cloud Scheduler call (idle without a FHIR store, saying so)', async () => {
    // Prepare: the packaged function with its planned environment (the default deployment has no fhirBaseUrl).
    const step = steps('function').find((f) => f.entryPoint === 'reconcileJobs')!;
    const url = await serve('reconcileJobs', step.body.serviceConfig.environmentVariables);
    const delivery = JSON.parse(await readFile(path.join(root, 'test/events/scheduler/reconcile-jobs-http.json'), 'utf8'));
    // Act
    const response = await fetch(url, { method: delivery.method, headers: delivery.headers });
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'skipped', reason: expect.stringContaining('FHIR_BASE_URL is not set') });
  }, 90_000);

  /** One onUpload server for the two tests below, on the GCS fake (the SDK's emulator variable). */
  let gcs: FakeGcs;
  let onUpload: Promise<string> | undefined;
  const uploadStep = () => steps('function').find((f) => f.entryPoint === 'onUpload')!;
  const startOnUpload = () =>
    (onUpload ??= startFakeGcs().then((fake) => {
      gcs = fake;
      gcs.createBucket(uploadStep().body.serviceConfig.environmentVariables.ADNI_GCS_BUCKET);
      return serve('onUpload', { ...uploadStep().body.serviceConfig.environmentVariables, STORAGE_EMULATOR_HOST: `${gcs.url}/storage/v1` });
    }));
  afterAll(async () => gcs?.close());
  const finalized = async (bucket: string, key: string) => {
    const event = JSON.parse(await readFile(path.join(root, 'test/events/gcs/finalized-structured.json'), 'utf8'));
    event.data.bucket = bucket;
    event.data.name = key;
    event.subject = `objects/${key}`;
    return fetch(await startOnUpload(), { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event) });
  };

  it('the onUpload entry point acknowledges a key outside raw/ (its own jobs/ marker) without touching storage', async () => {
    // Prepare
    await startOnUpload();
    const before = gcs.log.length;
    // Act
    const response = await finalized(uploadStep().body.serviceConfig.environmentVariables.ADNI_GCS_BUCKET, 'jobs/P001/2024-03-01/0123456789abcdef.json');
    // Assess
    expect(response.status).toBe(204);
    expect(gcs.log.slice(before)).toEqual([]);
  }, 90_000);

  it('the onUpload entry point reads the bucket through the installed SDK: an MRI without its PET waits', async () => {
    // Prepare: only the MRI in the raw bucket.
    await startOnUpload();
    const bucket = uploadStep().body.serviceConfig.environmentVariables.ADNI_GCS_BUCKET;
    const mri = 'raw/P001/2024-03-01/mri.nii.gz';
    await new Storage({ apiEndpoint: gcs.url, projectId: 'adni-progression-dev' }).bucket(bucket).file(mri).save('mri', { resumable: false });
    const before = gcs.log.length;
    // Act
    const response = await finalized(bucket, mri);
    // Assess: acknowledged, after looking up both objects (the PET is not there yet, so no job and no marker).
    expect(response.status).toBe(204);
    const calls = gcs.log.slice(before);
    const reads = calls.filter((l) => l.method === 'GET').map((l) => decodeURIComponent(l.path));
    expect(reads).toEqual(expect.arrayContaining([`/storage/v1/b/${bucket}/o/${mri}`, `/storage/v1/b/${bucket}/o/raw/P001/2024-03-01/pet.nii.gz`]));
    expect(calls.some((l) => l.method === 'POST')).toBe(false);
  }, 90_000);
});

describe('storage', () => {
  it.each(['raw', 'preprocessed'])('the %s bucket: versioned, uniform access, public access prevented, noncurrent versions expire', (which) => {
    const bucket = steps('bucket').find((b) => b.name === `adni-progression-${which}-ci`)!;
    expect(bucket.body).toMatchObject({
      versioning: { enabled: true },
      iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
      location: 'EUROPE-WEST4',
    });
    expect(bucket.body.lifecycle.rule).toContainEqual({ action: { type: 'Delete' }, condition: { isLive: false, daysSinceNoncurrentTime: 90 } });
  });

  it('raw/ moves to Nearline at 30 days and Coldline at 90 (both online tiers)', () => {
    const raw = steps('bucket').find((b) => b.name === 'adni-progression-raw-ci')!;
    const tiers = raw.body.lifecycle.rule.filter((r: any) => r.action.type === 'SetStorageClass');
    expect(tiers.map((r: any) => [r.action.storageClass, r.condition.age, r.condition.matchesPrefix])).toEqual([
      ['NEARLINE', 30, ['raw/']],
      ['COLDLINE', 90, ['raw/']],
    ]);
  });

  it('Eventarc: object finalized in the raw bucket only, retried, through its own trigger identity', () => {
    const upload = steps('function').find((f) => f.entryPoint === 'onUpload')!;
    expect(upload.body.eventTrigger).toEqual({
      triggerRegion: 'europe-west4',
      eventType: 'google.cloud.storage.object.v1.finalized',
      eventFilters: [{ attribute: 'bucket', value: 'adni-progression-raw-ci' }],
      serviceAccountEmail: 'adni-trigger-ci@adni-progression-dev.iam.gserviceaccount.com',
      retryPolicy: 'RETRY_POLICY_RETRY',
    });
  });
});

describe('compute', () => {
  it('functions are 2nd gen on nodejs22 with the environment their zod schemas require', () => {
    const functions = steps('function');
    expect(functions.map((f) => f.entryPoint).sort()).toEqual(['api', 'onUpload', 'reconcileJobs']);
    for (const f of functions) expect(f.body.buildConfig).toEqual({ runtime: 'nodejs22', entryPoint: f.entryPoint });
    const upload = functions.find((f) => f.entryPoint === 'onUpload')!.body.serviceConfig.environmentVariables;
    const api = functions.find((f) => f.entryPoint === 'api')!.body.serviceConfig.environmentVariables;
    // The literal values parse: a deploy cannot start functions that fail their cold-start validation.
    expect(GcpUploadEnvSchema.parse(upload)).toMatchObject({ ADNI_JOB_NAME: 'adni-progression-ci-preprocess', ADNI_OUTPUT_BUCKET: 'adni-progression-preprocessed-ci', ADNI_JOB_TIMEOUT_SECONDS: 1800 });
    // The API reads outputs from the preprocessed bucket and submits reprocess/backfill jobs like the upload function.
    expect(GcpHttpEnvSchema.parse(api)).toEqual({ ADNI_GCS_BUCKET: 'adni-progression-raw-ci', ADNI_OUTPUT_BUCKET: 'adni-progression-preprocessed-ci' });
    expect(GcpUploadEnvSchema.parse(api)).toEqual(GcpUploadEnvSchema.parse(upload));
    const reconcile = functions.find((f) => f.entryPoint === 'reconcileJobs')!.body.serviceConfig;
    expect(GcpReconcileEnvSchema.parse(reconcile.environmentVariables)).toEqual({ ADNI_GCS_BUCKET: 'adni-progression-raw-ci', ADNI_OUTPUT_BUCKET: 'adni-progression-preprocessed-ci' });
    expect(reconcile).toMatchObject({ serviceAccountEmail: 'adni-reconcile-ci@adni-progression-dev.iam.gserviceaccount.com', maxInstanceCount: 1, timeoutSeconds: 300 });
    // Identity Platform tokens of this project, verified against Google's securetoken keys.
    expect(jwtAuthConfigFromEnv(api)).toMatchObject({
      issuer: 'https://securetoken.google.com/adni-progression-dev',
      audience: 'adni-progression-dev',
      jwksUrl: 'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com',
    });
  });

  it('Cloud Scheduler calls the job reconciler every 5 minutes with an OIDC token for its URL, as its own identity', () => {
    const [job] = steps('schedulerJob');
    expect(job).toMatchObject({
      id: 'adni-progression-ci-reconcile-jobs',
      name: 'projects/adni-progression-dev/locations/europe-west4/jobs/adni-progression-ci-reconcile-jobs',
      function: 'projects/adni-progression-dev/locations/europe-west4/functions/adni-progression-ci-reconcile-jobs',
    });
    expect(job.body).toMatchObject({
      schedule: '*/5 * * * *',
      timeZone: 'Etc/UTC',
      retryConfig: { retryCount: 0 },
      // The URL is Cloud Run's: deploy reads it back from the function and puts it in both places.
      httpTarget: { uri: '{function-uri}', httpMethod: 'POST', oidcToken: { serviceAccountEmail: 'adni-scheduler-ci@adni-progression-dev.iam.gserviceaccount.com', audience: '{function-uri}' } },
    });
    const order = plan.steps.map((s) => s.kind);
    expect(order.indexOf('schedulerJob')).toBeGreaterThan(order.lastIndexOf('function'));
  });

  it('the Cloud Run Job has the AWS Batch size: 4 vCPU, 16 GiB, 30 minutes, retried, as its own identity', () => {
    const [job] = steps('cloudRunJob');
    const task = job.body.template.template;
    expect(task.containers[0].resources).toEqual({ limits: { cpu: '4', memory: '16Gi' } });
    expect(task.timeout).toBe('1800s');
    expect(task.maxRetries).toBeGreaterThanOrEqual(2);
    expect(task.serviceAccount).toBe('adni-job-ci@adni-progression-dev.iam.gserviceaccount.com');
    expect(task.containers[0].env).toContainEqual({ name: 'ADNI_STORE', value: 'gcp' });
    expect(job.body.template.taskCount).toBe(1);
  });

  it('prediction: a Cloud Run service with one NVIDIA L4, scaling to zero', () => {
    const [service] = steps('cloudRunService');
    const t = service.body.template;
    expect(t.nodeSelector).toEqual({ accelerator: 'nvidia-l4' });
    expect(t.containers[0].resources.limits).toEqual({ cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' });
    expect(t.scaling.minInstanceCount).toBe(0);
  });
});

describe('IAM (least privilege)', () => {
  const grants = () =>
    plan.steps.flatMap((s) =>
      'bindings' in s ? s.bindings.flatMap((b) => b.members.map((m) => ({ on: 'name' in s ? s.name : 'email' in s ? s.email : 'project', role: b.role, member: m }))) : [],
    );

  it('no primitive or admin roles, and nothing with a wildcard', () => {
    for (const g of grants()) {
      expect(g.role).not.toMatch(/^roles\/(owner|editor|viewer)$|admin|\*/i);
      expect(g.member).not.toContain('*');
    }
  });

  it('public access only as run.invoker on the API function and the prediction service', () => {
    const open = grants().filter((g) => g.member === 'allUsers' || g.member === 'allAuthenticatedUsers');
    expect(open.map((g) => [g.on.split('/').pop(), g.role]).sort()).toEqual([
      ['adni-progression-ci-api', 'roles/run.invoker'],
      ['adni-progression-ci-predict', 'roles/run.invoker'],
    ]);
  });

  it('project-level grants are only the two Eventarc/GCS roles that exist at no narrower scope', () => {
    const [project] = steps('projectIam');
    expect(project.bindings).toEqual([
      { role: 'roles/eventarc.eventReceiver', members: [sa('trigger')] },
      { role: 'roles/pubsub.publisher', members: ['serviceAccount:{gcs-service-agent}'] },
    ]);
    expect(project.reason).toMatch(/no|neither/);
  });

  it('each identity gets exactly its grants, on the bucket/job/function it needs', () => {
    const table = grants()
      .filter((g) => g.on !== 'project')
      .map((g) => `${g.member.replace(/^serviceAccount:adni-(\w+)-ci@.*/, '$1')} ${g.role} ${g.on.split('/').pop()}`)
      .sort();
    expect(table).toEqual(
      [
        'upload roles/storage.objectUser adni-progression-raw-ci',
        'api roles/storage.objectUser adni-progression-raw-ci',
        'job roles/storage.objectViewer adni-progression-raw-ci',
        'job roles/storage.objectUser adni-progression-preprocessed-ci',
        'api roles/storage.objectViewer adni-progression-preprocessed-ci',
        'predict roles/storage.objectViewer adni-progression-preprocessed-ci',
        'upload roles/run.jobsExecutorWithOverrides adni-progression-ci-preprocess',
        'api roles/run.jobsExecutorWithOverrides adni-progression-ci-preprocess',
        'reconcile roles/run.viewer adni-progression-ci-preprocess',
        'scheduler roles/run.invoker adni-progression-ci-reconcile-jobs',
        'trigger roles/run.invoker adni-progression-ci-on-upload',
        'allUsers roles/run.invoker adni-progression-ci-api',
        'allUsers roles/run.invoker adni-progression-ci-predict',
        'api roles/iam.serviceAccountTokenCreator adni-api-ci@adni-progression-dev.iam.gserviceaccount.com',
      ].sort(),
    );
  });
});

describe('serverless deploy', () => {
  it('applies the packaged plan against stand-in Google APIs: every resource created, the packaged zip uploaded', async () => {
    // Prepare: one loopback server for all the APIs, a ready access token (no ADC lookup).
    const google = await startFakeGoogleApis({ project: 'adni-progression-dev', immediateOperations: true });
    try {
      // Act: the real CLI, reusing the artifacts above.
      const run = await promisify(execFile)(process.execPath, [sls, 'deploy', '--stage', 'ci', '--package', outDir], {
        cwd: serviceDir,
        env: env({ ADNI_GCP_API_ENDPOINT: google.url, GOOGLE_OAUTH_ACCESS_TOKEN: 'cli-token' }),
        timeout: 90_000,
      });
      // Assess
      const output = run.stdout + run.stderr;
      expect(output).toContain('Google Cloud: deployed adni-progression (ci) to adni-progression-dev / europe-west4');
      const creates = google.requests.filter((r) => r.method === 'POST' && /(serviceAccounts|\/b|jobs|functions|services)$/.test(r.url.split('?')[0]));
      // 7 service accounts, 2 buckets, the Cloud Run job, 3 functions, the prediction service, the scheduler job.
      expect(creates).toHaveLength(7 + 2 + 1 + 3 + 1 + 1);
      const scheduler = google.resources.get('/v1/projects/adni-progression-dev/locations/europe-west4/jobs/adni-progression-ci-reconcile-jobs');
      expect(scheduler.httpTarget.uri).toMatch(/^https:\/\/adni-progression-ci-reconcile-jobs-.*\.run\.app$/);
      expect(scheduler.httpTarget.oidcToken.audience).toBe(scheduler.httpTarget.uri);
      const zipBytes = (await readFile(path.join(outDir, GCP_ARTIFACTS.zip))).length;
      expect(google.uploads).toEqual([{ length: zipBytes, contentType: 'application/zip' }]);
      const job = google.resources.get('/v2/projects/adni-progression-dev/locations/europe-west4/jobs/adni-progression-ci-preprocess');
      expect(job).toEqual(steps('cloudRunJob')[0].body);
      for (const r of google.requests.filter((x) => !x.url.startsWith('/signed-upload/'))) expect(r.headers.authorization).toBe('Bearer cli-token');
    } finally {
      await google.close();
    }
  }, 100_000);

  it('without credentials fails with one readable line and no stack trace', () => {
    const run = spawnSync(process.execPath, [sls, 'deploy', '--stage', 'ci', '--package', outDir], { cwd: serviceDir, env: env(), encoding: 'utf8', timeout: 90_000 });
    const output = run.stdout + run.stderr;
    expect(run.status).not.toBe(0);
    expect(output).toContain('no Google Cloud credentials: run `gcloud auth application-default login`');
    expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  }, 100_000);
});
