import { createHash } from 'node:crypto';
import { z } from 'zod';
import { makeUploadEvent } from '../../shared/domain/upload-event.js';
import type { AzureEventParseResult } from './blob-created-event.js';

/**
 * The trigger metadata of an (event-based) blob trigger, checked only for the fields we use. The host has
 * serialised blob properties both camelCase and PascalCase over the years, so both are read.
 */
export const BlobTriggerMetadataSchema = z.object({
  /** `{container}/{blob name}` */
  blobTrigger: z.string().min(1),
  uri: z.string().optional(),
  properties: z
    .object({
      eTag: z.string().optional(),
      ETag: z.string().optional(),
      length: z.number().optional(),
      contentLength: z.number().optional(),
      ContentLength: z.number().optional(),
      lastModified: z.string().optional(),
      LastModified: z.string().optional(),
      versionId: z.string().optional(),
      VersionId: z.string().optional(),
    })
    .partial()
    .optional(),
});

/**
 * Turns the trigger metadata of an `app.storageBlob` invocation into the core {@link UploadEvent}. The id is
 * derived from the blob and its ETag, so the same write seen twice gets the same id.
 *
 * @example
 * const result = blobTriggerToUploadEvent(context.triggerMetadata);
 * if (result.ok) await handleUpload(result.event, ports);
 */
export function blobTriggerToUploadEvent(metadata: unknown): AzureEventParseResult {
  const parsed = BlobTriggerMetadataSchema.safeParse(metadata);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `malformed blob trigger metadata: ${issue.path.join('.') || '(root)'} ${issue.message}` };
  }
  const { blobTrigger, uri, properties = {} } = parsed.data;
  const slash = blobTrigger.indexOf('/');
  if (slash <= 0 || slash === blobTrigger.length - 1) return { ok: false, reason: 'blobTrigger is not {container}/{name}' };
  const container = blobTrigger.slice(0, slash);
  const key = blobTrigger.slice(slash + 1);
  const etag = properties.eTag ?? properties.ETag;
  const size = properties.length ?? properties.contentLength ?? properties.ContentLength;
  const versionId = properties.versionId ?? properties.VersionId;
  const account = accountOf(uri);
  const id = createHash('sha256').update([container, key, etag ?? '', versionId ?? ''].join('\0')).digest('hex').slice(0, 32);
  return {
    ok: true,
    event: makeUploadEvent({
      id: `bt-${id}`,
      source: `azure:blob:${account}/${container}`,
      time: properties.lastModified ?? properties.LastModified,
      bucket: container,
      key,
      size: size === undefined ? undefined : Math.trunc(size),
      etag,
      versionId,
    }),
  };
}

function accountOf(uri: string | undefined): string {
  if (!uri) return 'unknown-account';
  try {
    const url = new URL(uri);
    // Azurite and other path-style endpoints put the account in the first path segment.
    return url.hostname.includes('.') && !/^\d/.test(url.hostname) ? url.hostname.split('.')[0] : url.pathname.split('/')[1];
  } catch {
    return 'unknown-account';
  }
}
