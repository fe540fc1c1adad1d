import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../providers/local/job-pool.js';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { jobArrayManifest, jobArrayManifestKey, manifestRefValue } from '../../shared/core/job-array-manifest.js';
import { jobEnvironment, jobName } from '../../shared/core/job-contract.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { startLoopbackS3, type LoopbackS3 } from '../../test/aws/s3rver.js';
import { tinyNiftiGz } from '../../test/local/nifti-fixture.js';
import { resolveJobEnvironment } from './array-entry.js';

const run = promisify(execFile);
const SESSIONS = [
  { patientId: '002_S_0295', sessionDate: '2011-06-02' },
  { patientId: '002_S_0295', sessionDate: '2012-06-04' },
  { patientId: '011_S_0002', sessionDate: '2011-06-02' },
];
const requestsFor = (inputBucket: string, outputBucket: string): PreprocessJobRequest[] =>
  SESSIONS.map((session, i) => {
    const fingerprint = `00000000000000a${i}`;
    return {
      ...session,
      fingerprint,
      jobName: jobName(session.patientId, session.sessionDate, fingerprint),
      inputBucket,
      mriKey: rawKey(session, 'mri'),
      petKey: rawKey(session, 'pet'),
      outputBucket,
      outputPrefix: preprocessedPrefix(session),
    };
  });

/** Raw inputs of the three sessions and their array manifest, as backfill leaves them in the upload store. */
async function seed(store: ObjectStore, requests: PreprocessJobRequest[], id = '20240301T101500Z-1a2b3c4d') {
  for (const [i, r] of requests.entries()) {
    await store.put(r.mriKey, tinyNiftiGz({ seed: 2 * i + 1 }));
    await store.put(r.petKey, tinyNiftiGz({ seed: 2 * i + 2 }));
  }
  const key = jobArrayManifestKey(id);
  await store.put(key, JSON.stringify(jobArrayManifest(id, requests, new Date())), { contentType: 'application/json' });
  return manifestRefValue({ bucket: store.bucket, key });
}

describe('resolveJobEnvironment (in process, local store)', () => {
  let root: string;
  let store: FsObjectStore;
  const openStore = async () => store;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'adni-array-entry-'));
    store = new FsObjectStore({ root, bucket: 'raw' });
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('an array child gets entry [AWS_BATCH_JOB_ARRAY_INDEX] over its own environment', async () => {
    // Prepare
    const requests = requestsFor('raw', 'out');
    const manifest = await seed(store, requests);
    // Act
    const env = await resolveJobEnvironment({ ADNI_STORE: 'local', ADNI_JOB_MANIFEST: manifest, AWS_BATCH_JOB_ARRAY_INDEX: '1', AWS_BATCH_JOB_ID: 'a:1' }, openStore);
    // Assess
    expect(env).toEqual({ ADNI_STORE: 'local', ADNI_JOB_MANIFEST: manifest, AWS_BATCH_JOB_ARRAY_INDEX: '1', AWS_BATCH_JOB_ID: 'a:1', ...jobEnvironment(requests[1]) });
  });

  it('a single job (no manifest) is unchanged, and no store is opened', async () => {
    const env = { ...jobEnvironment(requestsFor('raw', 'out')[0]), AWS_BATCH_JOB_ARRAY_INDEX: '4' };
    expect(await resolveJobEnvironment(env, () => Promise.reject(new Error('opened')))).toBe(env);
  });

  it.each([
    ['an index out of range', { AWS_BATCH_JOB_ARRAY_INDEX: '3' }, /AWS_BATCH_JOB_ARRAY_INDEX 3 is out of range: the manifest lists 3 jobs/],
    ['a manifest without an index', { AWS_BATCH_JOB_ARRAY_INDEX: undefined }, /ADNI_JOB_MANIFEST is set but AWS_BATCH_JOB_ARRAY_INDEX is not/],
    ['a missing manifest', { ADNI_JOB_MANIFEST: 'raw/jobs/arrays/nope.json' }, /job array manifest not found: jobs\/arrays\/nope\.json/],
    ['a reference outside jobs/arrays/', { ADNI_JOB_MANIFEST: 'raw/raw/002_S_0295/2011-06-02/mri.nii.gz' }, /ADNI_JOB_MANIFEST must be \{bucket\}\/jobs\/arrays\/\{id\}\.json$/],
  ])('refuses %s with a readable error naming no patient', async (_name, overrides, message) => {
    // Prepare
    const manifest = await seed(store, requestsFor('raw', 'out'));
    // Act
    const attempt = resolveJobEnvironment({ ADNI_STORE: 'local', ADNI_JOB_MANIFEST: manifest, AWS_BATCH_JOB_ARRAY_INDEX: '0', ...overrides }, openStore);
    // Assess
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.not.toThrow(/002_S_0295|011_S_0002/);
  });

  it('refuses a manifest that fails its schema', async () => {
    await store.put('jobs/arrays/bad.json', JSON.stringify({ version: 1, id: 'bad', createdAt: new Date().toISOString(), jobs: [{ ADNI_PATIENT_ID: '002_S_0295' }, {}] }));
    const attempt = resolveJobEnvironment({ ADNI_STORE: 'local', ADNI_JOB_MANIFEST: 'raw/jobs/arrays/bad.json', AWS_BATCH_JOB_ARRAY_INDEX: '0' }, openStore);
    await expect(attempt).rejects.toThrow(/^invalid job array manifest: jobs\.0\.ADNI_SESSION_DATE/);
    await expect(attempt).rejects.not.toThrow(/002_S_0295/);
  });
});

describe('the batch entrypoint as an AWS Batch array child (node process, S3 on s3rver, validate-only)', () => {
  let s3: LoopbackS3;
  beforeAll(async () => {
    s3 = await startLoopbackS3();
  });
  afterAll(async () => s3?.close());

  /** main.ts as Batch starts a child: the job definition's static env, the manifest override, Batch's index. */
  const entrypoint = (manifest: string, index: string) =>
    run(process.execPath, ['--import', 'tsx', 'batch-image/src/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        ADNI_STORE: 's3',
        ADNI_STATUS_SINK: 'log',
        ADNI_PIPELINE: 'validate-only',
        ADNI_S3_ENDPOINT: s3.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
        ADNI_JOB_MANIFEST: manifest,
        AWS_BATCH_JOB_ARRAY_INDEX: index,
      },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('child 1 runs session 1’s job (and only that one); index 3 of 3 exits 21 with a clear error', async () => {
    // Prepare
    const raw = await s3.newStore();
    const out = await s3.newStore();
    const manifest = await seed(raw, requestsFor(raw.bucket, out.bucket));
    // Act
    const child = await entrypoint(manifest, '1');
    const outOfRange = await entrypoint(manifest, '3');
    // Assess: outputs of session 1 only, committed like a single job's
    expect(child.code, child.stderr).toBe(0);
    const written = (await out.list('preprocessed/')).map((h) => h.key).sort();
    expect(written).toEqual(['mri_brain.nii.gz', 'pet_suvr.nii.gz', 'roi_features.json'].map((f) => `${preprocessedPrefix(SESSIONS[1])}${f}`));
    expect(outOfRange.code).toBe(21);
    expect(outOfRange.stderr).toContain('adni-batch: AWS_BATCH_JOB_ARRAY_INDEX 3 is out of range: the manifest lists 3 jobs');
    expect(child.stdout + child.stderr + outOfRange.stdout + outOfRange.stderr).not.toMatch(/002_S_0295|011_S_0002/);
  }, 60_000);
});
