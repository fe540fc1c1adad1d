/**
 * Physical-space point sampling on a {@link Grid3} (trilinear and nearest), for building images seen
 * through a non-linear warp, where the per-axis incremental walk of image/resample.ts does not apply.
 */
import { physicalToIndex, type Affine12, type Grid3 } from '../image/grid.js';

/** A volume with its grid and its physical → continuous-index affine. */
export interface PointSampler {
  size: [number, number, number];
  data: ArrayLike<number>;
  toIndex: Affine12;
}

/**
 * Prepares sampling of `data` (x fastest) on `grid`.
 *
 * @example
 * const s = pointSampler(gridOf(t1), t1.data);
 * sampleLinear(s, 10, -20, 5); // trilinear value at that LPS point
 */
export function pointSampler(grid: Grid3, data: ArrayLike<number>): PointSampler {
  return { size: [...grid.size], data, toIndex: physicalToIndex(grid) };
}

/** Trilinear value at physical point (x, y, z); `outside` when any neighbour lies outside the grid. */
export function sampleLinear(s: PointSampler, x: number, y: number, z: number, outside = 0): number {
  const m = s.toIndex;
  const fi = m[0] * x + m[1] * y + m[2] * z + m[3];
  const fj = m[4] * x + m[5] * y + m[6] * z + m[7];
  const fk = m[8] * x + m[9] * y + m[10] * z + m[11];
  const [nx, ny, nz] = s.size;
  const i0 = Math.floor(fi), j0 = Math.floor(fj), k0 = Math.floor(fk);
  if (i0 < 0 || j0 < 0 || k0 < 0 || i0 >= nx - 1 || j0 >= ny - 1 || k0 >= nz - 1) return outside;
  const u = fi - i0, v = fj - j0, w = fk - k0;
  const d = s.data;
  const sy = nx, sz = nx * ny;
  const b = i0 + sy * j0 + sz * k0;
  const c00 = d[b] * (1 - u) + d[b + 1] * u;
  const c10 = d[b + sy] * (1 - u) + d[b + sy + 1] * u;
  const c01 = d[b + sz] * (1 - u) + d[b + sz + 1] * u;
  const c11 = d[b + sz + sy] * (1 - u) + d[b + sz + sy + 1] * u;
  return (c00 * (1 - v) + c10 * v) * (1 - w) + (c01 * (1 - v) + c11 * v) * w;
}

/** Nearest-voxel value at physical point (x, y, z); `outside` beyond the grid. */
export function sampleNearest(s: PointSampler, x: number, y: number, z: number, outside = 0): number {
  const m = s.toIndex;
  const i = Math.round(m[0] * x + m[1] * y + m[2] * z + m[3]);
  const j = Math.round(m[4] * x + m[5] * y + m[6] * z + m[7]);
  const k = Math.round(m[8] * x + m[9] * y + m[10] * z + m[11]);
  const [nx, ny, nz] = s.size;
  if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return outside;
  return s.data[i + nx * (j + ny * k)];
}
