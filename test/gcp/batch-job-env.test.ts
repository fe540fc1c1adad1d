import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { Storage } from '@google-cloud/storage';
import { serve, type ServerType } from '@hono/node-server';
import type { Task } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobRequestFor } from '../../providers/gcp/cloud-run-job-submitter.js';
import { GcsObjectStore } from '../../providers/gcp/gcs-object-store.js';
import { gcpPlan } from '../../providers/gcp/sls/plan.js';
import { readGcpSettings } from '../../providers/gcp/sls/settings.js';
import { fhirRoutes } from '../../providers/local/fhir/routes.js';
import { REPO_ROOT } from '../../providers/local/job-pool.js';
import { StoreStatusSink } from '../../providers/local/store-status-sink.js';
import { jobName } from '../../shared/core/job-contract.js';
import { taskFacts, taskQuery } from '../../shared/fhir/mapping.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { memoryFhirStore } from '../fhir/memory-store.js';
import { tinyNiftiGz } from '../local/nifti-fixture.js';
import { startFakeGcs, type FakeGcs } from './fake-gcs.js';

/** The pipeline's plumbing mode: tiny fixtures no registration could use; the storage path is what is under test. */
const PLUMBING = { ADNI_PIPELINE: 'validate-only' };

const session = { patientId: 'P8', sessionDate: '2024-05-03' };
const request: PreprocessJobRequest = {
  ...session,
  fingerprint: '0011223344556677',
  jobName: jobName(session.patientId, session.sessionDate, '0011223344556677'),
  inputBucket: 'adni-raw',
  mriKey: rawKey(session, 'mri'),
  petKey: rawKey(session, 'pet'),
  outputBucket: 'adni-preprocessed',
  outputPrefix: preprocessedPrefix(session),
};

let gcs: FakeGcs;
const store = (bucket: string) => new GcsObjectStore({ storage: new Storage({ apiEndpoint: gcs.url, projectId: 'adni-test' }), bucket });
// FHIR: the in-memory repository behind the product's own FHIR REST routes, over real HTTP on loopback.
const fhir = memoryFhirStore();
let fhirServer: ServerType;
let fhirBase: string;
beforeAll(async () => {
  gcs = await startFakeGcs();
  gcs.createBucket('adni-raw');
  gcs.createBucket('adni-preprocessed');
  const app = new Hono();
  app.route('/', fhirRoutes({ repo: fhir.repo }));
  fhirServer = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  fhirBase = `http://127.0.0.1:${(fhirServer.address() as AddressInfo).port}/fhir/R4`;
});
afterAll(async () => {
  await gcs?.close();
  await new Promise<void>((resolve) => (fhirServer ? fhirServer.close(() => resolve()) : resolve()));
});

/** The Cloud Run Job's own container env from the deployment plan, for serverless.yml settings with `fhirBaseUrl`. */
function planJobEnv(fhirBaseUrl: string): Record<string, string> {
  const settings = readGcpSettings({
    service: 'adni-progression',
    stage: 'ci',
    provider: {
      name: 'google', runtime: 'nodejs22', project: 'adni-test', region: 'europe-west4', bucketPrefix: 'adni', webOrigin: 'http://localhost:8080',
      auth: { issuer: 'https://securetoken.google.com/adni-test', audience: 'adni-test' }, storage: {}, source: { entry: '../../functions/gcp/index.ts' },
      preprocessingJob: { image: 'europe-west4-docker.pkg.dev/p/adni/preprocessing:0.1.0', cpu: 4, memoryGb: 16, timeoutMinutes: 30 },
      fhirBaseUrl,
    },
    functions: { api: { handler: 'api', events: [{ http: { method: 'POST', path: '/uploads' } }] } },
  });
  const job = gcpPlan(settings, 'gcp-source.zip').steps.find((s) => s.kind === 'cloudRunJob')!;
  const env: { name: string; value: string }[] = 'body' in job ? job.body.template.template.containers[0].env : [];
  return Object.fromEntries(env.map((e) => [e.name, e.value]));
}

