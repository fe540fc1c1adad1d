import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { serve, type ServerType } from '@hono/node-server';
import type { Task } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_EXIT } from '../../batch-image/src/exit-codes.js';
import { azureUploadDepsFromEnv } from '../../functions/azure/upload-trigger.js';
import { containerGroupFor, type AciJobSubmitterOptions } from '../../providers/azure/aci-job-submitter.js';
import { azureTemplates } from '../../providers/azure/sls/arm-template.js';
import { readAzureSettings } from '../../providers/azure/sls/settings.js';
import { fhirRoutes } from '../../providers/local/fhir/routes.js';
import { createBlobStore } from '../../providers/azure/create-blob-store.js';
import { REPO_ROOT } from '../../providers/local/job-pool.js';
import { StoreStatusSink } from '../../providers/local/store-status-sink.js';
import { jobName } from '../../shared/core/job-contract.js';
import { taskFacts, taskQuery } from '../../shared/fhir/mapping.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { memoryFhirStore } from '../fhir/memory-store.js';
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
// FHIR: the in-memory repository behind the product's own FHIR REST routes, over real HTTP on loopback.
const fhir = memoryFhirStore();
let fhirServer: ServerType;
let fhirBase: string;
beforeAll(async () => {
  azurite = await startAzurite();
  const service = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey));
  for (const c of ['raw', 'preprocessed']) await service.getContainerClient(c).create();
  const app = new Hono();
  app.route('/', fhirRoutes({ repo: fhir.repo }));
  fhirServer = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  fhirBase = `http://127.0.0.1:${(fhirServer.address() as AddressInfo).port}/fhir/R4`;
});
afterAll(async () => {
  await azurite?.stop();
  await new Promise<void>((resolve) => (fhirServer ? fhirServer.close(() => resolve()) : resolve()));
});

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

  it('with FHIR in the Function App settings, the job the upload trigger submits reports its Task to FHIR as the job identity', async () => {
    // Prepare: the upload trigger's own dependencies from Function App settings as the ARM template writes them
    // (plus a connection string for Azurite), then the container group its submitter would create.
    const session2 = { patientId: 'P17', sessionDate: '2024-06-02' };
    const request2: PreprocessJobRequest = { ...request, ...session2, mriKey: rawKey(session2, 'mri'), petKey: rawKey(session2, 'pet'), outputPrefix: preprocessedPrefix(session2), jobName: jobName('P17', '2024-06-02', request.fingerprint) };
    const raw = createBlobStore({ connectionString: azurite.connectionString, container: 'raw' });
    await raw.put(request2.mriKey, tinyNiftiGz({ seed: 7 }));
    await raw.put(request2.petKey, tinyNiftiGz({ seed: 8 }));
    const functionApp = {
      ADNI_STORAGE_CONNECTION_STRING: azurite.connectionString,
      ADNI_UPLOAD_CONTAINER: 'raw',
      ADNI_OUTPUT_CONTAINER: 'preprocessed',
      ADNI_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
      ADNI_RESOURCE_GROUP: 'rg',
      ADNI_LOCATION: 'swedencentral',
      ADNI_JOB_IMAGE: 'ghcr.io/adni/preprocessing:0.1.0',
      ADNI_JOB_IDENTITY_ID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/job',
      ADNI_JOB_IDENTITY_CLIENT_ID: '00000000-0000-0000-0000-000000000002',
      FHIR_BASE_URL: fhirBase,
      FHIR_AUTH: 'azure',
    };
    const deps = await azureUploadDepsFromEnv(functionApp);
    const options = (deps.jobs as unknown as { options: AciJobSubmitterOptions }).options;
    const env = Object.fromEntries(containerGroupFor(request2, options).containers[0].environmentVariables!.map((v) => [v.name, v.value!]));
    // Act: the entrypoint with that environment. Azurite has no Entra ID and this FHIR server no auth: the connection
    // string stands in for the identity's Blob access, FHIR_AUTH=none for its FHIR token (both asserted below).
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'batch-image/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, ...env, ADNI_STORAGE_CONNECTION_STRING: azurite.connectionString, FHIR_AUTH: 'none', ADNI_JOB_ID: 'aci-job-3', ...PLUMBING },
      timeout: 60_000,
    });
    // Assess: the job's settings, then the Task it left in FHIR and its status record next to the outputs.
    expect(env).toMatchObject({ ADNI_STATUS_SINK: 'store,fhir', FHIR_BASE_URL: fhirBase, FHIR_AUTH: 'azure', AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000002' });
    expect(env.FHIR_TOKEN).toBeUndefined();
    const tasks = await fhir.store.search<Task>('Task', taskQuery(request2));
    expect(tasks).toHaveLength(1);
    const facts = taskFacts(tasks[0]);
    expect(facts).toMatchObject({ status: 'completed', jobId: 'aci-job-3' });
    expect(Object.keys(facts.outputs)).toEqual(expect.arrayContaining(['roi_features']));
    const out = createBlobStore({ connectionString: azurite.connectionString, container: 'preprocessed' });
    expect(await new StoreStatusSink(out).read(session2, request2.fingerprint)).toMatchObject({ status: 'completed', job_id: 'aci-job-3' });
  }, 90_000);

  it('without FHIR in the settings the job keeps its default sink (status records only)', async () => {
    const deps = await azureUploadDepsFromEnv({
      ADNI_STORAGE_CONNECTION_STRING: azurite.connectionString, ADNI_UPLOAD_CONTAINER: 'raw', ADNI_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
      ADNI_RESOURCE_GROUP: 'rg', ADNI_LOCATION: 'swedencentral', ADNI_JOB_IMAGE: 'img', ADNI_JOB_IDENTITY_ID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/job',
      ADNI_JOB_IDENTITY_CLIENT_ID: '00000000-0000-0000-0000-000000000002',
    });
    const options = (deps.jobs as unknown as { options: AciJobSubmitterOptions }).options;
    const names = containerGroupFor(request, options).containers[0].environmentVariables!.map((v) => v.name);
    expect(names).not.toContain('ADNI_STATUS_SINK');
    expect(names.filter((n) => n.startsWith('FHIR_'))).toEqual([]);
  });

  it('what a killed attempt leaves under staging/ expires: the storage lifecycle deletes it after 7 days', () => {
    // Prepare
    const settings = readAzureSettings({
      service: 'adni-progression',
      stage: 'ci',
      provider: {
        name: 'azure', runtime: 'node22', region: 'swedencentral', resourceGroup: 'adni-progression-ci', namePrefix: 'adniprog', webOrigin: 'http://localhost:8080',
        auth: { tenant: 'contoso.onmicrosoft.com', audience: '66666666-7777-8888-9999-000000000000' },
        storage: { rawContainer: 'raw', preprocessedContainer: 'preprocessed' },
        functionApp: { entry: '../../functions/azure/index.ts' },
        preprocessingJob: { image: 'ghcr.io/adni/preprocessing:0.1.0', cpu: 4, memoryGb: 16, timeoutMinutes: 30 },
      },
      functions: { uploadEventGrid: { handler: 'x', events: [{ eventGrid: { container: 'raw', subjectBeginsWith: 'raw/', subjectEndsWith: '.nii.gz' } }] } },
    });
    // Act
    const policy = azureTemplates(settings).infrastructure.resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts/managementPolicies')!;
    const rule = (policy.properties as { policy: { rules: { name: string; definition: any }[] } }).policy.rules.find((r) => r.name === 'expire-stale-staging');
    // Assess
    expect(rule?.definition.filters.prefixMatch).toEqual(['preprocessed/staging/']);
    expect(rule?.definition.actions.baseBlob.delete).toEqual({ daysAfterModificationGreaterThan: 7 });
  });
});
