import type { MaskGrid } from './distance-transform.js';

/** Voxel connectivity: 6 (faces) or 26 (faces, edges, corners). */
export type Connectivity = 6 | 26;

/** Result of {@link largestComponent}. */
export interface LargestComponentResult {
  /** 1 on the largest connected component, 0 elsewhere. */
  mask: Uint8Array;
  /** Its voxel count (0 for an empty input). */
  voxels: number;
  /** How many components the input had. */
  components: number;
}

/** Neighbour offsets (di, dj, dk) for a connectivity. */
export function neighbourOffsets(connectivity: Connectivity): Int8Array {
  const out: number[] = [];
  for (let k = -1; k <= 1; k++) for (let j = -1; j <= 1; j++) for (let i = -1; i <= 1; i++) {
    const m = Math.abs(i) + Math.abs(j) + Math.abs(k);
    if (m === 0 || (connectivity === 6 && m > 1)) continue;
    out.push(i, j, k);
  }
  return Int8Array.from(out);
}

/**
 * Keeps the largest connected component of a mask (ties: the first met in x-fastest scan order).
 * Breadth-first flood fill with one preallocated Int32Array queue and a component-id array: no
 * allocation per voxel.
 *
 * @example
 * const { mask: brain } = largestComponent(thresholded, { size, spacing }, 26);
 */
export function largestComponent(mask: ArrayLike<number>, grid: Pick<MaskGrid, 'size'>, connectivity: Connectivity = 26): LargestComponentResult {
  const [nx, ny, nz] = grid.size;
  const n = nx * ny * nz;
  if (mask.length !== n) throw new Error(`mask has ${mask.length} voxels, the grid ${n}`);
  if (connectivity !== 6 && connectivity !== 26) throw new Error('connectivity must be 6 or 26');
  const offsets = neighbourOffsets(connectivity);
  const m = offsets.length / 3;
  const ids = new Int32Array(n);
  const queue = new Int32Array(n);
  let components = 0, bestId = 0, bestSize = 0;
  const nxy = nx * ny;
  for (let seed = 0; seed < n; seed++) {
    if (mask[seed] === 0 || ids[seed] !== 0) continue;
    const id = ++components;
    let head = 0, tail = 0;
    queue[tail++] = seed;
    ids[seed] = id;
    while (head < tail) {
      const v = queue[head++];
      const i = v % nx, r = (v - i) / nx, j = r % ny, k = (r - j) / ny;
      for (let q = 0; q < m; q++) {
        const a = i + offsets[3 * q], b = j + offsets[3 * q + 1], c = k + offsets[3 * q + 2];
        if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
        const w = a + b * nx + c * nxy;
        if (mask[w] === 0 || ids[w] !== 0) continue;
        ids[w] = id;
        queue[tail++] = w;
      }
    }
    if (tail > bestSize) {
      bestSize = tail;
      bestId = id;
    }
  }
  const out = new Uint8Array(n);
  if (bestId) for (let v = 0; v < n; v++) out[v] = ids[v] === bestId ? 1 : 0;
  return { mask: out, voxels: bestSize, components };
}