describe('the Cloud Run Job execution environment runs the batch image (same contract as AWS Batch)', () => {
  it('the job env plus the per-execution overrides make the entrypoint preprocess raw -> preprocessed on GCS', async () => {
    // Prepare: the inputs, and the environment Cloud Run gives the task: the job's own env (gcp-plan.json) with
    // the overrides CloudRunJobSubmitter sends on top. ADNI_GCS_ENDPOINT points the SDK at the fake.
    await store('adni-raw').put(request.mriKey, tinyNiftiGz({ seed: 5 }));
    await store('adni-raw').put(request.petKey, tinyNiftiGz({ seed: 6 }));
    const run = runJobRequestFor(request, { client: {} as never, projectId: 'adni-test', region: 'europe-west4', jobName: 'adni-preprocess', environment: { ADNI_GCP_PROJECT: 'adni-test' } });
    const jobEnv = { ADNI_STORE: 'gcp', ADNI_GCP_PROJECT: 'adni-test', ADNI_GCS_ENDPOINT: gcs.url };
    const overrides = Object.fromEntries(run.overrides!.containerOverrides![0].env!.map((v) => [v.name!, v.value!]));
    // Act
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'batch-image/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, ...jobEnv, ...overrides, ADNI_JOB_ID: 'run-exec-1', ...PLUMBING },
      timeout: 60_000,
    });
    // Assess
    expect(overrides.ADNI_STORE).toBe('gcp');
    const out = store('adni-preprocessed');
    expect((await out.list(request.outputPrefix)).map((h) => h.key.split('/').at(-1))).toEqual(expect.arrayContaining(['mri_brain.nii.gz', 'pet_suvr.nii.gz', 'roi_features.json']));
    expect(await new StoreStatusSink(out).read(session, request.fingerprint)).toMatchObject({ status: 'completed', job_id: 'run-exec-1' });
    expect(stdout).toContain('"msg":"job completed"');
    expect(stdout).not.toContain('P8');
  }, 90_000);

  it('with fhirBaseUrl in serverless.yml, the Cloud Run Job reports its Task to FHIR as its service account', async () => {
    // Prepare: the job's env from the deployment plan plus the per-execution overrides, as Cloud Run merges them.
    const session2 = { patientId: 'P18', sessionDate: '2024-06-03' };
    const request2: PreprocessJobRequest = { ...request, ...session2, mriKey: rawKey(session2, 'mri'), petKey: rawKey(session2, 'pet'), outputPrefix: preprocessedPrefix(session2), jobName: jobName('P18', '2024-06-03', request.fingerprint) };
    await store('adni-raw').put(request2.mriKey, tinyNiftiGz({ seed: 9 }));
    await store('adni-raw').put(request2.petKey, tinyNiftiGz({ seed: 10 }));
    const jobEnv = planJobEnv(fhirBase);
    const run = runJobRequestFor(request2, { client: {} as never, projectId: 'adni-test', region: 'europe-west4', jobName: 'adni-preprocess', environment: { ADNI_GCP_PROJECT: 'adni-test' } });
    const overrides = Object.fromEntries(run.overrides!.containerOverrides![0].env!.map((v) => [v.name!, v.value!]));
    // Act: the fake GCS and this FHIR server take no credentials, so ADC is replaced by the endpoint and FHIR_AUTH=none
    // (the plan's google auth is asserted below).
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'batch-image/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, ...jobEnv, ...overrides, ADNI_GCS_ENDPOINT: gcs.url, FHIR_AUTH: 'none', ADNI_JOB_ID: 'run-exec-3', ...PLUMBING },
      timeout: 60_000,
    });
    // Assess
    expect(jobEnv).toMatchObject({ ADNI_STORE: 'gcp', ADNI_STATUS_SINK: 'store,fhir', FHIR_BASE_URL: fhirBase, FHIR_AUTH: 'google' });
    const tasks = await fhir.store.search<Task>('Task', taskQuery(request2));
    expect(tasks).toHaveLength(1);
    expect(taskFacts(tasks[0])).toMatchObject({ status: 'completed', jobId: 'run-exec-3' });
    expect(await new StoreStatusSink(store('adni-preprocessed')).read(session2, request2.fingerprint)).toMatchObject({ status: 'completed', job_id: 'run-exec-3' });
  }, 90_000);

  it('without fhirBaseUrl the job template has no FHIR settings and keeps its default sink', () => {
    const jobEnv = planJobEnv('');
    expect(Object.keys(jobEnv).sort()).toEqual(['ADNI_GCP_PROJECT', 'ADNI_STORE']);
  });

  it('what a killed attempt leaves under staging/ expires: the preprocessed bucket deletes it after 7 days, the raw bucket has no such rule', () => {
    // Prepare
    const settings = readGcpSettings({
      service: 'adni-progression', stage: 'ci',
      provider: {
        name: 'google', runtime: 'nodejs22', project: 'adni-test', region: 'europe-west4', bucketPrefix: 'adni', webOrigin: 'http://localhost:8080',
        auth: { issuer: 'https://securetoken.google.com/adni-test', audience: 'adni-test' }, storage: {}, source: { entry: '../../functions/gcp/index.ts' },
        preprocessingJob: { image: 'europe-west4-docker.pkg.dev/p/adni/preprocessing:0.1.0', cpu: 4, memoryGb: 16, timeoutMinutes: 30 },
      },
      functions: { api: { handler: 'api', events: [{ http: { method: 'POST', path: '/uploads' } }] } },
    });
    // Act
    const buckets = gcpPlan(settings, 'gcp-source.zip').steps.flatMap((s) => (s.kind === 'bucket' ? [s] : []));
    const stagingRules = (name: string) =>
      (buckets.find((b) => b.name.includes(name))!.body as { lifecycle: { rule: { condition: { matchesPrefix?: string[]; age?: number } }[] } }).lifecycle.rule.filter((r) => r.condition.matchesPrefix?.includes('staging/'));
    // Assess
    expect(stagingRules('preprocessed')).toEqual([{ action: { type: 'Delete' }, condition: { age: 7, matchesPrefix: ['staging/'] } }]);
    expect(stagingRules('raw')).toEqual([]);
    // GCS answers a preflight's Access-Control-Allow-Headers from responseHeader: browsers may send the signed size range.
    const cors = (buckets.find((b) => b.name.includes('raw'))!.body as { cors: { responseHeader: string[] }[] }).cors[0];
    expect(cors.responseHeader).toContain('x-goog-content-length-range');
  });
});
