import type { MaskGrid } from './distance-transform.js';
import { neighbourOffsets, type Connectivity } from './largest-component.js';

/**
 * Fills holes: background voxels not connected to the image border through background become
 * foreground (e.g. ventricles left out of a thresholded brain). Background connectivity defaults to 6,
 * the usual dual of a 26-connected foreground, so a diagonal chink in a closed surface does not let
 * the outside leak in.
 *
 * @example
 * const solid = fillHoles(brain, { size: [91, 109, 91] });
 */
export function fillHoles(mask: ArrayLike<number>, grid: Pick<MaskGrid, 'size'>, backgroundConnectivity: Connectivity = 6): Uint8Array {
  const [nx, ny, nz] = grid.size;
  const n = nx * ny * nz;
  if (mask.length !== n) throw new Error(`mask has ${mask.length} voxels, the grid ${n}`);
  const offsets = neighbourOffsets(backgroundConnectivity);
  const m = offsets.length / 3;
  // outside[v] = 1 for background reached from the border.
  const outside = new Uint8Array(n);
  const queue = new Int32Array(n);
  let head = 0, tail = 0;
  const nxy = nx * ny;
  const push = (v: number) => {
    if (mask[v] === 0 && outside[v] === 0) {
      outside[v] = 1;
      queue[tail++] = v;
    }
  };
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    if (i === 0 || j === 0 || k === 0 || i === nx - 1 || j === ny - 1 || k === nz - 1) push(i + j * nx + k * nxy);
  }
  while (head < tail) {
    const v = queue[head++];
    const i = v % nx, r = (v - i) / nx, j = r % ny, k = (r - j) / ny;
    for (let q = 0; q < m; q++) {
      const a = i + offsets[3 * q], b = j + offsets[3 * q + 1], c = k + offsets[3 * q + 2];
      if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
      push(a + b * nx + c * nxy);
    }
  }
  const out = new Uint8Array(n);
  for (let v = 0; v < n; v++) out[v] = outside[v] ? 0 : 1;
  return out;
}
