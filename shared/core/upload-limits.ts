/** Largest raw upload (one NIfTI .nii.gz) the product accepts by default: 2 GiB, as the local store's limit. */
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

/**
 * The upload limit of this process: `ADNI_MAX_UPLOAD_BYTES` (a positive whole number of bytes; the local
 * store's server reads the same setting), else {@link DEFAULT_MAX_UPLOAD_BYTES}. The API and the upload trigger
 * use it when not given a limit of their own. A bad value throws naming the variable (a deployment mistake).
 *
 * @example
 * maxUploadBytesFromEnv({ ADNI_MAX_UPLOAD_BYTES: '1073741824' }) // 1073741824
 */
export function maxUploadBytesFromEnv(env: Record<string, string | undefined> = process.env): number {
  const text = env.ADNI_MAX_UPLOAD_BYTES;
  if (text === undefined || text === '') return DEFAULT_MAX_UPLOAD_BYTES;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`ADNI_MAX_UPLOAD_BYTES must be a positive whole number of bytes (got "${text.slice(0, 32)}")`);
  return value;
}

/**
 * Why an uploaded object is too large to process, or undefined when it is within `maxBytes`. The upload trigger
 * uses it on every cloud: it is the only size check Azure Blob has (a SAS cannot limit size), and the backstop
 * for S3 URLs issued without a declared size.
 *
 * @example
 * oversizeReason('pet', 3 * 1024 ** 3, DEFAULT_MAX_UPLOAD_BYTES)
 * // 'pet upload is 3221225472 bytes, over the limit of 2147483648 bytes: not processed'
 */
export function oversizeReason(modality: 'mri' | 'pet', size: number, maxBytes: number = DEFAULT_MAX_UPLOAD_BYTES): string | undefined {
  return size > maxBytes ? `${modality} upload is ${size} bytes, over the limit of ${maxBytes} bytes: not processed` : undefined;
}
