import { z } from 'zod';
import { makeUploadEvent } from '../../shared/domain/upload-event.js';
import type { RecordParseResult } from './s3-notification.js';

/** An S3 event delivered by EventBridge (`source: aws.s3`), checked only for the fields we use. */
export const EventBridgeS3EventSchema = z.object({
  id: z.string().min(1),
  source: z.literal('aws.s3'),
  'detail-type': z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      etag: z.string().optional(),
      'version-id': z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

/** True for anything shaped like an EventBridge event from S3, valid or not (so it is reported, not misrouted). */
export function looksLikeEventBridgeS3(input: unknown): boolean {
  return typeof input === 'object' && input !== null && (input as Record<string, unknown>).source === 'aws.s3' && 'detail' in input;
}

/**
 * Turns an EventBridge "Object Created" event into the core {@link UploadEvent}; other detail types are
 * reasons, not events. The key is taken as delivered: AWS documents URL encoding for notification records
 * only. Valid keys use `[A-Za-z0-9._/-]` alone, so whether EventBridge encodes or not cannot turn a bad key
 * into a good one; `parseRawKey` rejects `+`, `%` and spaces either way.
 *
 * @example
 * const result = eventBridgeToUploadEvent(event);
 * if (result.ok) await handleUpload(result.event, ports);
 */
export function eventBridgeToUploadEvent(input: unknown): RecordParseResult {
  const parsed = EventBridgeS3EventSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `malformed EventBridge S3 event: ${issue.path.join('.') || '(root)'} ${issue.message}` };
  }
  const event = parsed.data;
  if (event['detail-type'] !== 'Object Created') return { ok: false, reason: `not an Object Created event (${event['detail-type']})` };
  const { bucket, object } = event.detail;
  return {
    ok: true,
    event: makeUploadEvent({
      id: `eb-${event.id}`,
      source: `aws:s3:${bucket.name}`,
      time: event.time,
      bucket: bucket.name,
      key: object.key,
      size: object.size,
      etag: object.etag,
      versionId: object['version-id'],
      sequencer: object.sequencer,
    }),
  };
}
