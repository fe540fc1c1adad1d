/**
 * Physical-space sampling for building test cases with known ground truth: trilinear and nearest
 * lookup in a 3-D volume given its grid (origin, spacing, row-major direction).
 */
import type { Grid } from '../../../shared/pipeline/registration/volume.js';

/** A volume with its grid and a precomputed physical → continuous index map. */
export interface Sampler {
  grid: Grid;
  data: ArrayLike<number>;
  /** 3×4 row-major: index = M · [p; 1]. */
  toIndex: number[];
}

/** Builds a {@link Sampler} for `data` on `grid`. */
export function sampler(grid: Grid, data: ArrayLike<number>): Sampler {
  const d = grid.direction;
  // D is orthonormal: D^-1 = D^T.
  const m: number[] = [];
  for (let a = 0; a < 3; a++) {
    const row = [d[a], d[3 + a], d[6 + a]].map((v) => v / grid.spacing[a]);
    m.push(row[0], row[1], row[2], -(row[0] * grid.origin[0] + row[1] * grid.origin[1] + row[2] * grid.origin[2]));
  }
  return { grid, data, toIndex: m };
}

/** Physical point of voxel (i, j, k) of `grid`, written into `out`. */
export function voxelToPoint(grid: Grid, i: number, j: number, k: number, out: number[]): void {
  const d = grid.direction;
  const a = i * grid.spacing[0], b = j * grid.spacing[1], c = k * grid.spacing[2];
  out[0] = grid.origin[0] + d[0] * a + d[1] * b + d[2] * c;
  out[1] = grid.origin[1] + d[3] * a + d[4] * b + d[5] * c;
  out[2] = grid.origin[2] + d[6] * a + d[7] * b + d[8] * c;
}

/** Trilinear value at physical point (x, y, z); `outside` beyond the volume. */
export function linearAt(s: Sampler, x: number, y: number, z: number, outside = 0): number {
  const m = s.toIndex;
  const fi = m[0] * x + m[1] * y + m[2] * z + m[3];
  const fj = m[4] * x + m[5] * y + m[6] * z + m[7];
  const fk = m[8] * x + m[9] * y + m[10] * z + m[11];
  const [nx, ny, nz] = s.grid.size;
  const i0 = Math.floor(fi), j0 = Math.floor(fj), k0 = Math.floor(fk);
  if (i0 < 0 || j0 < 0 || k0 < 0 || i0 >= nx - 1 || j0 >= ny - 1 || k0 >= nz - 1) return outside;
  const u = fi - i0, v = fj - j0, w = fk - k0;
  const d = s.data;
  const b = i0 + nx * (j0 + ny * k0), sx = 1, sy = nx, sz = nx * ny;
  const c00 = d[b] * (1 - u) + d[b + sx] * u;
  const c10 = d[b + sy] * (1 - u) + d[b + sy + sx] * u;
  const c01 = d[b + sz] * (1 - u) + d[b + sz + sx] * u;
  const c11 = d[b + sz + sy] * (1 - u) + d[b + sz + sy + sx] * u;
  return (c00 * (1 - v) + c10 * v) * (1 - w) + (c01 * (1 - v) + c11 * v) * w;
}

/** Nearest-neighbour value at physical point (x, y, z); `outside` beyond the volume. */
export function nearestAt(s: Sampler, x: number, y: number, z: number, outside = 0): number {
  const m = s.toIndex;
  const i = Math.round(m[0] * x + m[1] * y + m[2] * z + m[3]);
  const j = Math.round(m[4] * x + m[5] * y + m[6] * z + m[7]);
  const k = Math.round(m[8] * x + m[9] * y + m[10] * z + m[11]);
  const [nx, ny, nz] = s.grid.size;
  if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return outside;
  return s.data[i + nx * (j + ny * k)];
}

/** Separable Gaussian blur in place (σ in mm per axis), zero-padded. */
export function gaussianBlur(data: Float32Array, grid: Grid, fwhmMm: number): void {
  const [nx, ny, nz] = grid.size;
  const strides = [1, nx, nx * ny];
  for (let a = 0; a < 3; a++) {
    const sigma = fwhmMm / 2.3548 / grid.spacing[a];
    const r = Math.ceil(3 * sigma);
    const k = new Float32Array(2 * r + 1);
    let ks = 0;
    for (let i = -r; i <= r; i++) { k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma)); ks += k[i + r]; }
    for (let i = 0; i < k.length; i++) k[i] /= ks;
    const n = grid.size[a], st = strides[a];
    const line = new Float32Array(n);
    const others = [0, 1, 2].filter((b) => b !== a);
    for (let p = 0; p < grid.size[others[1]]; p++)
      for (let q = 0; q < grid.size[others[0]]; q++) {
        const base = p * strides[others[1]] + q * strides[others[0]];
        for (let i = 0; i < n; i++) line[i] = data[base + i * st];
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = -r; j <= r; j++) { const t = i + j; if (t >= 0 && t < n) s += k[j + r] * line[t]; }
          data[base + i * st] = s;
        }
      }
  }
}
