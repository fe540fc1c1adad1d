import { binaryOpen, fillHoles, largestComponent } from '../mask/index.js';

/** Options of {@link refineBrainMask}. */
export interface RefineBrainMaskOptions {
  /** Template brain mask warped onto the subject grid with linear interpolation (0..1). */
  probability: ArrayLike<number>;
  /** The bias-corrected T1 on the same grid. */
  t1: ArrayLike<number>;
  size: readonly [number, number, number];
  /** Voxel spacing (mm), for the opening's ball radius. */
  spacing: readonly [number, number, number];
  /** Probability at or above which a voxel is brain (default 0.5). */
  threshold?: number;
  /**
   * Voxels darker than this fraction of the mask's 98th-percentile intensity are air, not brain
   * (default 0.02: only background; CSF stays, as in the template's mask).
   */
  airFraction?: number;
  /** Opening radius (mm) to cut thin bridges before keeping the largest component (default 0: none). */
  openingRadiusMm?: number;
}

/** Result of {@link refineBrainMask}. */
export interface RefineBrainMaskResult {
  mask: Uint8Array;
  /** Voxels removed as air by the intensity floor. */
  airVoxels: number;
  /** Voxels added by hole filling. */
  filledVoxels: number;
}

/**
 * Brain-mask refinement after warping the template mask: threshold the warped probability, drop
 * air voxels, optional opening, keep the largest 6-connected component, fill holes.
 *
 * @example
 * const { mask } = refineBrainMask({ probability: warped, t1: n4.data, size: [91, 109, 91], spacing: [2, 2, 2] });
 */
export function refineBrainMask(options: RefineBrainMaskOptions): RefineBrainMaskResult {
  const { probability, t1 } = options;
  const grid = { size: options.size, spacing: options.spacing };
  const n = probability.length;
  const threshold = options.threshold ?? 0.5;
  let mask: Uint8Array = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) if (probability[i] >= threshold) { mask[i] = 1; count++; }
  const floor = (options.airFraction ?? 0.02) * percentileInMask(t1, mask, count, 0.98);
  let airVoxels = 0;
  for (let i = 0; i < n; i++) if (mask[i] && !(t1[i] > floor)) { mask[i] = 0; airVoxels++; }
  const r = options.openingRadiusMm ?? 0;
  if (r > 0) mask = binaryOpen(mask, grid, r);
  // 6-connectivity: a diagonal touch is not enough to keep a blob attached to the brain.
  mask = largestComponent(mask, grid, 6).mask;
  let before = 0;
  for (let i = 0; i < n; i++) before += mask[i];
  mask = fillHoles(mask, grid, 6);
  let after = 0;
  for (let i = 0; i < n; i++) after += mask[i];
  return { mask, airVoxels, filledVoxels: after - before };
}

/** The q-quantile of `values` inside `mask` (histogram of 1024 bins; 0 for an empty mask). */
function percentileInMask(values: ArrayLike<number>, mask: Uint8Array, count: number, q: number): number {
  if (!count) return 0;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < mask.length; i++) if (mask[i]) { const v = values[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!(hi > lo)) return hi;
  const bins = 1024, hist = new Float64Array(bins), w = (hi - lo) / bins;
  for (let i = 0; i < mask.length; i++) if (mask[i]) hist[Math.min(bins - 1, Math.floor((values[i] - lo) / w))]++;
  let acc = 0;
  for (let b = 0; b < bins; b++) { acc += hist[b]; if (acc >= q * count) return lo + (b + 1) * w; }
  return hi;
}
