import { z } from 'zod';
import { makeUploadEvent, type UploadEvent } from '../../shared/domain/upload-event.js';

/** Either an {@link UploadEvent} or why the input could not become one. Never thrown: bad input is logged, not retried. */
export type AzureEventParseResult = { ok: true; event: UploadEvent } | { ok: false; reason: string };

export const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';

/** `data` of a BlobCreated event, checked only for the fields we use (Data Lake accounts add more). */
const BlobCreatedDataSchema = z.object({
  api: z.string().optional(),
  eTag: z.string().optional(),
  contentLength: z.number().int().nonnegative().optional(),
  url: z.string().optional(),
  sequencer: z.string().optional(),
  versionId: z.string().optional(),
});

/** CloudEvents 1.0 schema (what the Function's Event Grid subscription is configured with). */
export const BlobCreatedCloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  subject: z.string(),
  time: z.string().min(1),
  data: BlobCreatedDataSchema,
});

/** The older Event Grid event schema: same content, other field names. */
export const BlobCreatedEventGridEventSchema = z.object({
  id: z.string().min(1),
  topic: z.string().min(1),
  eventType: z.string().min(1),
  subject: z.string(),
  eventTime: z.string().min(1),
  data: BlobCreatedDataSchema,
});

const SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/;
const ACCOUNT = /\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)/i;

/**
 * Turns an Event Grid `Microsoft.Storage.BlobCreated` event, in either the CloudEvents 1.0 schema or the
 * Event Grid schema, into the core {@link UploadEvent}. The container and blob name come from the subject
 * (`/blobServices/default/containers/{c}/blobs/{key}`), the account from the source/topic resource id.
 * Other event types (BlobDeleted, SubscriptionValidation...) are reasons, not events.
 *
 * The key is taken as the subject carries it: valid keys use `[A-Za-z0-9._/-]` only, so an encoded or
 * exotic name cannot turn into a valid one; `parseRawKey` rejects it downstream with its reason.
 *
 * @example
 * const result = blobCreatedToUploadEvent(event);
 * if (result.ok) await handleUpload(result.event, ports);
 */
export function blobCreatedToUploadEvent(input: unknown): AzureEventParseResult {
  const normalized = normalize(input);
  if (!normalized.ok) return normalized;
  const { id, source, type, subject, time, data } = normalized;
  if (type !== BLOB_CREATED) return { ok: false, reason: `not a BlobCreated event (${type})` };
  const match = SUBJECT.exec(subject);
  if (!match) return { ok: false, reason: 'subject is not /blobServices/default/containers/{container}/blobs/{name}' };
  const [, container, key] = match;
  const account = ACCOUNT.exec(source)?.[1] ?? 'unknown-account';
  return {
    ok: true,
    event: makeUploadEvent({
      id: `eg-${id}`,
      source: `azure:blob:${account}/${container}`,
      time,
      bucket: container,
      key,
      size: data.contentLength,
      etag: data.eTag,
      versionId: data.versionId,
      sequencer: data.sequencer,
    }),
  };
}

type Normalized =
  | { ok: true; id: string; source: string; type: string; subject: string; time: string; data: z.infer<typeof BlobCreatedDataSchema> }
  | { ok: false; reason: string };

function normalize(input: unknown): Normalized {
  const isCloudEvent = typeof input === 'object' && input !== null && 'specversion' in input;
  if (isCloudEvent) {
    const parsed = BlobCreatedCloudEventSchema.safeParse(input);
    if (!parsed.success) return malformed('CloudEvent', parsed.error);
    const e = parsed.data;
    return { ok: true, id: e.id, source: e.source, type: e.type, subject: e.subject, time: e.time, data: e.data };
  }
  const parsed = BlobCreatedEventGridEventSchema.safeParse(input);
  if (!parsed.success) return malformed('Event Grid event', parsed.error);
  const e = parsed.data;
  return { ok: true, id: e.id, source: e.topic, type: e.eventType, subject: e.subject, time: e.eventTime, data: e.data };
}

function malformed(what: string, error: z.ZodError): Normalized {
  const issue = error.issues[0];
  return { ok: false, reason: `malformed ${what}: ${issue.path.join('.') || '(root)'} ${issue.message}` };
}
