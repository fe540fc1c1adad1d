/** Largest raw upload (one NIfTI .nii.gz) the product accepts by default: 2 GiB, as the local store's limit. */
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

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
