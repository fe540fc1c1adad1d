import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { PipelineInputError } from '../../shared/pipeline/io/errors.js';
import { assertNotEmpty, scanNifti } from '../../shared/pipeline/io/scan-nifti.js';
import type { ExpectedImage } from '../../shared/pipeline/io/validate-header.js';

export type NiftiVersion = 'nifti-1' | 'nifti-2';

/** An input the pipeline cannot use; the message says why, in words a user can act on. */
export class InputValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputValidationError';
  }
}

/** Enough inflated bytes for either header: NIfTI-1 is 348 (+4 extension flag), NIfTI-2 is 540. */
const HEADER_BYTES = 544;

/**
 * Checks that a file is a gzip-compressed NIfTI-1 or NIfTI-2 image by reading its gzip magic, inflating
 * only the first bytes and reading `sizeof_hdr` (348 or 540, either byte order) and the magic string.
 * Cheap on multi-GB files: nothing past the header is decompressed.
 *
 * @example
 * await assertGzipNifti('/tmp/mri.nii.gz', 'MRI') // 'nifti-1', or throws InputValidationError
 */
export async function assertGzipNifti(file: string, label: string): Promise<NiftiVersion> {
  const handle = await open(file, 'r');
  let compressed: Buffer;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    compressed = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (compressed.length < 2 || compressed[0] !== 0x1f || compressed[1] !== 0x8b) {
    throw new InputValidationError(`${label} input is not gzip-compressed: expected a .nii.gz file (gzip magic 1f 8b)`);
  }
  const header = await inflatePrefix(compressed, HEADER_BYTES).catch((error: Error) => {
    throw new InputValidationError(`${label} input is not a valid gzip stream: ${error.message}`);
  });
  if (header.length < 4) throw new InputValidationError(`${label} input is too short to hold a NIfTI header (${header.length} bytes inflated)`);
  const sizeLE = header.readInt32LE(0);
  const sizeBE = header.readInt32BE(0);
  const size = sizeLE === 348 || sizeLE === 540 ? sizeLE : sizeBE === 348 || sizeBE === 540 ? sizeBE : sizeLE;
  if (size === 348) {
    if (header.length < 348) throw new InputValidationError(`${label} input ends inside its NIfTI-1 header`);
    const magic = header.subarray(344, 348).toString('latin1');
    if (magic !== 'n+1\0' && magic !== 'ni1\0') {
      throw new InputValidationError(`${label} input has a 348-byte header but not the NIfTI-1 magic (is it an Analyze 7.5 file?)`);
    }
    return 'nifti-1';
  }
  if (size === 540) {
    if (header.length < 540) throw new InputValidationError(`${label} input ends inside its NIfTI-2 header`);
    const magic = header.subarray(4, 8).toString('latin1');
    if (magic !== 'n+2\0' && magic !== 'ni2\0') throw new InputValidationError(`${label} input has a 540-byte header but not the NIfTI-2 magic`);
    return 'nifti-2';
  }
  throw new InputValidationError(`${label} input is gzip but not a NIfTI-1/2 image: sizeof_hdr is ${size}, expected 348 or 540`);
}

/** Inflates until `want` bytes are out (or the stream ends); a truncated stream is fine if enough came out. */
function inflatePrefix(compressed: Buffer, want: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      const out = Buffer.concat(chunks);
      if (error && out.length < want) reject(error);
      else resolve(out.subarray(0, want));
    };
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= want) finish();
    });
    gunzip.on('end', () => finish());
    gunzip.on('error', (error) => finish(error));
    gunzip.end(compressed);
  });
}

/**
 * Most bytes a job input may inflate to (and so the most a compressed input may hold): the reader's own
 * default, so the batch entrypoint refuses exactly what `preprocess()` would, only earlier.
 */
export const MAX_INPUT_BYTES = 1 << 30;

/**
 * The batch entrypoint's input check, run before any heavy work (template, registration, copies):
 * {@link assertGzipNifti}, then the reader's streaming scan with its limits: the whole gzip stream is
 * inflated and counted but never kept (decompression bombs stop at what the header accounts for + 1 MiB,
 * or at `maxInflatedBytes`), and the header is judged as `preprocess()` would (dimensions, size,
 * datatype, spacing, orientation, data length, all-zero or all-NaN data). Every refusal is an {@link InputValidationError} whose
 * message starts with `label`.
 *
 * @example
 * await checkNiftiInput('/tmp/job/in/pet.nii.gz', 'PET', 'pet') // 'nifti-1', or throws InputValidationError
 */
export async function checkNiftiInput(file: string, label: string, expect: ExpectedImage, maxInflatedBytes = MAX_INPUT_BYTES): Promise<NiftiVersion> {
  const version = await assertGzipNifti(file, label);
  try {
    assertNotEmpty(await scanNifti(file, { expect, label, maxInflatedBytes }), label, expect);
  } catch (error) {
    if (error instanceof PipelineInputError) throw new InputValidationError(error.message);
    throw error;
  }
  return version;
}
