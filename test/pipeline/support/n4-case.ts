/**
 * An N4 test case from real anatomy: the MNI152 T1 (with skull) from ../shared/data, resampled to the
 * requested isotropic spacing, multiplied by a known smooth field (a tilted sinusoid plus a bilinear
 * term, about ×0.7–×1.4 across the head, like a 3 T receive profile). A perfect corrector gives the
 * same image with or without the field: CV(N4(biased)/N4(unbiased)) in the brain → 0.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readImageNode } from '@itk-wasm/image-io';
import type { Image } from 'itk-wasm';
import { makeImage } from '../../../shared/pipeline/image/allocate.js';
import { gridOf, type Grid3 } from '../../../shared/pipeline/image/grid.js';
import { resample } from '../../../shared/pipeline/image/resample.js';

export const SHARED_DATA_DIR = join(process.cwd(), '..', 'shared', 'data');
const T1 = join(SHARED_DATA_DIR, 'mni152-2mm', 'MNI152_T1_2mm.nii.gz');
const MASK = join(SHARED_DATA_DIR, 'mni152-2mm', 'MNI152_T1_2mm_Brain_Mask.nii.gz');
const COLIN = join(SHARED_DATA_DIR, 'colin27', 'ch2.nii.gz');
const MASK_1MM = join(SHARED_DATA_DIR, 'mni152-2mm', 'MNI152_T1_1mm_Brain_Mask.nii.gz');
/** Anatomy an N4 case is built from: the MNI152 T1 (2 mm, with skull) or Colin27 (real 1 mm, with skull). */
export type N4CaseSource = 'mni152' | 'colin27';
/** True when ../shared/data holds Colin27 and the 1 mm MNI brain mask (used as its brain mask). */
export const hasColinData = existsSync(COLIN) && existsSync(MASK_1MM);
/** True when ../shared/data holds the MNI152 T1 and brain mask the N4 case needs. */
export const hasN4CaseData = existsSync(T1) && existsSync(MASK);

/** An N4 case: the same anatomy with and without a known field, and the brain mask. */
export interface N4Case {
  grid: Grid3;
  biased: Image;
  unbiased: Image;
  /** The multiplicative field applied (biased = unbiased · field). */
  field: Float32Array;
  brainMask: Uint8Array;
}

/**
 * The multiplicative smooth field at normalised position (x, y, z) ∈ [−½, ½]³.
 *
 * @example
 * smoothField(0, 0, 0); // e^(0.3·sin 0.5) ≈ 1.15
 */
export function smoothField(x: number, y: number, z: number): number {
  return Math.exp(0.3 * Math.sin(2 * x + y + 0.5) + 0.6 * y * z - 0.15 * z);
}

/**
 * Builds the case at `spacingMm`. MNI152: 2 is its native grid, 1 a trilinear upsampling to
 * 182×218×182. Colin27: 1 is its native 181×217×181 grid (real 1 mm detail); its brain mask is the
 * MNI152 1 mm mask (same space) resampled onto it.
 *
 * @example
 * const c = await makeN4Case(2);
 * const colin = await makeN4Case(1, 'colin27');
 */
export async function makeN4Case(spacingMm: number, source: N4CaseSource = 'mni152'): Promise<N4Case> {
  const t1 = await readImageNode(source === 'colin27' ? COLIN : T1);
  const mask = await readImageNode(source === 'colin27' ? MASK_1MM : MASK);
  const g = gridOf(t1);
  const f = g.spacing[0] / spacingMm;
  const grid: Grid3 = { ...g, size: g.size.map((n) => Math.round(n * f)) as [number, number, number], spacing: [spacingMm, spacingMm, spacingMm] };
  const unbiased = resample(t1.data as ArrayLike<number>, g, grid);
  const brain = resample(mask.data as ArrayLike<number>, gridOf(mask), grid, { interpolation: 'nearest' });
  const n = unbiased.length;
  const biased = new Float32Array(n), field = new Float32Array(n), brainMask = new Uint8Array(n);
  const [nx, ny, nz] = grid.size;
  for (let k = 0, o = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, o++) {
        const b = smoothField(i / nx - 0.5, j / ny - 0.5, k / nz - 0.5);
        field[o] = b;
        biased[o] = unbiased[o] * b;
        brainMask[o] = brain[o] > 0 ? 1 : 0;
      }
    }
  }
  return { grid, biased: makeImage(grid, { data: biased, name: 'biased' }), unbiased: makeImage(grid, { data: unbiased, name: 'unbiased' }), field, brainMask };
}

/**
 * The N4 criterion: CV inside `mask` of N4(biased)/N4(unbiased), relative to CV of
 * biased/unbiased (voxels where either is ≤ 0 are left out). Below 0.1 passes.
 *
 * @example
 * relativeResidualCv(c.biased.data, c.unbiased.data, n4b.corrected.data, n4u.corrected.data, c.brainMask)
 */
export function relativeResidualCv(biased: ArrayLike<number>, unbiased: ArrayLike<number>, correctedBiased: ArrayLike<number>, correctedUnbiased: ArrayLike<number>, mask: ArrayLike<number>): { before: number; after: number; relative: number } {
  const cv = (num: ArrayLike<number>, den: ArrayLike<number>) => {
    let count = 0, mean = 0, m2 = 0;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i] || !(unbiased[i] > 0) || !(biased[i] > 0) || !(den[i] > 0)) continue;
      const r = num[i] / den[i];
      count++;
      const d = r - mean;
      mean += d / count;
      m2 += d * (r - mean);
    }
    return Math.sqrt(m2 / (count - 1)) / mean;
  };
  const before = cv(biased, unbiased);
  const after = cv(correctedBiased, correctedUnbiased);
  return { before, after, relative: after / before };
}
