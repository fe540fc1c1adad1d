import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_EXIT } from '../../batch-image/src/exit-codes.js';
import { localDataLayout } from '../../providers/local/data-dir.js';
import { BUNDLED_WORKER_FILE } from '../../shared/pipeline/registration/registration-worker.js';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { StoreStatusSink } from '../../providers/local/store-status-sink.js';
import { REPO_ROOT } from '../../providers/local/job-pool.js';
import { jobEnvironment } from '../../shared/core/job-contract.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { tinyNiftiGz } from './nifti-fixture.js';

const run = promisify(execFile);
const TSX_ENTRY = ['--import', 'tsx', 'batch-image/src/main.ts'];
const BUNDLE = path.join(REPO_ROOT, 'batch-image', 'dist', 'main.js');

/** Runs the entrypoint with exactly `env` (plus PATH); resolves with its exit code and output. */
async function entrypoint(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const session = { patientId: 'P1', sessionDate: '2024-01-01' };
const request: PreprocessJobRequest = {
  ...session,
  jobName: 'adni-test-0123456789ab',
  fingerprint: '0123456789abcdef',
  inputBucket: 'local',
  mriKey: rawKey(session, 'mri'),
  petKey: rawKey(session, 'pet'),
  outputBucket: 'local',
  outputPrefix: preprocessedPrefix(session),
};
// Tiny fixtures: the job validates and copies (the full pipeline is tested in test/pipeline).
const validEnv: Record<string, string> = { ...jobEnvironment(request), ADNI_STORE: 'local', ADNI_PIPELINE: 'validate-only' };

describe('batch entrypoint as a plain Node process', () => {
  it('through tsx: a bad environment exits with the config code, naming the variable, without a stack trace', async () => {
    // Act
    const result = await entrypoint(TSX_ENTRY, { ...validEnv, ADNI_FINGERPRINT: 'xyz' });
    // Assess
    expect(result.code).toBe(BATCH_EXIT.badConfig);
    expect(result.stderr).toBe('adni-batch: invalid job environment: ADNI_FINGERPRINT: fingerprint must be 16 hex characters\n');
  });

  describe('bundled with esbuild (npm run build:batch-image)', () => {
    beforeAll(async () => {
      await run(process.execPath, ['batch-image/build.mjs', BUNDLE], { cwd: REPO_ROOT });
    }, 60_000);

    // Seven short processes: run them side by side.
    it.concurrent.for<[string, Record<string, string>, string | RegExp]>([
      ['a missing patient', (({ ADNI_PATIENT_ID: _, ...rest }) => rest)(validEnv), 'ADNI_PATIENT_ID'],
      ['a bad session date', { ...validEnv, ADNI_SESSION_DATE: '2024-02-30' }, 'ADNI_SESSION_DATE: session date is not a real calendar date'],
      ['a traversal in the output prefix', { ...validEnv, ADNI_OUTPUT_PREFIX: 'preprocessed/../x/' }, 'ADNI_OUTPUT_PREFIX must be preprocessed/P1/2024-01-01/'],
      ['another session\'s output prefix', { ...validEnv, ADNI_OUTPUT_PREFIX: 'preprocessed/P2/2024-01-01/' }, 'ADNI_OUTPUT_PREFIX must be'],
      ['an unknown store', { ...validEnv, ADNI_STORE: 'ftp' }, /ADNI_STORE must be one of local, s3.* \(got "ftp"\)/],
      ['no store', (({ ADNI_STORE: _, ...rest }) => rest)(validEnv), /ADNI_STORE must be one of local, s3.* \(got nothing\)/],
      ['an unknown status sink', { ...validEnv, ADNI_STATUS_SINK: 'fax' }, 'ADNI_STATUS_SINK must be one of'],
    ])('exits with the config code and names the variable for %s, without a stack trace', async ([, env, message], { expect }) => {
      const result = await entrypoint([BUNDLE], env);
      expect(result.code).toBe(BATCH_EXIT.badConfig);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });

    it('ships the registration worker beside main.js, so the two registrations of a job run concurrently', () => {
      expect(existsSync(path.join(path.dirname(BUNDLE), BUNDLED_WORKER_FILE))).toBe(true);
    });

    it('runs a whole job from dist/main.js: outputs uploaded, status completed', async () => {
      // Prepare
      const dataDir = await mkdtemp(path.join(tmpdir(), 'adni-bundle-'));
      const store = new FsObjectStore({ root: localDataLayout({ dataDir }).storeRoot });
      await store.put(request.mriKey, tinyNiftiGz({ seed: 1 }));
      await store.put(request.petKey, tinyNiftiGz({ seed: 2 }));
      // Act
      const result = await entrypoint([BUNDLE], { ...validEnv, ADNI_DATA_DIR: dataDir, ADNI_JOB_ID: 'j-bundle' });
      // Assess
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect((await store.list('preprocessed/P1/2024-01-01/')).map((h) => h.key.split('/').at(-1))).toEqual([
        'mri_brain.nii.gz',
        'pet_suvr.nii.gz',
        'roi_features.json',
      ]);
      expect(await new StoreStatusSink(store).read(session, request.fingerprint)).toMatchObject({ status: 'completed', job_id: 'j-bundle' });
      expect(result.stdout).toContain('"msg":"job completed"');
    });

    it('reports a corrupt input as failed and exits with the reported-failure code', async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'adni-bundle-'));
      const store = new FsObjectStore({ root: localDataLayout({ dataDir }).storeRoot });
      await store.put(request.mriKey, tinyNiftiGz());
      await store.put(request.petKey, 'not an image');
      const result = await entrypoint([BUNDLE], { ...validEnv, ADNI_DATA_DIR: dataDir });
      expect(result.code).toBe(BATCH_EXIT.failedReported);
      expect(result.stderr).toContain('PET input is not gzip-compressed');
      expect(await new StoreStatusSink(store).read(session, request.fingerprint)).toMatchObject({ status: 'failed' });
    });
  });
});
