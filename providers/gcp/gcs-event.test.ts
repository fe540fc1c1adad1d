import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UploadEventSchema } from '../../shared/domain/upload-event.js';
import { gcsCloudEventToUploadEvent, gcsHttpDeliveryToUploadEvent, gcsLegacyEventToUploadEvent } from './gcs-event.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../test/events/gcs/${name}.json`, import.meta.url), 'utf8'));

const MRI = { bucket: 'adni-uploads', key: 'raw/P001/2024-03-01/mri.nii.gz', size: 8843154, etag: 'COiCk7rLt4QDEAE=', generation: '1709288104798312' };
const PET = { bucket: 'adni-uploads', key: 'raw/P001/2024-03-01/pet.nii.gz', size: 4194304, etag: 'COu+2tjLt4QDEAE=', generation: '1709288160307051' };

describe('GCS events → UploadEvent', () => {
  it.each([
    ['a structured CloudEvent (Functions Framework object)', () => gcsCloudEventToUploadEvent(fixture('finalized-structured')), 'gcs-9271843045613702', MRI, '2024-03-01T10:15:04.802Z'],
    ['a structured CloudEvent over HTTP', () => gcsHttpDeliveryToUploadEvent({ headers: { 'content-type': 'application/cloudevents+json' }, body: fixture('finalized-structured') }), 'gcs-9271843045613702', MRI, '2024-03-01T10:15:04.802Z'],
    ['a binary-mode CloudEvent (ce-* headers)', () => gcsHttpDeliveryToUploadEvent(fixture('finalized-binary')), 'gcs-9271843045613703', PET, '2024-03-01T10:16:00.311Z'],
    ['a legacy {context, data} event', () => gcsLegacyEventToUploadEvent(fixture('legacy-finalize')), 'gcs-1147091835525187', MRI, '2024-03-01T10:15:04.802Z'],
    ['a legacy flat event over HTTP', () => gcsHttpDeliveryToUploadEvent({ headers: {}, body: fixture('legacy-finalize-flat') }), 'gcs-1147091835525188', PET, '2024-03-01T10:16:00.311Z'],
  ])('translates %s', (_what, act, id, data, time) => {
    // Act
    const result = act();
    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(UploadEventSchema.parse(result.event)).toEqual(result.event);
    expect(result.event).toMatchObject({ id, source: 'gcp:gcs:adni-uploads', subject: data.key, time, data });
  });

  it('is idempotent: the same delivery twice gives the same event', () => {
    const input = fixture('finalized-structured');
    expect(gcsCloudEventToUploadEvent(structuredClone(input))).toEqual(gcsCloudEventToUploadEvent(structuredClone(input)));
  });

  it.each([
    ['a deleted event', () => gcsCloudEventToUploadEvent({ ...fixture('finalized-structured'), type: 'google.cloud.storage.object.v1.deleted' }), 'not an object finalized event'],
    ['a legacy delete', () => { const e = fixture('legacy-finalize'); e.context.eventType = 'google.storage.object.delete'; return gcsLegacyEventToUploadEvent(e); }, 'not an object finalize event'],
    ['a CloudEvent without data.name', () => { const e = fixture('finalized-structured'); delete e.data.name; return gcsCloudEventToUploadEvent(e); }, 'malformed GCS CloudEvent: data.name'],
    ['a non-numeric size', () => { const e = fixture('finalized-structured'); e.data.size = 'big'; return gcsCloudEventToUploadEvent(e); }, 'data.size'],
    ['binary mode without ce-id', () => { const e = fixture('finalized-binary'); delete e.headers['ce-id']; return gcsHttpDeliveryToUploadEvent(e); }, 'malformed GCS CloudEvent: id'],
    ['an unrelated body', () => gcsHttpDeliveryToUploadEvent({ headers: {}, body: { hello: 'world' } }), 'neither a CloudEvent'],
    ['a string body', () => gcsHttpDeliveryToUploadEvent({ headers: {}, body: 'x' }), 'neither a CloudEvent'],
  ])('rejects %s with a reason', (_what, act, reason) => {
    const result = act();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});
