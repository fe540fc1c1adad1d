import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployGcp, mergeBindings, type GcpEndpoints } from '../../providers/gcp/sls/deploy.js';
import { gcpPlan } from '../../providers/gcp/sls/plan.js';
import { readGcpSettings } from '../../providers/gcp/sls/settings.js';
import { startFakeGoogleApis, type FakeGoogleApis } from './fake-google-apis.js';

/** The resolved settings serverless.yml produces for `--stage ci` (the package test covers the YAML itself). */
const settings = readGcpSettings({
  service: 'adni-progression',
  stage: 'ci',
  provider: {
    name: 'google',
    runtime: 'nodejs22',
    project: 'adni-progression-dev',
    region: 'europe-west4',
    bucketPrefix: 'adni-progression',
    webOrigin: 'http://localhost:8080',
    auth: { issuer: 'https://securetoken.google.com/adni-progression-dev', audience: 'adni-progression-dev' },
    storage: {},
    source: { entry: '../../functions/gcp/index.ts' },
    preprocessingJob: { image: 'europe-west4-docker.pkg.dev/p/adni/preprocessing:0.1.0', cpu: 4, memoryGb: 16, timeoutMinutes: 30 },
  },
  functions: {
    onUpload: { handler: 'onUpload', events: [{ storage: { bucket: 'raw', event: 'google.cloud.storage.object.v1.finalized', keyPrefix: 'raw/', keySuffix: '.nii.gz' } }] },
    api: { handler: 'api', events: [{ http: { method: 'POST', path: '/uploads' } }] },
    reconcileJobs: { handler: 'reconcileJobs', timeoutSeconds: 300, events: [{ schedule: { cron: '*/5 * * * *' } }] },
    predictProgression: { image: 'europe-west4-docker.pkg.dev/p/adni/prediction:0.1.0', gpu: { type: 'nvidia-l4', count: 1 }, events: [{ http: { method: 'POST', path: '/predict-progression' } }] },
  },
});
const plan = gcpPlan(settings, 'gcp-source.zip');
const zip = Buffer.from('PK-source-zip');

let api: FakeGoogleApis;
const endpoints = (): GcpEndpoints => ({ iam: api.url, storage: api.url, run: api.url, functions: api.url, resourceManager: api.url, scheduler: api.url });
const deploy = () => deployGcp({ plan, zip, accessToken: async () => 'gcp-token', log: () => {}, endpoints: endpoints(), pollMs: 0 });
const writes = () => api.requests.filter((r) => r.method !== 'GET' && !r.url.includes(':getIamPolicy')).map((r) => `${r.method} ${r.url.split('?')[0]}`);

describe('the prediction service without `gpu:`', () => {
  it('asks for no accelerator and lets the CPU idle between requests', () => {
    const cpuOnly = structuredClone(settings);
    delete cpuOnly.functions.predictProgression.gpu;
    const service = gcpPlan(cpuOnly, 'gcp-source.zip').steps.find((s) => s.kind === 'cloudRunService')!;
    const template = (service as { body: any }).body.template;
    expect(template.nodeSelector).toBeUndefined();
    expect(template.containers[0].resources).toEqual({ limits: { cpu: '1', memory: '1Gi' }, cpuIdle: true, startupCpuBoost: true });
  });
});

