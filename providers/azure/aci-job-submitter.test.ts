import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEnvironmentSchema } from '../../shared/core/job-contract.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { hasOpenssl, startLoopback, type Loopback, type RecordedRequest } from '../../test/azure/loopback.js';
import { StaticTokenCredential } from '../../test/azure/static-token-credential.js';
import { AciJobSubmitter, type AciJobSubmitterOptions } from './aci-job-submitter.js';
import { AciJobStatusReader } from './aci-job-status.js';

const SUB = '00000000-0000-0000-0000-000000000001';
const IDENTITY = `/subscriptions/${SUB}/resourceGroups/adni-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/adni-jobs`;

const request: PreprocessJobRequest = {
  patientId: 'SECRET-P001',
  sessionDate: '2024-03-01',
  jobName: 'adni-3f1c9a0b2d-0123456789ab',
  fingerprint: '0123456789abcdef',
  inputBucket: 'uploads',
  mriKey: 'raw/SECRET-P001/2024-03-01/mri.nii.gz',
  petKey: 'raw/SECRET-P001/2024-03-01/pet.nii.gz',
  mriVersion: '2024-03-01T10:15:04.7203479Z',
  outputBucket: 'uploads',
  outputPrefix: 'preprocessed/SECRET-P001/2024-03-01/',
};

/** Container groups the fake ARM holds, by name; GET answers from here (what a test puts in). */
const groups = new Map<string, { status: number; body: unknown }>();
let arm: Loopback;
let credential: StaticTokenCredential;
let client: ContainerInstanceManagementClient;

