import { createHash } from 'node:crypto';
import { z } from 'zod';
import { makeUploadEvent, type UploadEvent } from '../../shared/domain/upload-event.js';
import { decodeS3Key } from './decode-s3-key.js';

/**
 * One record of an S3 event notification, checked only for the fields we use. Deliberately looser than
 * Powertools' `S3RecordSchema` (which demands an IPv4 source address, response elements...): a record
 * must not be dropped over a field we never read, and each record is validated on its own so one bad
 * record cannot sink the others in its batch.
 */
export const S3NotificationRecordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string().min(1),
  eventTime: z.iso.datetime({ offset: true }),
  awsRegion: z.string().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

export type S3NotificationRecord = z.infer<typeof S3NotificationRecordSchema>;

/** The envelope of an S3 notification: records are validated one by one afterwards. */
export const S3NotificationSchema = z.object({ Records: z.array(z.unknown()).min(1) });

/** S3 sends this once when a notification configuration is saved; it carries no object. */
export const S3TestEventSchema = z.object({ Event: z.literal('s3:TestEvent'), Service: z.literal('Amazon S3') });

export type RecordParseResult = { ok: true; event: UploadEvent } | { ok: false; reason: string };

/**
 * Turns one S3 notification record into the core {@link UploadEvent}. Only `ObjectCreated:*` records
 * become events; the key is URL-decoded. The event id is derived from the record (S3 records carry no id
 * of their own) so a redelivered record gets the same id.
 *
 * @example
 * const result = s3RecordToUploadEvent(notification.Records[0]);
 * if (result.ok) await handleUpload(result.event, ports);
 */
export function s3RecordToUploadEvent(record: unknown): RecordParseResult {
  const parsed = S3NotificationRecordSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `malformed S3 record: ${issue.path.join('.') || '(root)'} ${issue.message}` };
  }
  const { eventName, eventTime, s3 } = parsed.data;
  if (!eventName.startsWith('ObjectCreated:')) return { ok: false, reason: `not an object-created record (${eventName})` };
  const decoded = decodeS3Key(s3.object.key);
  if (!decoded.ok) return { ok: false, reason: decoded.reason };
  const id = createHash('sha256')
    .update([s3.bucket.name, decoded.key, s3.object.versionId ?? '', s3.object.eTag ?? '', s3.object.sequencer ?? '', eventTime].join('\0'))
    .digest('hex')
    .slice(0, 32);
  return {
    ok: true,
    event: makeUploadEvent({
      id: `s3-${id}`,
      source: `aws:s3:${s3.bucket.name}`,
      time: eventTime,
      bucket: s3.bucket.name,
      key: decoded.key,
      size: s3.object.size,
      etag: s3.object.eTag,
      versionId: s3.object.versionId,
      sequencer: s3.object.sequencer,
    }),
  };
}
