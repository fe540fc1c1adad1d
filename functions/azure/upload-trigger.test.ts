import { readFileSync } from 'node:fs';
import { InvocationContext } from '@azure/functions';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadPorts } from '../../shared/core/handle-upload.js';
import { systemClock } from '../../shared/ports/observability.js';
import { BlobObjectStore } from '../../providers/azure/blob-object-store.js';
import { startAzurite, type RunningAzurite } from '../../test/azure/azurite.js';
import { shuffle } from '../../test/support/shuffle.js';
import { MemoryLogger, MemoryMetrics, RecordingJobSubmitter, RecordingStatusSink } from '../../test/support/recorders.js';
import { azureUploadDepsFromEnv, createAzureUploadHandlers } from './upload-trigger.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../test/events/eventgrid/${name}.json`, import.meta.url), 'utf8'));

let azurite: RunningAzurite;
let containerCounter = 0;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => azurite?.stop());

/** Core ports over a fresh Azurite container; only the job submitter is a recorder (ACI has its own test). */
async function makePorts() {
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  const service = new BlobServiceClient(azurite.blobEndpoint, credential);
  const container = `uploads-${++containerCounter}`;
  await service.getContainerClient(container).create();
  const store = new BlobObjectStore({ service, container, sharedKeyCredential: credential });
  const ports = {
    store,
    jobs: new RecordingJobSubmitter(),
    status: new RecordingStatusSink(),
    clock: systemClock,
    logger: new MemoryLogger(),
    metrics: new MemoryMetrics(),
  } satisfies UploadPorts;
  return ports;
}

/** A real-shaped BlobCreated CloudEvent for one blob of `container`. */
function blobCreated(container: string, key: string, id: string) {
  const event = structuredClone(fixture('blob-created-cloudevents'));
  event.id = id;
  event.subject = `/blobServices/default/containers/${container}/blobs/${key}`;
  return event;
}