describe('Google Cloud deploy through the REST APIs (one loopback server stands in for all of them)', () => {
  beforeAll(async () => {
    api = await startFakeGoogleApis({ project: 'adni-progression-dev' });
  });
  afterAll(async () => api?.close());

  it('creates every resource in plan order, uploads the source once, and grants the planned roles', async () => {
    // Prepare
    api.requests.length = 0;
    // Act
    const result = await deploy();
    // Assess
    expect(result.created).toHaveLength(7 + 2 + 1 + 3 + 1 + 1);
    expect(writes().filter((w) => w.startsWith('POST') && !w.includes('IamPolicy') && !w.includes('generateUploadUrl'))).toEqual([
      ...['upload', 'api', 'job', 'predict', 'trigger', 'reconcile', 'scheduler'].map(() => 'POST /v1/projects/adni-progression-dev/serviceAccounts'),
      'POST /storage/v1/b',
      'POST /storage/v1/b',
      'POST /v2/projects/adni-progression-dev/locations/europe-west4/jobs',
      'POST /v2/projects/adni-progression-dev/locations/europe-west4/functions',
      'POST /v2/projects/adni-progression-dev/locations/europe-west4/functions',
      'POST /v2/projects/adni-progression-dev/locations/europe-west4/functions',
      'POST /v2/projects/adni-progression-dev/locations/europe-west4/services',
      // After the function it calls: its URL is read back from the function, then the scheduler job is created.
      'POST /v1/projects/adni-progression-dev/locations/europe-west4/jobs',
    ]);
    const reconcile = '/v2/projects/adni-progression-dev/locations/europe-west4/functions/adni-progression-ci-reconcile-jobs';
    const url = 'https://adni-progression-ci-reconcile-jobs-x7k2q9dz4a-ez.a.run.app';
    expect(api.resources.get('/v1/projects/adni-progression-dev/locations/europe-west4/jobs/adni-progression-ci-reconcile-jobs')).toMatchObject({
      schedule: '*/5 * * * *',
      timeZone: 'Etc/UTC',
      httpTarget: { uri: url, httpMethod: 'POST', oidcToken: { serviceAccountEmail: 'adni-scheduler-ci@adni-progression-dev.iam.gserviceaccount.com', audience: url } },
    });
    // The API function is created with the Identity Platform token settings it verifies every request with.
    const apiFn = api.resources.get('/v2/projects/adni-progression-dev/locations/europe-west4/functions/adni-progression-ci-api') as any;
    expect(apiFn.serviceConfig.environmentVariables).toMatchObject({ AUTH_ISSUER: 'https://securetoken.google.com/adni-progression-dev', AUTH_AUDIENCE: 'adni-progression-dev' });
    // Not public: only the scheduler's identity may invoke the reconciler's Cloud Run service.
    expect(api.policies.get(reconcile.replace('/functions/', '/services/')).bindings).toEqual([
      { role: 'roles/run.invoker', members: ['serviceAccount:adni-scheduler-ci@adni-progression-dev.iam.gserviceaccount.com'] },
    ]);
    expect(api.uploads).toEqual([{ length: zip.length, contentType: 'application/zip' }]);
    const fn = api.resources.get('/v2/projects/adni-progression-dev/locations/europe-west4/functions/adni-progression-ci-on-upload') as any;
    expect(fn.buildConfig.source).toEqual({ storageSource: { bucket: 'gcf-v2-uploads', object: 'source.zip' } });
    expect(fn.eventTrigger.eventType).toBe('google.cloud.storage.object.v1.finalized');
    expect(api.policies.get('/storage/v1/b/adni-progression-raw-ci').bindings).toContainEqual({
      role: 'roles/storage.objectUser',
      members: ['serviceAccount:adni-upload-ci@adni-progression-dev.iam.gserviceaccount.com', 'serviceAccount:adni-api-ci@adni-progression-dev.iam.gserviceaccount.com'],
    });
    expect(api.policies.get('/v1/projects/adni-progression-dev').bindings).toContainEqual({
      role: 'roles/pubsub.publisher',
      members: ['serviceAccount:service-123@gs-project-accounts.iam.gserviceaccount.com'],
    });
    for (const r of api.requests.filter((x) => !x.url.startsWith('/signed-upload/'))) expect(r.headers.authorization).toBe('Bearer gcp-token');
  });

  it('is idempotent: a second deploy patches what exists, creates nothing and leaves IAM policies alone', async () => {
    // Prepare
    api.requests.length = 0;
    // Act
    const result = await deploy();
    // Assess
    expect(result.created).toEqual([]);
    expect(result.iamChanged).toEqual([]);
    expect(writes().some((w) => w.includes(':setIamPolicy') || w.endsWith('/iam'))).toBe(false);
    expect(writes().filter((w) => w.startsWith('PATCH')).length).toBe(2 + 1 + 3 + 1 + 1);
    expect(writes()).toContain('PATCH /v1/projects/adni-progression-dev/locations/europe-west4/jobs/adni-progression-ci-reconcile-jobs');
  });

  it('keeps other members of a policy when it adds its own', () => {
    const { policy, changed } = mergeBindings({ etag: 'x', bindings: [{ role: 'roles/run.invoker', members: ['user:a@example.com'] }] }, [{ role: 'roles/run.invoker', members: ['allUsers'] }]);
    expect(changed).toBe(true);
    expect(policy).toEqual({ etag: 'x', bindings: [{ role: 'roles/run.invoker', members: ['user:a@example.com', 'allUsers'] }] });
    expect(mergeBindings(policy, [{ role: 'roles/run.invoker', members: ['allUsers'] }]).changed).toBe(false);
  });

  it('a scheduler job whose function reports no URL stops the deploy naming both', async () => {
    // Prepare: a plan with only the scheduler step, against a function the API knows without a URL.
    api.resources.set('/v2/projects/adni-progression-dev/locations/europe-west4/functions/adni-progression-ci-reconcile-jobs', { name: 'x' });
    const only = { ...plan, steps: plan.steps.filter((st) => st.kind === 'schedulerJob') };
    // Act
    const error = await deployGcp({ plan: only, zip, accessToken: async () => 't', log: () => {}, endpoints: endpoints(), pollMs: 0 }).catch((e: Error) => e);
    // Assess
    expect((error as Error).message).toBe(
      'Google Cloud deploy failed at Cloud Scheduler job adni-progression-ci-reconcile-jobs: function projects/adni-progression-dev/locations/europe-west4/functions/adni-progression-ci-reconcile-jobs has no URL yet',
    );
  });

  it('a refused call stops the deploy with a one-line reason naming the step', async () => {
    // Prepare
    api.resources.clear();
    api.policies.clear();
    api.failPath = /^\/v2\/projects\/adni-progression-dev\/locations\/europe-west4\/jobs/;
    // Act
    const error = await deploy().catch((e: Error) => e);
    api.failPath = undefined;
    // Assess
    expect((error as Error).message).toBe('Google Cloud deploy failed at Cloud Run job adni-progression-ci-preprocess (read): 403 PERMISSION_DENIED Permission denied on resource');
  });
});
