import { HttpRequest } from '@azure/functions';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobObjectStore } from '../../providers/azure/blob-object-store.js';
import { startAzurite, type RunningAzurite } from '../../test/azure/azurite.js';
import { withCloudGuards } from '../../shared/auth/cloud-guards.js';
import { MemoryLogger } from '../../test/support/recorders.js';
import { azureHttpDepsFromEnv, createAzureHttpHandler } from './http-api.js';

let azurite: RunningAzurite;
let store: BlobObjectStore;
beforeAll(async () => {
  azurite = await startAzurite();
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  const service = new BlobServiceClient(azurite.blobEndpoint, credential);
  await service.getContainerClient('uploads').create();
  store = new BlobObjectStore({ service, container: 'uploads', sharedKeyCredential: credential });
});
afterAll(async () => azurite?.stop());

const post = (path: string, body: string) =>
  new HttpRequest({ method: 'POST', url: `https://adni-func.azurewebsites.net${path}`, headers: { 'content-type': 'application/json' }, body: { string: body } });

describe('Azure HTTP API (app.http → shared hono app)', () => {
  it('POST /uploads returns SAS URLs that upload straight into Blob Storage', async () => {
    // Prepare
    const handler = createAzureHttpHandler(() => ({ store, logger: new MemoryLogger() }));
    // Act
    const response = await handler(post('/uploads', JSON.stringify({ patient_id: 'P1', session_date: '2024-01-01' })));
    // Assess
    expect(response.status).toBe(201);
    const body = JSON.parse(new TextDecoder().decode(response.body as Uint8Array));
    expect(body.uploads.mri).toMatchObject({ key: 'raw/P1/2024-01-01/mri.nii.gz', method: 'PUT' });
    const put = await fetch(body.uploads.mri.url, { method: 'PUT', headers: body.uploads.mri.headers, body: 'gz-bytes' });
    expect(put.status).toBe(201);
    expect(new TextDecoder().decode(await store.get('raw/P1/2024-01-01/mri.nii.gz'))).toBe('gz-bytes');
  });

  it('answers bad input with the API error shape, naming the field', async () => {
    const handler = createAzureHttpHandler(() => ({ store, logger: new MemoryLogger() }));
    const response = await handler(post('/uploads', JSON.stringify({ patient_id: '../x', session_date: '2024-01-01' })));
    expect(response.status).toBe(400);
    expect(JSON.parse(new TextDecoder().decode(response.body as Uint8Array))).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('GET routes work and unknown routes get a JSON 404', async () => {
    const handler = createAzureHttpHandler(() => ({ store, logger: new MemoryLogger() }));
    const health = await handler(new HttpRequest({ method: 'GET', url: 'https://x/health' }));
    const missing = await handler(new HttpRequest({ method: 'GET', url: 'https://x/nope' }));
    expect(health.status).toBe(200);
    expect(missing.status).toBe(404);
    expect(missing.headers).toMatchObject({ 'content-type': expect.stringContaining('application/json') });
  });

  it('wired as index.ts wires it, without AUTH_* (no Entra ID settings) every route answers 500 misconfigured, never open', async () => {
    // Prepare: the production guard over working storage, with the token settings missing.
    const logger = new MemoryLogger();
    const handler = createAzureHttpHandler(async () => withCloudGuards({ store, logger: new MemoryLogger() }, {}), logger);
    // Act
    const responses = await Promise.all([handler(post('/uploads', JSON.stringify({ patient_id: 'P1', session_date: '2024-01-01' }))), handler(new HttpRequest({ method: 'GET', url: 'https://x/patients' }))]);
    // Assess
    for (const response of responses) expect(response).toMatchObject({ status: 500, jsonBody: { error: { code: 'misconfigured' } } });
    expect(logger.text()).toContain('AUTH_ISSUER and AUTH_AUDIENCE must be set');
  });

  it('a misconfigured app answers 500 in the error shape and logs the setting, without the value', async () => {
    const logger = new MemoryLogger();
    const handler = createAzureHttpHandler(
      () => azureHttpDepsFromEnv({ ADNI_UPLOAD_CONTAINER: 'uploads', ADNI_STORAGE_ACCOUNT_URL: 'not a url' }),
      logger,
    );
    const response = await handler(new HttpRequest({ method: 'GET', url: 'https://x/health' }));
    expect(response).toMatchObject({ status: 500, jsonBody: { error: { code: 'misconfigured' } } });
    expect(logger.text()).toContain('ADNI_STORAGE_ACCOUNT_URL');
    expect(logger.text()).not.toContain('not a url');
  });
});

describe('Azure HTTP API dependencies from the app settings', () => {
  it('GET /outputs reads the container the jobs write (ADNI_OUTPUT_CONTAINER), not the upload container', async () => {
    // Prepare: a session's outputs in the output container only, as a job leaves them.
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await service.getContainerClient('preprocessed').createIfNotExists();
    await service.getContainerClient('preprocessed').getBlockBlobClient('preprocessed/P7/2024-01-01/roi_features.json').upload('{}', 2);
    const env = { ADNI_STORAGE_CONNECTION_STRING: azurite.connectionString, ADNI_UPLOAD_CONTAINER: 'uploads', ADNI_OUTPUT_CONTAINER: 'preprocessed' };
    const handler = createAzureHttpHandler(() => azureHttpDepsFromEnv(env));
    // Act
    const response = await handler(new HttpRequest({ method: 'GET', url: 'https://x/outputs/P7/2024-01-01' }));
    // Assess
    expect(response.status).toBe(200);
    const body = JSON.parse(new TextDecoder().decode(response.body as Uint8Array));
    expect(body.files.map((f: { name: string }) => f.name)).toEqual(['roi_features.json']);
  });

  it.each([
    ['without ADNI_JOB_IMAGE the job routes are not served', {}, false],
    [
      'with the job settings the API submits through the upload ports',
      {
        ADNI_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
        ADNI_RESOURCE_GROUP: 'adni-rg',
        ADNI_LOCATION: 'westeurope',
        ADNI_JOB_IMAGE: 'adni.azurecr.io/preprocess:1',
        ADNI_JOB_IDENTITY_ID: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/adni-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/adni-job',
        ADNI_JOB_IDENTITY_CLIENT_ID: '00000000-0000-0000-0000-000000000002',
      },
      true,
    ],
  ])('%s', async (_name, jobEnv, served) => {
    // Act
    const deps = await azureHttpDepsFromEnv({ ADNI_STORAGE_CONNECTION_STRING: azurite.connectionString, ADNI_UPLOAD_CONTAINER: 'uploads', ...jobEnv });
    // Assess
    expect(deps.jobs !== undefined).toBe(served);
  });

  it('a job image with broken job settings fails the cold start naming the setting', async () => {
    await expect(
      azureHttpDepsFromEnv({ ADNI_STORAGE_CONNECTION_STRING: azurite.connectionString, ADNI_UPLOAD_CONTAINER: 'uploads', ADNI_JOB_IMAGE: 'x' }),
    ).rejects.toThrow(/ADNI_SUBSCRIPTION_ID/);
  });
});
