import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UploadEventSchema } from '../../shared/domain/upload-event.js';
import { decodeS3Key } from './decode-s3-key.js';
import { parseAwsUploadEvents } from './parse-aws-upload-events.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../test/events/${name}.json`, import.meta.url), 'utf8'));

describe('decodeS3Key', () => {
  it.each([
    ['raw/P1/2024-01-01/mri.nii.gz', 'raw/P1/2024-01-01/mri.nii.gz'],
    ['raw/P1/2024-01-01/my+scan.nii.gz', 'raw/P1/2024-01-01/my scan.nii.gz'],
    ['raw/P1/2024-01-01/c%2B%2B.nii.gz', 'raw/P1/2024-01-01/c++.nii.gz'],
    ['raw/P1/2024-01-01/a%2Bb+c.nii.gz', 'raw/P1/2024-01-01/a+b c.nii.gz'],
    ['raw/P%C3%A9/2024-01-01/mri.nii.gz', 'raw/Pé/2024-01-01/mri.nii.gz'],
    ['raw/..%2F..%2Fetc/passwd', 'raw/../../etc/passwd'],
  ])('decodes %s', (encoded, key) => {
    expect(decodeS3Key(encoded)).toEqual({ ok: true, key });
  });

  it.each(['raw/%E0%A4%A', 'raw/%zz', 'raw/100%'])('reports malformed encoding %s instead of throwing', (encoded) => {
    expect(decodeS3Key(encoded)).toEqual({ ok: false, reason: 'object key is not valid URL encoding' });
  });
});

describe('parseAwsUploadEvents', () => {
  it('turns a single S3 record into one valid UploadEvent', () => {
    // Prepare
    const input = fixture('s3/single-record');
    // Act
    const parsed = parseAwsUploadEvents(input);
    // Assess
    expect(parsed.kind).toBe('s3-notification');
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events).toHaveLength(1);
    const [event] = parsed.events;
    expect(UploadEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      source: 'aws:s3:adni-progression-raw-dev-us-east-1',
      subject: 'raw/002_S_0295/2011-06-02/mri.nii.gz',
      time: '2024-03-01T10:15:30.123Z',
      data: {
        bucket: 'adni-progression-raw-dev-us-east-1',
        key: 'raw/002_S_0295/2011-06-02/mri.nii.gz',
        size: 7340032,
        etag: '7e1d9a5f0c3b4e2a8d6f1b0c9e8a7d65',
        versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
      },
    });
    expect(event.id).toMatch(/^s3-[0-9a-f]{32}$/);
  });

  it('is idempotent: a redelivered record gets the same event id', () => {
    const input = fixture('s3/duplicate');
    const [, pet, petAgain] = parseAwsUploadEvents(input).events;
    expect(petAgain).toEqual(pet);
    expect(parseAwsUploadEvents(structuredClone(input)).events).toEqual(parseAwsUploadEvents(input).events);
  });

  it.each([
    ['s3/multiple-records', 2],
    ['s3/duplicate', 3],
    ['s3/pet-before-mri', 2],
  ])('%s gives %i events in record order', (name, count) => {
    const input = fixture(name);
    const parsed = parseAwsUploadEvents(input);
    expect(parsed.events.map((e) => e.data.key)).toEqual(input.Records.map((r: any) => r.s3.object.key));
    expect(parsed.events).toHaveLength(count);
  });

  it('rejects each bad record with its reason and keeps the good one', () => {
    const parsed = parseAwsUploadEvents(fixture('s3/bad-key'));
    // Keys that decode are events here; the core handler rejects their shape (traversal, suffix, date).
    expect(parsed.events.map((e) => e.data.key)).toEqual([
      'raw/../../etc/2011-06-02/mri.nii.gz',
      'raw/002_S_0295/2011-06-02/mri.nii',
      'raw/002_S_0295/2011-13-45/mri.nii.gz',
      'raw/002_S_0295/2011-06-02/my scan+1.nii.gz',
      'raw/002_S_0295/2011-06-02/mri.nii.gz',
    ]);
    expect(parsed.rejected).toEqual([
      { index: 3, reason: 'object key is not valid URL encoding' },
      { index: 5, reason: expect.stringMatching(/^malformed S3 record: /) },
      { index: 6, reason: 'not an object-created record (ObjectRemoved:Delete)' },
    ]);
  });

  it('ignores the s3:TestEvent S3 sends when notifications are configured', () => {
    expect(parseAwsUploadEvents(fixture('s3/test-event'))).toEqual({ kind: 's3-test-event', events: [], rejected: [] });
  });

  it.each([
    ['eventbridge/object-created-mri', 'raw/002_S_0295/2011-06-02/mri.nii.gz', '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY'],
    ['eventbridge/object-created-pet', 'raw/002_S_0295/2011-06-02/pet.nii.gz', 'Ls.g9uWJZ0YKUXq4fzJWkcPq8ZQyKVbe'],
  ])('turns EventBridge %s into one UploadEvent', (name, key, versionId) => {
    const input = fixture(name);
    const parsed = parseAwsUploadEvents(input);
    expect(parsed.kind).toBe('eventbridge');
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toMatchObject({ id: `eb-${input.id}`, subject: key, data: { key, versionId, bucket: 'adni-progression-raw-dev-us-east-1' } });
  });

  it('an EventBridge event that is not Object Created is rejected with a reason', () => {
    expect(parseAwsUploadEvents(fixture('eventbridge/object-deleted'))).toEqual({
      kind: 'eventbridge',
      events: [],
      rejected: [{ index: 0, reason: 'not an Object Created event (Object Deleted)' }],
    });
  });

  it('a malformed EventBridge event says which field is wrong', () => {
    const input = structuredClone(fixture('eventbridge/object-created-mri'));
    delete input.detail.bucket;
    expect(parseAwsUploadEvents(input).rejected[0].reason).toMatch(/^malformed EventBridge S3 event: detail\.bucket/);
  });

  it.each([null, 42, 'text', {}, { Records: [] }, { source: 'aws.ec2', detail: {} }])('reports %j as unrecognized, never throws', (input) => {
    const parsed = parseAwsUploadEvents(input);
    expect(parsed.kind).toBe('unrecognized');
    expect(parsed.events).toEqual([]);
    expect(parsed.rejected).toHaveLength(1);
  });
});
