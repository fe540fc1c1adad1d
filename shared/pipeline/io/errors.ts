/**
 * Why an input image was refused. Stable strings: CLIs map them to messages and exit codes, APIs to
 * 4xx responses, tests assert on them.
 */
export const INPUT_ERROR_CODES = [
  'NOT_FOUND',
  'NOT_GZIP',
  'TRUNCATED_GZIP',
  'CORRUPT_GZIP',
  'DECOMPRESSION_BOMB',
  'NOT_NIFTI',
  'UNSUPPORTED_DATATYPE',
  'WRONG_DIMENSIONALITY',
  'TOO_LARGE',
  'BAD_SPACING',
  'BAD_ORIENTATION',
  'TRUNCATED_DATA',
  'ALL_ZERO',
  'NON_FINITE',
  'UNREADABLE',
] as const;

/** One of {@link INPUT_ERROR_CODES}. */
export type InputErrorCode = (typeof INPUT_ERROR_CODES)[number];

/**
 * A user-facing refusal of an input image: a stable `code` and a one-line message that says what was
 * wrong (no stack trace, no patient data; the file is named by its base name only).
 *
 * @example
 * try { await readNifti('/in/t1.nii.gz', { expect: 't1' }) }
 * catch (e) { if (e instanceof PipelineInputError && e.code === 'NOT_GZIP') ... }
 */
export class PipelineInputError extends Error {
  override readonly name = 'PipelineInputError';
  constructor(
    readonly code: InputErrorCode,
    message: string,
    /** Which input (e.g. 't1', 'pet', 'mask'), when known. */
    readonly input?: string,
  ) {
    super(message);
  }
}

/** True when `error` is a {@link PipelineInputError}, optionally with the given code. */
export function isPipelineInputError(error: unknown, code?: InputErrorCode): error is PipelineInputError {
  return error instanceof PipelineInputError && (code === undefined || error.code === code);
}
