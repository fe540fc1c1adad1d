import { generateKeyPairSync } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectStoreContract } from '../../test/contracts/object-store.contract.js';
import { startFakeGcs, type FakeGcs } from '../../test/gcp/fake-gcs.js';
import { GcsObjectStore } from './gcs-object-store.js';

// A throwaway service-account key made here: the SDK signs V4 URLs with it, the fake verifies with its public half.
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
let gcs: FakeGcs;
let bucketCounter = 0;

beforeAll(async () => {
  gcs = await startFakeGcs({ signingPublicKey: publicKey });
});
afterAll(async () => gcs?.close());

function storage(): Storage {
  return new Storage({
    apiEndpoint: gcs.url,
    projectId: 'adni-test',
    credentials: { client_email: 'adni-api@adni-test.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    // Fail fast: a retry loop would only hide a fake that answers wrongly.
    retryOptions: { autoRetry: false },
  });
}

async function makeStore(): Promise<GcsObjectStore> {
  const bucket = `contract-${++bucketCounter}`;
  gcs.createBucket(bucket);
  return new GcsObjectStore({ storage: storage(), bucket });
}

// The fake enforces ifGenerationMatch=0 and verifies V4 signatures, so the full contract applies.
objectStoreContract('Google Cloud Storage (loopback fake of the JSON API)', makeStore, { enforcesConditionalCreate: true, canFetchPresigned: true });

describe('GcsObjectStore specifics', () => {
  it('sends ifGenerationMatch=0 with a multipart upload for putIfAbsent', async () => {
    // Prepare
    const store = await makeStore();
    const before = gcs.log.length;
    // Act
    await store.putIfAbsent('jobs/P1/2024-01-01/m.json', '{}', { contentType: 'application/json' });
    // Assess
    const upload = gcs.log.slice(before).find((r) => r.path.startsWith('/upload/'))!;
    expect(upload.query.get('uploadType')).toBe('multipart');
    expect(upload.query.get('ifGenerationMatch')).toBe('0');
    expect((await store.head('jobs/P1/2024-01-01/m.json'))?.contentType).toBe('application/json');
  });

  it('reports the generation as the version', async () => {
    const store = await makeStore();
    const head = await store.put('raw/P1/2024-01-01/mri.nii.gz', 'x');
    expect(head.version).toMatch(/^\d+$/);
    expect((await store.head('raw/P1/2024-01-01/mri.nii.gz'))?.version).toBe(head.version);
  });

  it('lists across pages', async () => {
    const store = await makeStore();
    for (let i = 0; i < 3; i++) await store.put(`preprocessed/P1/2024-01-01/${i}.json`, `${i}`);
    const [files, , response] = await storage().bucket(store.bucket).getFiles({ prefix: 'preprocessed/', maxResults: 2, autoPaginate: false });
    expect(files).toHaveLength(2);
    expect((response as { nextPageToken?: string }).nextPageToken).toBeTruthy();
    expect((await store.list('preprocessed/')).map((h) => h.key)).toHaveLength(3);
  });

  it('a presigned URL with a tampered object path is refused', async () => {
    const store = await makeStore();
    await store.put('raw/P1/2024-01-01/pet.nii.gz', 'other');
    const get = await store.presignGet('raw/P1/2024-01-01/mri.nii.gz', { expiresInSeconds: 60 });
    const url = new URL(get.url);
    url.pathname = url.pathname.replace('mri.nii.gz', 'pet.nii.gz');
    expect((await fetch(url)).status).toBe(403);
  });

  it('a presigned PUT pins the signed content type', async () => {
    const store = await makeStore();
    const put = await store.presignPut('raw/P1/2024-01-01/mri.nii.gz', { expiresInSeconds: 60, contentType: 'application/gzip' });
    expect(put.headers).toEqual({ 'content-type': 'application/gzip' });
    expect((await fetch(put.url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(403);
    expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'x' })).status).toBe(200);
  });

  it('a presigned PUT is size-limited by the signed x-goog-content-length-range: over it 400, nothing stored; dropping it 403', async () => {
    // Prepare
    const store = await makeStore();
    const key = 'raw/P1/2024-01-01/pet.nii.gz';
    const put = await store.presignPut(key, { expiresInSeconds: 60, contentType: 'application/gzip', maxBytes: 10 });
    // Act
    const over = await fetch(put.url, { method: 'PUT', headers: put.headers, body: '0123456789A' });
    const stripped = await fetch(put.url, { method: 'PUT', headers: { 'content-type': 'application/gzip' }, body: '0123456789A' });
    const stored = await store.head(key);
    const within = await fetch(put.url, { method: 'PUT', headers: put.headers, body: '0123456789' });
    // Assess
    expect(put.headers['x-goog-content-length-range']).toBe('0,10');
    expect(new URL(put.url).searchParams.get('X-Goog-SignedHeaders')?.split(';')).toContain('x-goog-content-length-range');
    expect(over.status).toBe(400);
    expect(await over.text()).toContain('EntityTooLarge');
    expect(stripped.status).toBe(403);
    expect(stored).toBeUndefined();
    expect(within.status).toBe(200);
    expect((await store.head(key))?.size).toBe(10);
  });

  it('a declared size pins the range to exactly that many bytes', async () => {
    const store = await makeStore();
    const put = await store.presignPut('raw/P1/2024-01-01/mri.nii.gz', { expiresInSeconds: 60, contentLength: 4, maxBytes: 10 });
    expect(put.headers['x-goog-content-length-range']).toBe('4,4');
    expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: '12345' })).status).toBe(400);
    expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: '1234' })).status).toBe(200);
    await expect(store.presignPut('raw/P1/2024-01-01/mri.nii.gz', { contentLength: 11, maxBytes: 10 })).rejects.toThrow(/over the limit/);
  });

  it('the SDK used only calls the fake implements', () => {
    expect(gcs.unhandled).toEqual([]);
  });
});