describe.skipIf(!hasOpenssl())('ACI job submission through the real ARM SDK (loopback ARM over TLS; needs openssl)', () => {
  beforeAll(async () => {
    arm = await startLoopback(
      (r: RecordedRequest) => {
        const name = decodeURIComponent(r.url.split('?')[0].split('/').pop() ?? '');
        if (r.method === 'PUT') {
          // ARM answers a create with the resource and provisioningState Succeeded for quick groups.
          const body = { ...r.json, id: r.url.split('?')[0], name, properties: { ...r.json.properties, provisioningState: 'Succeeded' } };
          return { status: 201, body };
        }
        const stored = groups.get(name);
        if (stored) return stored;
        return { status: 404, body: { error: { code: 'ResourceNotFound', message: `The Resource '${name}' was not found.` } } };
      },
      { tls: true },
    );
    credential = new StaticTokenCredential();
    client = new ContainerInstanceManagementClient(credential, SUB, {
      endpoint: arm.url,
      $host: arm.url,
      credentialScopes: ['https://management.azure.com/.default'],
      tlsOptions: { ca: arm.ca },
      retryOptions: { maxRetries: 0 },
    });
  });
  afterAll(async () => arm?.close());

  const options = (): AciJobSubmitterOptions => ({
    client,
    resourceGroup: 'adni-rg',
    location: 'westeurope',
    image: 'adniacr.azurecr.io/adni-batch:1.0.0',
    identityId: IDENTITY,
    identityClientId: '11111111-2222-3333-4444-555555555555',
    registryServer: 'adniacr.azurecr.io',
    environment: { ADNI_AZURE_BLOB_URL: 'https://adniuploads.blob.core.windows.net' },
  });

  it('PUTs one container group per job: restart Never, same image, job environment, managed identity', async () => {
    // Prepare
    arm.requests.length = 0;
    const jobs = new AciJobSubmitter(options());
    // Act
    const submitted = await jobs.submit(request);
    // Assess
    const puts = arm.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1);
    const put = puts[0];
    const [pathPart, query] = put.url.split('?');
    expect(pathPart).toBe(`/subscriptions/${SUB}/resourceGroups/adni-rg/providers/Microsoft.ContainerInstance/containerGroups/${request.jobName}`);
    expect(new URLSearchParams(query).get('api-version')).toBe('2023-05-01');
    expect(put.headers.authorization).toBe('Bearer test-token');
    expect(credential.scopes).toContain('https://management.azure.com/.default');
    expect(put.json).toMatchObject({
      location: 'westeurope',
      identity: { type: 'UserAssigned', userAssignedIdentities: { [IDENTITY]: {} } },
      properties: {
        osType: 'Linux',
        restartPolicy: 'Never',
        imageRegistryCredentials: [{ server: 'adniacr.azurecr.io', identity: IDENTITY }],
        containers: [{ name: 'preprocess', properties: { image: 'adniacr.azurecr.io/adni-batch:1.0.0', resources: { requests: { cpu: 4, memoryInGB: 16 } } } }],
      },
    });
    const env = Object.fromEntries(
      (put.json.properties.containers[0].properties.environmentVariables as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    expect(JobEnvironmentSchema.parse(env)).toMatchObject({ ADNI_PATIENT_ID: 'SECRET-P001', ADNI_MRI_KEY: request.mriKey, ADNI_MRI_VERSION: request.mriVersion });
    expect(env).toMatchObject({ ADNI_STORE: 'azure', AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555', ADNI_AZURE_BLOB_URL: 'https://adniuploads.blob.core.windows.net' });
    expect(JSON.stringify(put.json.tags)).not.toContain('SECRET');
    expect(submitted).toEqual({ jobId: pathPart, provider: 'azure-aci' });
  });

  it('is idempotent: resubmitting the same job targets the same container group', async () => {
    arm.requests.length = 0;
    const jobs = new AciJobSubmitter(options());
    const a = await jobs.submit(request);
    const b = await jobs.submit(structuredClone(request));
    const names = new Set(arm.requests.filter((r) => r.method === 'PUT').map((r) => r.url));
    expect(names.size).toBe(1);
    expect(a.jobId).toBe(b.jobId);
  });

  it('throws the ARM error when the group is refused, so the core releases its claim', async () => {
    const refusing = await startLoopback(
      () => ({ status: 409, body: { error: { code: 'ContainerGroupQuotaReached', message: 'Resource type quota exceeded' } } }),
      { tls: true },
    );
    try {
      const refused = new ContainerInstanceManagementClient(credential, SUB, {
        endpoint: refusing.url, $host: refusing.url, tlsOptions: { ca: refusing.ca }, retryOptions: { maxRetries: 0 },
      });
      await expect(new AciJobSubmitter({ ...options(), client: refused }).submit(request)).rejects.toThrow('quota');
    } finally {
      await refusing.close();
    }
  });

  const group = (provisioningState: string, currentState?: object, events: object[] = []) => ({
    status: 200,
    body: {
      id: 'x', name: 'g', location: 'westeurope',
      properties: {
        provisioningState, osType: 'Linux',
        containers: [{ name: 'preprocess', properties: { image: 'i', resources: { requests: { cpu: 1, memoryInGB: 1 } }, instanceView: { currentState, events } } }],
      },
    },
  });

  it.each([
    ['creating', group('Creating'), { status: 'requested' }],
    ['running', group('Succeeded', { state: 'Running' }), { status: 'in-progress' }],
    ['finished', group('Succeeded', { state: 'Terminated', exitCode: 0, detailStatus: 'Completed' }), { status: 'completed', exitCode: 0 }],
    ['crashed', group('Succeeded', { state: 'Terminated', exitCode: 3, detailStatus: 'Error' }), { status: 'failed', exitCode: 3, reason: 'preprocessing exited with code 3 (Error)' }],
    ['unprovisionable', group('Failed', undefined, [{ message: 'Failed to pull image' }]), { status: 'failed', reason: 'the container group could not be provisioned: Failed to pull image' }],
  ])('reads the state of a %s job', async (name, reply, expected) => {
    groups.set(`status-${name}`, reply);
    const state = await new AciJobStatusReader(client, 'adni-rg').read(`status-${name}`);
    expect(state).toEqual(expected);
  });

  it('reads a missing group as undefined', async () => {
    expect(await new AciJobStatusReader(client, 'adni-rg').read('never-submitted')).toBeUndefined();
  });
});
