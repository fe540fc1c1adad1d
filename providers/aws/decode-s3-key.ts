/** The result of decoding an S3 notification key: the real key, or why it could not be decoded. */
export type DecodedKey = { ok: true; key: string } | { ok: false; reason: string };

/**
 * Decodes the object key of an S3 event notification. S3 URL-encodes keys in notifications the way HTML
 * forms do: a space arrives as `+` and a real `+` as `%2B`. So `+` must become a space *before*
 * percent-decoding; decoding first would turn `%2B` into `+` and then wrongly into a space.
 * Never throws: a malformed escape (`%E0%A4%A`) is a reason, so the record is skipped, not retried.
 *
 * @example
 * decodeS3Key('raw/P1/2024-01-01/my+scan%2B1.nii.gz') // { ok: true, key: 'raw/P1/2024-01-01/my scan+1.nii.gz' }
 */
export function decodeS3Key(encoded: string): DecodedKey {
  try {
    return { ok: true, key: decodeURIComponent(encoded.replace(/\+/g, ' ')) };
  } catch {
    return { ok: false, reason: 'object key is not valid URL encoding' };
  }
}