describe('Azure upload trigger (Event Grid / blob trigger → core, on Azurite)', () => {
  it('waits for the PET, then submits one job when it arrives', async () => {
    // Prepare
    const ports = await makePorts();
    const handlers = createAzureUploadHandlers(() => ports);
    await ports.store.put('raw/P001/2024-03-01/mri.nii.gz', 'mri');
    // Act
    const first = await handlers.eventGrid(blobCreated(ports.store.bucket, 'raw/P001/2024-03-01/mri.nii.gz', 'a'));
    await ports.store.put('raw/P001/2024-03-01/pet.nii.gz', 'pet');
    const second = await handlers.eventGrid(blobCreated(ports.store.bucket, 'raw/P001/2024-03-01/pet.nii.gz', 'b'));
    // Assess
    expect(first).toMatchObject({ outcome: 'waiting', missing: 'pet' });
    expect(second).toMatchObject({ outcome: 'submitted' });
    expect(ports.jobs.submitted).toHaveLength(1);
    expect(await ports.store.list('jobs/P001/2024-03-01/')).toHaveLength(1);
  });

  it('takes the Event Grid schema too', async () => {
    const ports = await makePorts();
    const handlers = createAzureUploadHandlers(() => ports);
    await ports.store.put('raw/P001/2024-03-01/mri.nii.gz', 'mri');
    await ports.store.put('raw/P001/2024-03-01/pet.nii.gz', 'pet');
    const event = structuredClone(fixture('blob-created-eventgrid-schema'));
    event.subject = `/blobServices/default/containers/${ports.store.bucket}/blobs/raw/P001/2024-03-01/pet.nii.gz`;
    expect(await handlers.eventGrid(event)).toMatchObject({ outcome: 'submitted' });
  });

  it('takes the event-based blob trigger metadata', async () => {
    const ports = await makePorts();
    const handlers = createAzureUploadHandlers(() => ports);
    await ports.store.put('raw/P002/2024-03-01/mri.nii.gz', 'mri');
    await ports.store.put('raw/P002/2024-03-01/pet.nii.gz', 'pet');
    const metadata = structuredClone(fixture('blob-trigger-metadata'));
    metadata.blobTrigger = `${ports.store.bucket}/raw/P002/2024-03-01/pet.nii.gz`;
    const context = new InvocationContext({ functionName: 'uploadBlobTrigger', triggerMetadata: metadata });
    expect(await handlers.storageBlob(Buffer.from('pet'), context)).toMatchObject({ outcome: 'submitted' });
    expect(ports.jobs.submitted[0]).toMatchObject({ patientId: 'P002', inputBucket: ports.store.bucket });
  });

  it.each([
    ['subscription validation', () => fixture('subscription-validation-eventgrid-schema'), 'not a BlobCreated event'],
    ['a malformed event', () => ({ hello: 'world' }), 'malformed Event Grid event'],
  ])('skips %s with a logged reason, no throw', async (_what, make, reason) => {
    const ports = await makePorts();
    const result = await createAzureUploadHandlers(() => ports).eventGrid(make());
    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(ports.logger.lines.find((l) => l.level === 'warn')?.fields?.reason).toContain(reason);
    expect(ports.metrics.counts.get('EventsRejected')).toBe(1);
  });

  it('ignores a traversal key with the core reason, and never logs the patient id', async () => {
    const ports = await makePorts();
    const result = await createAzureUploadHandlers(() => ports).eventGrid(blobCreated(ports.store.bucket, 'raw/SECRET-77/../x/mri.nii.gz', 'c'));
    expect(result).toMatchObject({ outcome: 'ignored' });
    expect(ports.logger.text()).not.toContain('SECRET-77');
  });

  it('throws when submission fails (so Event Grid retries) and the retry submits', async () => {
    const ports = await makePorts();
    ports.jobs = new RecordingJobSubmitter(1);
    const handlers = createAzureUploadHandlers(() => ports);
    await ports.store.put('raw/P003/2024-03-01/mri.nii.gz', 'mri');
    await ports.store.put('raw/P003/2024-03-01/pet.nii.gz', 'pet');
    const event = blobCreated(ports.store.bucket, 'raw/P003/2024-03-01/pet.nii.gz', 'd');
    await expect(handlers.eventGrid(event)).rejects.toThrow('simulated submission failure');
    expect(await handlers.eventGrid(structuredClone(event))).toMatchObject({ outcome: 'submitted' });
  });

  it('event storm: 200 shuffled duplicate/out-of-order Event Grid events for 20 sessions submit exactly 20 jobs', async () => {
    // Prepare: 20 complete sessions in Azurite, 10 deliveries each (both blobs, 5 times), shuffled.
    const ports = await makePorts();
    const handlers = createAzureUploadHandlers(() => ports);
    const events: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      for (const modality of ['mri', 'pet']) {
        const key = `raw/S${i}/2024-06-01/${modality}.nii.gz`;
        await ports.store.put(key, `${modality}-${i}`);
        for (let copy = 0; copy < 5; copy++) events.push(blobCreated(ports.store.bucket, key, `${i}-${modality}-${copy}`));
      }
    }
    shuffle(events, 7);
    // Act: all at once, so the conditional creates in Azurite really race.
    const outcomes = await Promise.all(events.map((e) => handlers.eventGrid(e)));
    // Assess
    expect(events).toHaveLength(200);
    expect(ports.jobs.submitted).toHaveLength(20);
    expect(new Set(ports.jobs.submitted.map((j) => j.patientId)).size).toBe(20);
    expect(outcomes.filter((o) => o.outcome === 'submitted')).toHaveLength(20);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(180);
  }, 120_000); // 200 events against Azurite: slow on a loaded 2-core runner

  it('a bad Function App setting fails the cold start naming the setting, and is retried', async () => {
    const handlers = createAzureUploadHandlers(() => azureUploadDepsFromEnv({ ADNI_UPLOAD_CONTAINER: 'Bad_Name' }));
    const failure = handlers.eventGrid(fixture('blob-created-cloudevents'));
    await expect(failure).rejects.toThrow(/ADNI_UPLOAD_CONTAINER: must be a Blob container name/);
    await expect(handlers.eventGrid(fixture('blob-created-cloudevents'))).rejects.toThrow(/ADNI_SUBSCRIPTION_ID/);
  });
});
