/**
 * The phantom's smooth multiplicative bias field: log b(q) = s·(g·u + uᵀHu) with u = (q − centre)/100 mm,
 * g and H (symmetric) drawn per seed, s chosen so that the largest |log b| is
 * `maxLog` within 90 mm of the centre (0.3 by default: the field spans about ×0.74 to ×1.35 over the
 * head, a strong 3 T-like inhomogeneity; beyond, in the corners of the grid, it may go further).
 */
import type { Random } from '../../model/cohort/random.js';
import { applyAffine, indexToPhysical, voxelCount, type Grid3 } from '../image/grid.js';

/** Parameters of the bias field (for ground_truth/transforms.json). */
export interface BiasFieldModel {
  center: [number, number, number];
  /** Linear coefficients g (per 100 mm). */
  linear: [number, number, number];
  /** Symmetric quadratic form H (row-major 3×3, per (100 mm)²). */
  quadratic: number[];
  /** Overall scale s. */
  scale: number;
}

/**
 * Draws a bias model and evaluates it on `grid`: returns the model and the field b(q) (> 0).
 *
 * @example
 * const { field } = drawBiasField(createRandom(2), gridOf(t1), [0, 5, 5]);
 */
export function drawBiasField(random: Random, grid: Grid3, center: readonly [number, number, number], maxLog = 0.3): { model: BiasFieldModel; field: Float32Array } {
  const u = (a: number) => (2 * random.uniform() - 1) * a;
  const linear: [number, number, number] = [u(1), u(1), u(1)];
  const h = [u(0.5), u(0.5), u(0.5), u(0.5), u(0.5), u(0.5)];
  const quadratic = [h[0], h[3], h[4], h[3], h[1], h[5], h[4], h[5], h[2]];
  const n = voxelCount(grid);
  const field = new Float32Array(n);
  const m = indexToPhysical(grid);
  const p = new Float64Array(3);
  const [nx, ny, nz] = grid.size;
  const logRaw = new Float64Array(n);
  let peak = 0, o = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, o++) {
        applyAffine(m, i, j, k, p);
        const x = (p[0] - center[0]) / 100, y = (p[1] - center[1]) / 100, z = (p[2] - center[2]) / 100;
        const v = linear[0] * x + linear[1] * y + linear[2] * z +
          quadratic[0] * x * x + quadratic[4] * y * y + quadratic[8] * z * z + 2 * (quadratic[1] * x * y + quadratic[2] * x * z + quadratic[5] * y * z);
        logRaw[o] = v;
        // The scale is set over the head (within 90 mm of the centre), not the grid's empty corners.
        if (x * x + y * y + z * z < 0.81 && Math.abs(v) > peak) peak = Math.abs(v);
      }
    }
  }
  const scale = peak > 0 ? maxLog / peak : 0;
  for (let i = 0; i < n; i++) field[i] = Math.exp(scale * logRaw[i]);
  return { model: { center: [...center] as [number, number, number], linear, quadratic, scale }, field };
}
