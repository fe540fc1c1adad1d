import { z } from 'zod';

/** CloudEvents `type` of the one event every provider adapter produces. */
export const UPLOAD_EVENT_TYPE = 'org.adni-progression.storage.object.created.v1';

/**
 * The provider-neutral "an object was written" event (CloudEvents 1.0 shaped).
 * Adapters translate S3 notifications, EventBridge, Event Grid and GCS CloudEvents into this;
 * the core handler sees nothing else.
 */
export const UploadEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  /** Where it came from, e.g. `aws:s3:my-bucket`, `azure:blob:account/container`, `local:fs`. */
  source: z.string().min(1),
  type: z.literal(UPLOAD_EVENT_TYPE),
  /** The object key. */
  subject: z.string(),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json').optional(),
  data: z.object({
    bucket: z.string().min(1),
    key: z.string(),
    size: z.number().int().nonnegative().optional(),
    etag: z.string().optional(),
    /** S3 VersionId / Azure versionId. */
    versionId: z.string().optional(),
    /** GCS generation. */
    generation: z.string().optional(),
    /** Provider event sequencer (S3 `sequencer`), useful only for logs. */
    sequencer: z.string().optional(),
  }),
});

export type UploadEvent = z.infer<typeof UploadEventSchema>;

export interface UploadEventInit {
  id: string;
  source: string;
  time?: string | Date;
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
  generation?: string;
  sequencer?: string;
}

/**
 * Builds a valid {@link UploadEvent}; adapters call this so every field is filled the same way.
 *
 * @example
 * makeUploadEvent({ id: 'abc', source: 'local:fs', bucket: 'local', key: 'raw/P1/2024-01-01/mri.nii.gz' })
 */
export function makeUploadEvent(init: UploadEventInit): UploadEvent {
  const time = init.time === undefined ? new Date() : new Date(init.time);
  const data: UploadEvent['data'] = { bucket: init.bucket, key: init.key };
  if (init.size !== undefined) data.size = init.size;
  if (init.etag) data.etag = stripQuotes(init.etag);
  if (init.versionId) data.versionId = init.versionId;
  if (init.generation) data.generation = init.generation;
  if (init.sequencer) data.sequencer = init.sequencer;
  return UploadEventSchema.parse({
    specversion: '1.0',
    id: init.id,
    source: init.source,
    type: UPLOAD_EVENT_TYPE,
    subject: init.key,
    time: (Number.isNaN(time.getTime()) ? new Date() : time).toISOString(),
    datacontenttype: 'application/json',
    data,
  });
}

/** S3 and Azure quote ETags; the quotes carry no information. */
export function stripQuotes(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"+|"+$/g, '');
}
