import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UploadEventSchema } from '../../shared/domain/upload-event.js';
import { blobCreatedToUploadEvent } from './blob-created-event.js';
import { blobTriggerToUploadEvent } from './blob-trigger-event.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../test/events/eventgrid/${name}.json`, import.meta.url), 'utf8'));

describe('blobCreatedToUploadEvent', () => {
  it.each([
    ['blob-created-cloudevents', 'adniuploads', 'uploads', 'raw/P001/2024-03-01/mri.nii.gz', 8843154, '0x8DC39D8E4C23F7B'],
    ['blob-created-eventgrid-schema', 'adniuploads', 'uploads', 'raw/P001/2024-03-01/pet.nii.gz', 4194304, '0x8D4BCC2E4835CD0'],
    ['blob-created-datalake-cloudevents', 'adnilake', 'uploads', 'raw/002_S_0295/2011-06-02/mri.nii.gz', 0, '0x8DC39DA5B9C0C2E'],
  ])('translates %s', (name, account, container, key, size, etag) => {
    // Prepare
    const input = fixture(name);
    // Act
    const result = blobCreatedToUploadEvent(input);
    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(UploadEventSchema.parse(result.event)).toEqual(result.event);
    expect(result.event).toMatchObject({
      id: `eg-${input.id}`,
      source: `azure:blob:${account}/${container}`,
      subject: key,
      data: { bucket: container, key, size, etag },
    });
    expect(result.event.time).toBe(new Date(input.time ?? input.eventTime).toISOString());
  });

  it('is idempotent: the same delivery twice gives the same event', () => {
    const input = fixture('blob-created-cloudevents');
    expect(blobCreatedToUploadEvent(structuredClone(input))).toEqual(blobCreatedToUploadEvent(structuredClone(input)));
  });

  it.each([
    ['subscription validation', () => fixture('subscription-validation-eventgrid-schema'), 'not a BlobCreated event (Microsoft.EventGrid.SubscriptionValidationEvent)'],
    ['a BlobDeleted event', () => ({ ...fixture('blob-created-cloudevents'), type: 'Microsoft.Storage.BlobDeleted' }), 'not a BlobCreated event'],
    ['a subject outside blobServices', () => ({ ...fixture('blob-created-cloudevents'), subject: '/fileServices/default/shares/x/files/y' }), 'subject is not'],
    ['a CloudEvent without id', () => { const e = fixture('blob-created-cloudevents'); delete e.id; return e; }, 'malformed CloudEvent: id'],
    ['an Event Grid event without data', () => { const e = fixture('blob-created-eventgrid-schema'); delete e.data; return e; }, 'malformed Event Grid event: data'],
    ['a negative contentLength', () => { const e = fixture('blob-created-cloudevents'); e.data.contentLength = -1; return e; }, 'data.contentLength'],
    ['null', () => null, 'malformed Event Grid event'],
    ['a string', () => 'BlobCreated', 'malformed Event Grid event'],
  ])('rejects %s with a reason', (_what, make, reason) => {
    const result = blobCreatedToUploadEvent(make());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('keeps a traversal key as delivered, for the core to reject with its reason', () => {
    const input = structuredClone(fixture('blob-created-cloudevents'));
    input.subject = '/blobServices/default/containers/uploads/blobs/raw/../../etc/passwd';
    const result = blobCreatedToUploadEvent(input);
    expect(result.ok && result.event.data.key).toBe('raw/../../etc/passwd');
  });
});

describe('blobTriggerToUploadEvent', () => {
  it('translates event-based blob trigger metadata', () => {
    const result = blobTriggerToUploadEvent(fixture('blob-trigger-metadata'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toMatchObject({
      source: 'azure:blob:adniuploads/uploads',
      time: '2024-03-01T10:15:04.000Z',
      data: {
        bucket: 'uploads',
        key: 'raw/P001/2024-03-01/mri.nii.gz',
        size: 8843154,
        etag: '0x8DC39D8E4C23F7B',
        versionId: '2024-03-01T10:15:04.7203479Z',
      },
    });
    expect(result.event.id).toMatch(/^bt-[0-9a-f]{32}$/);
  });

  it('reads PascalCase properties and a path-style (Azurite) uri', () => {
    const input = structuredClone(fixture('blob-trigger-metadata'));
    input.uri = 'http://127.0.0.1:10000/devstoreaccount1/uploads/raw/P001/2024-03-01/mri.nii.gz';
    input.properties = { ETag: '"0x1"', ContentLength: 12 };
    const result = blobTriggerToUploadEvent(input);
    expect(result.ok && result.event).toMatchObject({ source: 'azure:blob:devstoreaccount1/uploads', data: { etag: '0x1', size: 12 } });
  });

  it('is idempotent: the same blob write gives the same event id', () => {
    const a = blobTriggerToUploadEvent(fixture('blob-trigger-metadata'));
    const b = blobTriggerToUploadEvent(fixture('blob-trigger-metadata'));
    expect(a.ok && b.ok && a.event.id === b.event.id).toBe(true);
  });

  it.each([
    [{}, 'blobTrigger'],
    [{ blobTrigger: 'no-slash' }, 'blobTrigger is not'],
    [{ blobTrigger: 'uploads/' }, 'blobTrigger is not'],
    [{ blobTrigger: 'uploads/raw/x', properties: { length: 'big' } }, 'properties.length'],
  ])('rejects %j', (input, reason) => {
    const result = blobTriggerToUploadEvent(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});
