import { isAbsolute, resolve, basename } from 'node:path';
import type { Image } from 'itk-wasm';
import { readImageNode } from '@itk-wasm/image-io';
import { PipelineInputError } from './errors.js';
import type { NiftiHeader } from './nifti-header.js';
import { affineToItkGeometry, type OrientationInfo } from './orientation.js';
import { assertNotEmpty, scanNifti, type NiftiScan } from './scan-nifti.js';
import type { ExpectedImage, HeaderShape } from './validate-header.js';

/** Options of {@link readNifti}. */
export interface ReadNiftiOptions {
  /** What the file must hold: 't1' 3-D, 'pet' 3-D or 4-D, 'mask'/'labels'/'any3d' 3-D. */
  expect: ExpectedImage;
  /** Hard cap on inflated bytes (default 1 GiB). */
  maxInflatedBytes?: number;
  /** Name used in error messages (default: the file's base name; never a full path, it may hold ids). */
  label?: string;
  /** Skip the all-zero / all-NaN check (e.g. for label images that may legitimately be empty). */
  allowEmpty?: boolean;
}

/** Facts about the file, beyond the image itself. */
export interface NiftiInfo {
  dimensionality: 3 | 4;
  frames: number;
  inflatedBytes: number;
  nonFiniteVoxels: number;
  /** Orientation notes: qform/sform conflict, missing transforms, geometry overrides. */
  warnings: string[];
}

/** Result of {@link readNifti}. */
export interface NiftiReadResult {
  image: Image;
  header: NiftiHeader;
  shape: HeaderShape;
  orientation: OrientationInfo;
  info: NiftiInfo;
}

/**
 * Reads a NIfTI (.nii / .nii.gz) after validating it (see {@link scanNifti}): every refusal is a
 * {@link PipelineInputError} with a stable `code`, raised before the pixels are decoded where possible.
 * The geometry follows the sform when present (see orientation.ts); where itk-wasm decided otherwise
 * the image's origin/spacing/direction are overridden and a warning says so.
 *
 * @example
 * const { image, info } = await readNifti('/data/sub-01/t1.nii.gz', { expect: 't1' });
 * image.size; // [182, 218, 182]
 * info.warnings; // ['qform (code 1) and sform (code 2) disagree: ...']
 */
export async function readNifti(path: string, options: ReadNiftiOptions): Promise<NiftiReadResult> {
  const absolute = isAbsolute(path) ? path : resolve(path);
  const label = options.label ?? basename(path);
  const scan = await scanNifti(absolute, { expect: options.expect, maxInflatedBytes: options.maxInflatedBytes, label });
  // Empty or NaN-filled stored data is refused from the scan's counts, before anything is decoded.
  checkCounts(scan, label, options);
  let image: Image;
  try {
    image = await readImageNode(absolute);
  } catch {
    // Say what is odd about the file where the scan saw it (the decoder's own error has no message).
    const oddity = scan.header.version === 2 ? 'NIfTI-2; save it as NIfTI-1' : scan.orientation.warnings.find((w) => /degenerate|shear/.test(w));
    const hint = oddity ? ` (${oddity})` : '';
    throw new PipelineInputError('UNREADABLE', `${label}: the NIfTI reader could not decode this file${hint}`, options.expect);
  }
  const warnings = [...scan.orientation.warnings];
  image = squeezeTo(image, scan);
  image.direction = Float64Array.from(image.direction as ArrayLike<number>, (x) => x + 0); // no -0
  if (applyGeometry(image, scan)) {
    warnings.push(`the image reader placed the grid differently from the ${scan.orientation.source}; geometry set from the ${scan.orientation.source}`);
  }
  const nonFiniteVoxels = zeroNonFinite(image, scan, label, options);
  return {
    image,
    header: scan.header,
    shape: scan.shape,
    orientation: scan.orientation,
    info: { dimensionality: scan.shape.dimensionality, frames: scan.shape.frames, inflatedBytes: scan.inflatedBytes, nonFiniteVoxels, warnings },
  };
}

/** Drops trailing length-1 axes itk-wasm may keep (e.g. dim[0] = 5 with dim[4] = dim[5] = 1). */
function squeezeTo(image: Image, scan: NiftiScan): Image {
  const want = scan.shape.dimensionality;
  const have = image.imageType.dimension;
  if (have === want) return image;
  if (have < want) throw new PipelineInputError('UNREADABLE', `the NIfTI reader returned ${have}-D data for a ${want}-D header`);
  const direction = new Float64Array(want * want);
  for (let r = 0; r < want; r++) for (let c = 0; c < want; c++) direction[r * want + c] = Number(image.direction[r * have + c]);
  return {
    ...image,
    imageType: { ...image.imageType, dimension: want },
    size: image.size.slice(0, want),
    spacing: image.spacing.slice(0, want),
    origin: image.origin.slice(0, want),
    direction,
  } as Image;
}

/** Puts the resolved geometry on the image; true when it changed anything. */
function applyGeometry(image: Image, scan: NiftiScan): boolean {
  const g = affineToItkGeometry(scan.orientation.affine);
  const dim = image.imageType.dimension;
  let changed = false;
  const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
  for (let i = 0; i < 3; i++) {
    if (!close(image.origin[i], g.origin[i], 1e-4) || !close(image.spacing[i], g.spacing[i], 1e-5)) changed = true;
    for (let j = 0; j < 3; j++) if (!close(Number(image.direction[i * dim + j]), g.direction[i * 3 + j], 1e-5)) changed = true;
  }
  if (!changed) return false;
  const origin = image.origin.slice();
  const spacing = image.spacing.slice();
  const direction = Float64Array.from(image.direction as ArrayLike<number>);
  for (let i = 0; i < 3; i++) {
    origin[i] = g.origin[i];
    spacing[i] = g.spacing[i];
    for (let j = 0; j < 3; j++) direction[i * dim + j] = g.direction[i * 3 + j];
  }
  image.origin = origin;
  image.spacing = spacing;
  image.direction = direction;
  return true;
}

/** Refuses empty or NaN-filled data, from the counts the scan took on the stored bytes. */
function checkCounts(scan: NiftiScan, label: string, options: ReadNiftiOptions): void {
  if (!options.allowEmpty) assertNotEmpty(scan, label, options.expect);
}

/**
 * NaN/Inf voxels become 0 (SPM writes NaN outside the field of view, and every later step would
 * propagate it; ITK's reader already does this for NaN). The decoded data is checked too, not only the
 * stored counts: scl_slope/scl_inter can overflow finite stored values to ±Inf. Returns how many
 * non-finite voxels there were (stored or after scaling, whichever is more); refuses an image that is
 * nothing else after scaling.
 */
function zeroNonFinite(image: Image, scan: NiftiScan, label: string, options: ReadNiftiOptions): number {
  const data = image.data;
  let decoded = 0;
  if (data && (data instanceof Float32Array || data instanceof Float64Array)) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        data[i] = 0;
        decoded++;
      }
    }
    if (!options.allowEmpty && data.length > 0 && decoded === data.length) {
      throw new PipelineInputError('NON_FINITE', `${label}: every voxel is NaN or infinite after intensity scaling (scl_slope ${scan.header.sclSlope}, scl_inter ${scan.header.sclInter})`, options.expect);
    }
  }
  return Math.max(scan.nonFiniteVoxels, decoded);
}
