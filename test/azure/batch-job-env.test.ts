import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_EXIT } from '../../batch-image/src/exit-codes.js';
import { containerGroupFor } from '../../providers/azure/aci-job-submitter.js';
import { createBlobStore } from '../../providers/azure/create-blob-store.js';
import { REPO_ROOT } from '../../providers/local/job-pool.js';
import { StoreStatusSink } from '../../providers/local/store-status-sink.js';
import { jobName } from '../../shared/core/job-contract.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { tinyNiftiGz } from '../local/nifti-fixture.js';
import { startAzurite, type RunningAzurite } from './azurite.js';

/** The pipeline's plumbing mode: tiny fixtures no registration could use; the storage path is what is under test. */
const PLUMBING = { ADNI_PIPELINE: 'validate-only' };

const session = { patientId: 'P7', sessionDate: '2024-05-02' };
const request: PreprocessJobRequest = {
  ...session,
  fingerprint: 'fedcba9876543210',
  jobName: jobName(session.patientId, session.sessionDate, 'fedcba9876543210'),
  inputBucket: 'raw',
  mriKey: rawKey(session, 'mri'),
  petKey: rawKey(session, 'pet'),
  outputBucket: 'preprocessed',
  outputPrefix: preprocessedPrefix(session),
};

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
  const service = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey));
  for (const c of ['raw', 'preprocessed']) await service.getContainerClient(c).create();
});
afterAll(async () => azurite?.stop());

/** The container group's environment as a record. */
function aciEnv(extra: { timeoutSeconds?: number } = {}): Record<string, string> {
  const group = containerGroupFor(request, {
    client: { subscriptionId: 's' } as never,
    resourceGroup: 'rg',
    location: 'swedencentral',
    image: 'ghcr.io/adni/preprocessing:0.1.0',
    identityId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/job',
    identityClientId: '00000000-0000-0000-0000-000000000002',
    environment: { ADNI_STORAGE_CONNECTION_STRING: azurite.connectionString },
    ...extra,
  });
  return Object.fromEntries(group.containers[0].environmentVariables!.map((v) => [v.name, v.value!]));
}

describe('the ACI container environment runs the batch image (same contract as AWS Batch)', () => {
  it('the env AciJobSubmitter puts in the container group makes the entrypoint preprocess raw -> preprocessed on Blob', async () => {
    // Prepare: the inputs in the raw container, and the environment exactly as the submitter builds it (a
    // connection string stands in for the managed identity, which Azurite cannot do).
    const raw = createBlobStore({ connectionString: azurite.connectionString, container: 'raw' });
    await raw.put(request.mriKey, tinyNiftiGz({ seed: 3 }));
    await raw.put(request.petKey, tinyNiftiGz({ seed: 4 }));
    const env = aciEnv({ timeoutSeconds: 1800 });
    // Act: the entrypoint the image runs, as a plain Node process with only that environment.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'batch-image/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, ...env, ADNI_JOB_ID: 'aci-job-1', ...PLUMBING },
      timeout: 60_000,
    });
    // Assess
    expect(env.ADNI_STORE).toBe('azure');
    const out = createBlobStore({ connectionString: azurite.connectionString, container: 'preprocessed' });
    expect((await out.list(request.outputPrefix)).map((h) => h.key.split('/').at(-1))).toEqual(expect.arrayContaining(['mri_brain.nii.gz', 'pet_suvr.nii.gz', 'roi_features.json']));
    expect(await new StoreStatusSink(out).read(session, request.fingerprint)).toMatchObject({ status: 'completed', job_id: 'aci-job-1' });
    expect(stdout).toContain('"msg":"job completed"');
    expect(stdout).not.toContain('P7');
  }, 90_000);

  it('ACI has no run time limit: the submitter\'s timeout makes the job stop itself and report failed', async () => {
    // Prepare: a limit far shorter than the job (1 ms), as the env the submitter would give a 30-minute one.
    const env = aciEnv({ timeoutSeconds: 0.001 });
    // Act
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'batch-image/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, ...env, ADNI_JOB_ID: 'aci-job-2', ...PLUMBING },
      timeout: 60_000,
    }).catch((error: { code: number; stderr: string }) => error);
    // Assess
    expect(env.ADNI_JOB_TIMEOUT_SECONDS).toBe('0.001');
    expect((result as { code: number }).code).toBe(BATCH_EXIT.failedReported);
    const out = createBlobStore({ connectionString: azurite.connectionString, container: 'preprocessed' });
    expect(await new StoreStatusSink(out).read(session, request.fingerprint)).toMatchObject({ status: 'failed', job_id: 'aci-job-2' });
  }, 90_000);
});
