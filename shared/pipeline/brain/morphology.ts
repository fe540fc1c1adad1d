/**
 * Minimal binary-mask morphology for brain-mask refinement (6-connected, typed arrays, one queue
 * allocation per call). Kept here, beside the brain step, until shared/pipeline/mask offers the same.
 */

/** Size of a 3-D grid, x fastest. */
export type Size3 = readonly [number, number, number];

function neighbours(size: Size3): Int32Array {
  const [nx, ny] = size;
  return Int32Array.from([1, -1, nx, -nx, nx * ny, -nx * ny]);
}

/** True when voxel `i` stepping by neighbour `n` (0..5) stays inside the grid. */
function inside(i: number, n: number, size: Size3): boolean {
  const [nx, ny, nz] = size;
  const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
  switch (n) {
    case 0: return x + 1 < nx;
    case 1: return x > 0;
    case 2: return y + 1 < ny;
    case 3: return y > 0;
    case 4: return z + 1 < nz;
    default: return z > 0;
  }
}

/**
 * Binary dilation by `radius` steps of the 6-neighbourhood (a diamond), in a new array.
 *
 * @example
 * const grown = dilate(mask, [91, 109, 91], 1);
 */
export function dilate(mask: Uint8Array, size: Size3, radius = 1): Uint8Array {
  let cur = mask.slice();
  const off = neighbours(size);
  for (let r = 0; r < radius; r++) {
    const next = cur.slice();
    for (let i = 0; i < cur.length; i++) {
      if (cur[i]) continue;
      for (let n = 0; n < 6; n++) if (inside(i, n, size) && cur[i + off[n]]) { next[i] = 1; break; }
    }
    cur = next;
  }
  return cur;
}

/**
 * Binary erosion by `radius` steps of the 6-neighbourhood; voxels on the grid border erode.
 *
 * @example
 * const core = erode(mask, [91, 109, 91], 1);
 */
export function erode(mask: Uint8Array, size: Size3, radius = 1): Uint8Array {
  let cur = mask.slice();
  const off = neighbours(size);
  for (let r = 0; r < radius; r++) {
    const next = cur.slice();
    for (let i = 0; i < cur.length; i++) {
      if (!cur[i]) continue;
      for (let n = 0; n < 6; n++) if (!inside(i, n, size) || !cur[i + off[n]]) { next[i] = 0; break; }
    }
    cur = next;
  }
  return cur;
}

/**
 * Keeps the largest 6-connected component of a binary mask (a new array; empty stays empty).
 *
 * @example
 * const brain = largestComponent(mask, size);
 */
export function largestComponent(mask: Uint8Array, size: Size3): Uint8Array {
  const n = mask.length;
  const label = new Int32Array(n);
  const queue = new Int32Array(n);
  const off = neighbours(size);
  let best = 0, bestSize = 0, next = 0;
  for (let s = 0; s < n; s++) {
    if (!mask[s] || label[s]) continue;
    next++;
    let head = 0, tail = 0;
    queue[tail++] = s;
    label[s] = next;
    while (head < tail) {
      const i = queue[head++];
      for (let k = 0; k < 6; k++) {
        if (!inside(i, k, size)) continue;
        const j = i + off[k];
        if (mask[j] && !label[j]) { label[j] = next; queue[tail++] = j; }
      }
    }
    if (tail > bestSize) { bestSize = tail; best = next; }
  }
  const out = new Uint8Array(n);
  if (best) for (let i = 0; i < n; i++) out[i] = label[i] === best ? 1 : 0;
  return out;
}

/**
 * Fills holes: background voxels not 6-connected to the grid border become foreground.
 *
 * @example
 * const solid = fillHoles(mask, size);
 */
export function fillHoles(mask: Uint8Array, size: Size3): Uint8Array {
  const [nx, ny, nz] = size;
  const n = mask.length;
  const outside = new Uint8Array(n);
  const queue = new Int32Array(n);
  const off = neighbours(size);
  let tail = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        if (x && y && z && x < nx - 1 && y < ny - 1 && z < nz - 1) continue;
        const i = x + nx * (y + ny * z);
        if (!mask[i] && !outside[i]) { outside[i] = 1; queue[tail++] = i; }
      }
  let head = 0;
  while (head < tail) {
    const i = queue[head++];
    for (let k = 0; k < 6; k++) {
      if (!inside(i, k, size)) continue;
      const j = i + off[k];
      if (!mask[j] && !outside[j]) { outside[j] = 1; queue[tail++] = j; }
    }
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = outside[i] ? 0 : 1;
  return out;
}
