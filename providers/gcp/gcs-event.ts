import { z } from 'zod';
import { makeUploadEvent, type UploadEvent } from '../../shared/domain/upload-event.js';

/** Either an {@link UploadEvent} or why the input could not become one. Never thrown: bad input is logged, not retried. */
export type GcsEventParseResult = { ok: true; event: UploadEvent } | { ok: false; reason: string };

export const GCS_FINALIZED = 'google.cloud.storage.object.v1.finalized';
export const GCS_LEGACY_FINALIZE = 'google.storage.object.finalize';

/** `StorageObjectData`, checked only for the fields we use. int64 fields arrive as strings. */
const StorageObjectDataSchema = z.object({
  bucket: z.string().min(1),
  name: z.string().min(1),
  generation: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).optional(),
  size: z.union([z.string().regex(/^\d+$/, 'size must be a decimal integer'), z.number().int().nonnegative()]).optional(),
  etag: z.string().optional(),
  md5Hash: z.string().optional(),
  updated: z.string().optional(),
});

/** A GCS CloudEvent as the Functions Framework hands it over (attributes + `data`). */
export const GcsCloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  subject: z.string().optional(),
  time: z.string().optional(),
  data: StorageObjectDataSchema,
});

/** The legacy (1st-gen background function) event: `{context, data}` or the older flat form. */
const LegacyContextSchema = z.object({
  eventId: z.string().min(1),
  timestamp: z.string().optional(),
  eventType: z.string().min(1),
});
export const GcsLegacyEventSchema = z.union([
  z.object({ context: LegacyContextSchema, data: StorageObjectDataSchema }),
  LegacyContextSchema.extend({ data: StorageObjectDataSchema }),
]);

/**
 * Turns a GCS `google.cloud.storage.object.v1.finalized` CloudEvent into the core {@link UploadEvent}.
 * Bucket and name come from `data` (the subject is `objects/{name}`, the same name); the generation is the
 * version. Other types (deleted, archived, metadataUpdated) are reasons, not events.
 *
 * @example
 * functions.cloudEvent('onUpload', async (ce) => {
 *   const result = gcsCloudEventToUploadEvent(ce);
 *   if (result.ok) await handleUpload(result.event, ports);
 * });
 */
export function gcsCloudEventToUploadEvent(input: unknown): GcsEventParseResult {
  const parsed = GcsCloudEventSchema.safeParse(input);
  if (!parsed.success) return malformed('GCS CloudEvent', parsed.error);
  const ce = parsed.data;
  if (ce.type !== GCS_FINALIZED) return { ok: false, reason: `not an object finalized event (${ce.type})` };
  return { ok: true, event: fromObject(`gcs-${ce.id}`, ce.time, ce.data) };
}

/**
 * Turns a legacy `google.storage.object.finalize` event (`{context, data}` or flat) into the core {@link UploadEvent}.
 *
 * @example
 * const result = gcsLegacyEventToUploadEvent(JSON.parse(body));
 */
export function gcsLegacyEventToUploadEvent(input: unknown): GcsEventParseResult {
  const parsed = GcsLegacyEventSchema.safeParse(input);
  if (!parsed.success) return malformed('legacy GCS event', parsed.error);
  const context = 'context' in parsed.data ? parsed.data.context : parsed.data;
  if (context.eventType !== GCS_LEGACY_FINALIZE) return { ok: false, reason: `not an object finalize event (${context.eventType})` };
  return { ok: true, event: fromObject(`gcs-${context.eventId}`, context.timestamp, parsed.data.data) };
}

/** An HTTP delivery: lower-case header names and the parsed JSON body. */
export interface HttpDelivery {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * Reads any GCS upload event delivered over HTTP: a CloudEvent in binary mode (`ce-*` headers, `data` as the
 * body), in structured mode (`content-type: application/cloudevents+json`, or a body with `specversion`),
 * or a legacy event body.
 *
 * @example
 * const result = gcsHttpDeliveryToUploadEvent({ headers: req.headers, body: req.body });
 */
export function gcsHttpDeliveryToUploadEvent(delivery: HttpDelivery): GcsEventParseResult {
  const header = (name: string) => {
    const value = delivery.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (header('ce-specversion') !== undefined) {
    const attributes: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(delivery.headers)) {
      if (name.startsWith('ce-')) attributes[name.slice(3)] = Array.isArray(value) ? value[0] : value;
    }
    return gcsCloudEventToUploadEvent({ ...attributes, data: delivery.body });
  }
  const body = delivery.body;
  if (typeof body === 'object' && body !== null && 'specversion' in body) return gcsCloudEventToUploadEvent(body);
  if (typeof body === 'object' && body !== null && ('context' in body || 'eventType' in body)) return gcsLegacyEventToUploadEvent(body);
  return { ok: false, reason: 'request is neither a CloudEvent (binary or structured) nor a legacy GCS event' };
}

function fromObject(id: string, time: string | undefined, o: z.infer<typeof StorageObjectDataSchema>): UploadEvent {
  return makeUploadEvent({
    id,
    source: `gcp:gcs:${o.bucket}`,
    time: time ?? o.updated,
    bucket: o.bucket,
    key: o.name,
    size: o.size === undefined ? undefined : Number(o.size),
    etag: o.etag,
    generation: o.generation === undefined ? undefined : String(o.generation),
  });
}

function malformed(what: string, error: z.ZodError): GcsEventParseResult {
  const issue = error.issues[0];
  return { ok: false, reason: `malformed ${what}: ${issue.path.join('.') || '(root)'} ${issue.message}` };
}
