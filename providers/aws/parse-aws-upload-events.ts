import type { UploadEvent } from '../../shared/domain/upload-event.js';
import { eventBridgeToUploadEvent, looksLikeEventBridgeS3 } from './eventbridge-s3-event.js';
import { S3NotificationSchema, S3TestEventSchema, s3RecordToUploadEvent } from './s3-notification.js';

/** Which AWS payload a Lambda invocation carried. */
export type AwsEventKind = 's3-notification' | 'eventbridge' | 's3-test-event' | 'unrecognized';

/** A record that could not become an {@link UploadEvent}, with why (its position in `Records`). */
export interface RejectedRecord {
  index: number;
  reason: string;
}

export interface ParsedAwsEvents {
  kind: AwsEventKind;
  events: UploadEvent[];
  rejected: RejectedRecord[];
}

/**
 * Splits any payload the upload trigger can receive (an S3 notification with one or more records, an
 * EventBridge S3 event, the `s3:TestEvent` S3 sends when notifications are configured) into core events
 * and rejected records. Never throws: bad input is reported so the caller logs it and moves on.
 *
 * @example
 * const { events, rejected } = parseAwsUploadEvents(lambdaEvent);
 */
export function parseAwsUploadEvents(input: unknown): ParsedAwsEvents {
  if (S3TestEventSchema.safeParse(input).success) return { kind: 's3-test-event', events: [], rejected: [] };
  if (looksLikeEventBridgeS3(input)) {
    const result = eventBridgeToUploadEvent(input);
    return result.ok
      ? { kind: 'eventbridge', events: [result.event], rejected: [] }
      : { kind: 'eventbridge', events: [], rejected: [{ index: 0, reason: result.reason }] };
  }
  const notification = S3NotificationSchema.safeParse(input);
  if (!notification.success) {
    return { kind: 'unrecognized', events: [], rejected: [{ index: 0, reason: 'payload is neither an S3 notification nor an EventBridge S3 event' }] };
  }
  const events: UploadEvent[] = [];
  const rejected: RejectedRecord[] = [];
  notification.data.Records.forEach((record, index) => {
    const result = s3RecordToUploadEvent(record);
    if (result.ok) events.push(result.event);
    else rejected.push({ index, reason: result.reason });
  });
  return { kind: 's3-notification', events, rejected };
}
