import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobRequestFor } from '../../providers/gcp/cloud-run-job-submitter.js';
import { GcsObjectStore } from '../../providers/gcp/gcs-object-store.js';
import { REPO_ROOT } from '../../providers/local/job-pool.js';
import { StoreStatusSink } from '../../providers/local/store-status-sink.js';
import { jobName } from '../../shared/core/job-contract.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
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
beforeAll(async () => {
  gcs = await startFakeGcs();
  gcs.createBucket('adni-raw');
  gcs.createBucket('adni-preprocessed');
});
afterAll(async () => gcs?.close());

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
});
