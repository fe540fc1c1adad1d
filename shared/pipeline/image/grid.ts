/**
 * Voxel grids: the geometry of a 3-D itk-wasm image (size, spacing, LPS origin, direction with axis i
 * in column i, row-major as itk-wasm stores it) and the affine maps between voxel indices and physical
 * points. Plain numbers and Float64Arrays: nothing is allocated per voxel.
 */
import type { Image } from 'itk-wasm';

/** Geometry of a 3-D grid, itk-wasm conventions (LPS mm; direction row-major, column i = axis i). */
export interface Grid3 {
  size: [number, number, number];
  spacing: [number, number, number];
  origin: [number, number, number];
  /** 9 numbers, row-major. */
  direction: ArrayLike<number>;
}

/** A 3×4 affine, row-major in a Float64Array(12): y = M[:, :3]·x + M[:, 3]. */
export type Affine12 = Float64Array;

/**
 * The spatial grid of an image (the first three axes of a 4-D image).
 *
 * @example
 * const g = gridOf(t1); g.size; // [182, 218, 182]
 */
export function gridOf(image: Pick<Image, 'size' | 'spacing' | 'origin' | 'direction'>): Grid3 {
  const dim = image.size.length;
  const direction = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) direction[r * 3 + c] = Number(image.direction[r * dim + c]);
  return {
    size: [image.size[0], image.size[1], image.size[2]],
    spacing: [image.spacing[0], image.spacing[1], image.spacing[2]],
    origin: [image.origin[0], image.origin[1], image.origin[2]],
    direction,
  };
}

/** Number of voxels in a grid. */
export function voxelCount(grid: Pick<Grid3, 'size'>): number {
  return grid.size[0] * grid.size[1] * grid.size[2];
}

/** Volume of one voxel in mm³. */
export function voxelVolumeMm3(grid: Pick<Grid3, 'spacing'>): number {
  return grid.spacing[0] * grid.spacing[1] * grid.spacing[2];
}

/**
 * Index (i, j, k) → physical LPS point: p = origin + D · diag(spacing) · idx.
 *
 * @example
 * const m = indexToPhysical(gridOf(img));
 * const p = applyAffine(m, 10, 20, 30); // [x, y, z] in mm
 */
export function indexToPhysical(grid: Grid3): Affine12 {
  const m = new Float64Array(12);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) m[r * 4 + c] = grid.direction[r * 3 + c] * grid.spacing[c];
    m[r * 4 + 3] = grid.origin[r];
  }
  return m;
}

/** Physical LPS point → continuous index: the inverse of {@link indexToPhysical}. */
export function physicalToIndex(grid: Grid3): Affine12 {
  return invertAffine(indexToPhysical(grid));
}

/** Inverse of a 3×4 affine. Throws on a singular matrix. */
export function invertAffine(m: Affine12): Affine12 {
  const [a, b, c, , d, e, f, , g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new Error('singular affine');
  const inv = new Float64Array(12);
  inv[0] = A / det; inv[1] = -(b * i - c * h) / det; inv[2] = (b * f - c * e) / det;
  inv[4] = B / det; inv[5] = (a * i - c * g) / det; inv[6] = -(a * f - c * d) / det;
  inv[8] = C / det; inv[9] = -(a * h - b * g) / det; inv[10] = (a * e - b * d) / det;
  for (let r = 0; r < 3; r++) inv[r * 4 + 3] = -(inv[r * 4] * m[3] + inv[r * 4 + 1] * m[7] + inv[r * 4 + 2] * m[11]);
  return inv;
}

/** Composition: (a ∘ b)(x) = a(b(x)). */
export function composeAffine(a: Affine12, b: Affine12): Affine12 {
  const out = new Float64Array(12);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      let s = c === 3 ? a[r * 4 + 3] : 0;
      for (let k = 0; k < 3; k++) s += a[r * 4 + k] * b[k * 4 + c];
      out[r * 4 + c] = s;
    }
  }
  return out;
}

/**
 * Applies an affine to one point; writes into `out` when given (no allocation in loops).
 *
 * @example
 * const out = new Float64Array(3);
 * applyAffine(m, i, j, k, out);
 */
export function applyAffine(m: Affine12, x: number, y: number, z: number, out: Float64Array | number[] = new Float64Array(3)): Float64Array | number[] {
  out[0] = m[0] * x + m[1] * y + m[2] * z + m[3];
  out[1] = m[4] * x + m[5] * y + m[6] * z + m[7];
  out[2] = m[8] * x + m[9] * y + m[10] * z + m[11];
  return out;
}

/** Options of {@link sameGrid}. */
export interface SameGridOptions {
  /** Tolerance on origin (mm) and spacing (relative); default 1e-4. */
  tolerance?: number;
}

/**
 * True when two grids share size, spacing, origin and direction (voxel i of one is voxel i of the
 * other): images on the same grid can be combined voxel by voxel without resampling.
 *
 * @example
 * if (!sameGrid(gridOf(t1), gridOf(mask))) throw new Error('mask is not on the T1 grid');
 */
export function sameGrid(a: Grid3, b: Grid3, options: SameGridOptions = {}): boolean {
  const tol = options.tolerance ?? 1e-4;
  for (let i = 0; i < 3; i++) {
    if (a.size[i] !== b.size[i]) return false;
    if (Math.abs(a.spacing[i] - b.spacing[i]) > tol * Math.max(1, a.spacing[i])) return false;
    if (Math.abs(a.origin[i] - b.origin[i]) > tol * Math.max(1, Math.abs(a.spacing[i]) * 10)) return false;
  }
  for (let i = 0; i < 9; i++) if (Math.abs(a.direction[i] - b.direction[i]) > tol) return false;
  return true;
}

/** Throws a clear error when two grids differ (see {@link sameGrid}). */
export function assertSameGrid(a: Grid3, b: Grid3, what = 'images'): void {
  if (!sameGrid(a, b)) {
    throw new Error(`${what} are not on the same voxel grid (size ${a.size.join('×')} vs ${b.size.join('×')}, spacing ${a.spacing.map((s) => s.toFixed(3)).join('×')} vs ${b.spacing.map((s) => s.toFixed(3)).join('×')})`);
  }
}
