/**
 * The phantom subject's T1 and its ground truth on the subject grid: every subject voxel q looks up
 * the template at W(q) (trilinear for the T1, nearest for labels, the brain mask by trilinear ≥ ½, i.e.
 * exactly what a perfect registration + resampling of the template would give), then Gaussian noise is
 * added and the result multiplied by the bias field: mri = unbiased · bias, exactly.
 */
import type { Random } from '../../model/cohort/random.js';
import { applyAffine, indexToPhysical, voxelCount, type Grid3 } from '../image/grid.js';
import { pointSampler, sampleLinear, sampleNearest } from './sample.js';
import type { PhantomTemplate } from './template.js';
import { applyWarp, type PhantomWarp } from './warp.js';

/** Subject T1 volumes (subject grid, x fastest). */
export interface SubjectMri {
  /** What the scanner gives: (anatomy + noise) · bias. */
  mri: Float32Array;
  /** anatomy + noise, without the bias. */
  unbiased: Float32Array;
  brainMask: Uint8Array;
  atlas: Uint8Array;
  wholeCerebellum: Uint8Array;
  cerebellarGray: Uint8Array;
  pons: Uint8Array;
}

/** Options of {@link makeSubjectMri}. */
export interface SubjectMriOptions {
  template: PhantomTemplate;
  warp: PhantomWarp;
  grid: Grid3;
  biasField: Float32Array;
  random: Random;
  /** Noise standard deviation as a fraction of the template's brightest tissue (default 0.02). */
  noise?: number;
}

/**
 * Builds the subject T1 and its ground-truth masks.
 *
 * @example
 * const s = makeSubjectMri({ template, warp, grid, biasField, random });
 */
export function makeSubjectMri(o: SubjectMriOptions): SubjectMri {
  const n = voxelCount(o.grid);
  const t = o.template;
  const sT1 = pointSampler(t.grid, t.t1), sMask = pointSampler(t.grid, t.brainMask), sAtlas = pointSampler(t.grid, t.atlas);
  const sCb = pointSampler(t.grid, t.wholeCerebellum), sCbg = pointSampler(t.grid, t.cerebellarGray), sPons = pointSampler(t.grid, t.pons);
  const mri = new Float32Array(n), unbiased = new Float32Array(n);
  const brainMask = new Uint8Array(n), atlas = new Uint8Array(n), wholeCerebellum = new Uint8Array(n), cerebellarGray = new Uint8Array(n), pons = new Uint8Array(n);
  let max = 0;
  for (let i = 0; i < t.t1.length; i++) if (t.t1[i] > max) max = t.t1[i];
  const sigma = (o.noise ?? 0.02) * max;
  const m = indexToPhysical(o.grid);
  const q = new Float64Array(3), p = new Float64Array(3);
  const [nx, ny, nz] = o.grid.size;
  let v = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, v++) {
        applyAffine(m, i, j, k, q);
        applyWarp(o.warp, q, p);
        const x = p[0], y = p[1], z = p[2];
        const clean = sampleLinear(sT1, x, y, z);
        const value = Math.max(0, clean + sigma * o.random.normal());
        unbiased[v] = value;
        mri[v] = value * o.biasField[v];
        brainMask[v] = sampleLinear(sMask, x, y, z) >= 0.5 ? 1 : 0;
        atlas[v] = sampleNearest(sAtlas, x, y, z);
        wholeCerebellum[v] = sampleNearest(sCb, x, y, z);
        cerebellarGray[v] = sampleNearest(sCbg, x, y, z);
        pons[v] = sampleNearest(sPons, x, y, z);
      }
    }
  }
  return { mri, unbiased, brainMask, atlas, wholeCerebellum, cerebellarGray, pons };
}
