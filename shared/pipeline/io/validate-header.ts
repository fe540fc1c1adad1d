import { PipelineInputError } from './errors.js';
import { NIFTI_DATATYPES, type NiftiHeader } from './nifti-header.js';

/** What the caller expects the file to hold: a T1 must be 3-D; a PET may be 3-D or 4-D (frames). */
export type ExpectedImage = 't1' | 'pet' | 'mask' | 'labels' | 'any3d';

/** Limits that make a header "absurd" (issue 3: > 512 per axis or > 2^28 voxels). */
export const NIFTI_LIMITS = {
  maxAxis: 512,
  maxVoxels: 2 ** 28,
  minSpacingMm: 1e-3,
  maxSpacingMm: 100,
} as const;

/** Shape facts derived from a valid header. */
export interface HeaderShape {
  /** 3 or 4 (trailing axes of length 1 are ignored). */
  dimensionality: 3 | 4;
  size: number[];
  frames: number;
  voxels: number;
  bytesPerVoxel: number;
  /** vox_offset + voxels × bytes: the exact inflated size of a well-formed single-file NIfTI. */
  expectedBytes: number;
}

/**
 * Checks a parsed header against what the pipeline can process, without touching pixel data.
 *
 * @example
 * const shape = validateHeader(header, 'pet'); // { dimensionality: 4, frames: 6, ... }
 */
export function validateHeader(h: NiftiHeader, expect: ExpectedImage, input: string = expect): HeaderShape {
  const nd = h.dim[0];
  if (!Number.isInteger(nd) || nd < 1 || nd > 7) throw new PipelineInputError('NOT_NIFTI', `${input}: corrupt NIfTI header: dim[0] = ${nd}`, input);
  const dims = h.dim.slice(1, nd + 1);
  if (dims.some((d) => !Number.isInteger(d) || d < 1)) throw new PipelineInputError('NOT_NIFTI', `${input}: corrupt NIfTI header: dimensions ${dims.join('×')}`, input);
  const type = NIFTI_DATATYPES[h.datatype];
  if (!type) throw new PipelineInputError('UNSUPPORTED_DATATYPE', `${input}: unsupported NIfTI datatype ${h.datatype} (need a scalar integer or float type)`, input);
  if (h.bitpix !== type.bytes * 8) throw new PipelineInputError('NOT_NIFTI', `${input}: corrupt NIfTI header: bitpix ${h.bitpix} does not match datatype ${type.name}`, input);

  const spatial = [0, 1, 2].map((i) => dims[i] ?? 1);
  if (nd < 3 || spatial.some((d) => d < 2)) {
    const spanned = Math.max(1, spatial.filter((d) => d > 1).length);
    throw new PipelineInputError('WRONG_DIMENSIONALITY', `${input} must be a 3-D volume; got ${spanned}-D data (${dims.join('×')})`, input);
  }
  let effective = 3;
  for (let i = 3; i < dims.length; i++) if (dims[i] > 1) effective = i + 1;
  if (effective >= 5) throw new PipelineInputError('WRONG_DIMENSIONALITY', `${input} has ${effective}-D data (${dims.join('×')}); only 3-D${expect === 'pet' ? ' or 4-D' : ''} is supported`, input);
  if (effective === 4 && expect !== 'pet') {
    throw new PipelineInputError('WRONG_DIMENSIONALITY', `${input} must be 3-D; got 4-D data with ${dims[3]} volumes`, input);
  }
  const size = effective === 4 ? [...spatial, dims[3]] : spatial;
  if (size.some((d, i) => i < 3 && d > NIFTI_LIMITS.maxAxis)) {
    throw new PipelineInputError('TOO_LARGE', `${input} is too large: ${size.join('×')} (at most ${NIFTI_LIMITS.maxAxis} voxels per axis)`, input);
  }
  const voxels = size.reduce((a, b) => a * b, 1);
  if (voxels > NIFTI_LIMITS.maxVoxels) throw new PipelineInputError('TOO_LARGE', `${input} is too large: ${voxels} voxels (at most 2^28)`, input);

  for (let i = 1; i <= 3; i++) {
    const s = h.pixdim[i];
    if (!Number.isFinite(s) || s <= 0) throw new PipelineInputError('BAD_SPACING', `${input} has invalid voxel spacing ${h.pixdim.slice(1, 4).join(' × ')} (must be positive numbers)`, input);
    if (s < NIFTI_LIMITS.minSpacingMm || s > NIFTI_LIMITS.maxSpacingMm) throw new PipelineInputError('BAD_SPACING', `${input} has implausible voxel spacing ${h.pixdim.slice(1, 4).join(' × ')} mm`, input);
  }
  const headerBytes = h.version === 1 ? 348 : 540;
  if (!Number.isFinite(h.voxOffset) || h.voxOffset < headerBytes) throw new PipelineInputError('NOT_NIFTI', `${input}: corrupt NIfTI header: vox_offset ${h.voxOffset}`, input);
  // A fractional offset (NIfTI-1 stores it as a float) would make the decoder read every voxel shifted by
  // part of a byte: garbage intensities that look valid. The standard asks for a whole multiple of 16.
  if (h.voxOffset > Number.MAX_SAFE_INTEGER) throw new PipelineInputError('TOO_LARGE', `${input}: header puts the data at byte ${h.voxOffset}, beyond any file`, input);
  if (!Number.isInteger(h.voxOffset)) throw new PipelineInputError('NOT_NIFTI', `${input}: corrupt NIfTI header: vox_offset ${h.voxOffset} is not a whole number of bytes`, input);
  const expectedBytes = h.voxOffset + voxels * type.bytes;
  return { dimensionality: effective as 3 | 4, size, frames: effective === 4 ? size[3] : 1, voxels, bytesPerVoxel: type.bytes, expectedBytes };
}
