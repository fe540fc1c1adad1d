import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectStoreContract } from '../../test/contracts/object-store.contract.js';
import { startAzurite, type RunningAzurite } from '../../test/azure/azurite.js';
import { ObjectNotFoundError } from '../../shared/ports/object-store.js';
import { BlobObjectStore } from './blob-object-store.js';

let azurite: RunningAzurite;
let containerCounter = 0;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => azurite?.stop());

/** A store over a fresh, empty container in Azurite. */
async function makeStore(): Promise<BlobObjectStore> {
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  const service = new BlobServiceClient(azurite.blobEndpoint, credential);
  const container = `contract-${process.pid}-${++containerCounter}`;
  await service.getContainerClient(container).create();
  return new BlobObjectStore({ service, container, sharedKeyCredential: credential });
}

// Azurite enforces If-None-Match: * and serves SAS URLs, so the full contract applies.
objectStoreContract('Azure Blob (Azurite)', makeStore, { enforcesConditionalCreate: true, canFetchPresigned: true });

describe('BlobObjectStore specifics', () => {
  it('copy falls back to get + put when Storage will not verify the copy source for this credential', async () => {
    // Prepare: a pipeline that answers 403 CannotVerifyCopySource to every Copy Blob (what a token without
    // rights on the source would get), and passes everything else to Azurite.
    const { newPipeline, StorageSharedKeyCredential: Key, BlobServiceClient: Service } = await import('@azure/storage-blob');
    const credential = new Key(azurite.accountName, azurite.accountKey);
    const pipeline = newPipeline(credential);
    let refused = 0;
    pipeline.factories.unshift({
      create: (next) => ({
        sendRequest: async (request) => {
          if (!request.headers.get('x-ms-copy-source')) return next.sendRequest(request);
          refused++;
          const body = '<?xml version="1.0" encoding="utf-8"?><Error><Code>CannotVerifyCopySource</Code><Message>denied</Message></Error>';
          const headers = request.headers.clone();
          headers.set('x-ms-error-code', 'CannotVerifyCopySource');
          headers.set('content-type', 'application/xml');
          return { status: 403, headers, request, bodyAsText: body };
        },
      }),
    });
    const container = `copy-fallback-${process.pid}`;
    await new Service(azurite.blobEndpoint, credential).getContainerClient(container).create();
    const store = new BlobObjectStore({ service: new Service(azurite.blobEndpoint, pipeline), container, sharedKeyCredential: credential });
    await store.put('staging/P1/2024-01-01/abc-1/qc/index.html', '<p>qc</p>', { contentType: 'text/html; charset=utf-8' });
    // Act
    const head = await store.copy('staging/P1/2024-01-01/abc-1/qc/index.html', 'preprocessed/P1/2024-01-01/qc/index.html');
    // Assess
    expect(refused).toBe(1);
    expect(new TextDecoder().decode(await store.get('preprocessed/P1/2024-01-01/qc/index.html'))).toBe('<p>qc</p>');
    expect(head.contentType).toBe('text/html; charset=utf-8');
    await expect(store.copy('staging/P1/2024-01-01/abc-1/missing.json', 'preprocessed/P1/2024-01-01/missing.json')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('a SAS URL cannot limit size: an oversize PUT is stored, and the upload trigger refuses to process it', async () => {
    // Prepare
    const store = await makeStore();
    const { handleUpload } = await import('../../shared/core/handle-upload.js');
    const { makeUploadEvent } = await import('../../shared/domain/upload-event.js');
    const { systemClock } = await import('../../shared/ports/observability.js');
    const { MemoryLogger, MemoryMetrics, RecordingJobSubmitter, RecordingStatusSink } = await import('../../test/support/recorders.js');
    const put = await store.presignPut('raw/P2/2024-01-01/pet.nii.gz', { maxBytes: 10, expiresInSeconds: 60 });
    await store.put('raw/P2/2024-01-01/mri.nii.gz', 'small');
    const jobs = new RecordingJobSubmitter();
    const ports = { store, jobs, status: new RecordingStatusSink(), clock: systemClock, logger: new MemoryLogger(), metrics: new MemoryMetrics(), maxUploadBytes: 10 };
    // Act
    const uploaded = await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'eleven byte' });
    const outcome = await handleUpload(makeUploadEvent({ id: 'e1', source: 'test', bucket: store.bucket, key: 'raw/P2/2024-01-01/pet.nii.gz' }), ports);
    // Assess
    expect(uploaded.status).toBe(201);
    expect(Object.keys(put.headers).some((h) => h.includes('length'))).toBe(false);
    expect(outcome).toEqual({ outcome: 'ignored', reason: 'pet upload is 11 bytes, over the limit of 10 bytes: not processed' });
    expect(jobs.submitted).toEqual([]);
  });

  it('a presigned PUT URL grants create/write only, not read', async () => {
    // Prepare
    const store = await makeStore();
    await store.put('raw/P1/2024-01-01/mri.nii.gz', 'secret');
    const put = await store.presignPut('raw/P1/2024-01-01/mri.nii.gz', { expiresInSeconds: 60 });
    // Act
    const read = await fetch(put.url);
    // Assess
    expect(read.status).toBe(403);
    expect(new URL(put.url).searchParams.get('sp')).toBe('cw');
    expect(put.headers['x-ms-blob-type']).toBe('BlockBlob');
  });

  it('a presigned URL for one blob does not open another', async () => {
    const store = await makeStore();
    await store.put('raw/P1/2024-01-01/pet.nii.gz', 'other');
    const get = await store.presignGet('raw/P1/2024-01-01/mri.nii.gz', { expiresInSeconds: 60 });
    const url = new URL(get.url);
    url.pathname = url.pathname.replace('mri.nii.gz', 'pet.nii.gz');
    expect((await fetch(url)).status).toBe(403);
  });

  it('an expired presigned URL is refused', async () => {
    const store = await makeStore();
    await store.put('raw/P1/2024-01-01/mri.nii.gz', 'x');
    // Negative lifetime: expired the moment it is made, no waiting needed.
    const get = await store.presignGet('raw/P1/2024-01-01/mri.nii.gz', { expiresInSeconds: -60 });
    expect((await fetch(get.url)).status).toBe(403);
  });

  it('putIfAbsent is idempotent: the second call neither creates nor overwrites', async () => {
    const store = await makeStore();
    const first = await store.putIfAbsent('jobs/P1/2024-01-01/f.json', 'a', { contentType: 'application/json' });
    const second = await store.putIfAbsent('jobs/P1/2024-01-01/f.json', 'b');
    expect(first.created).toBe(true);
    expect(second).toEqual({ created: false });
    expect((await store.head('jobs/P1/2024-01-01/f.json'))?.contentType).toBe('application/json');
  });
});
