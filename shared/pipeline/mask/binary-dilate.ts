import { squaredDistanceToMask, type MaskGrid } from './distance-transform.js';

/**
 * Binary dilation by a ball of `radiusMm` (physical radius, so anisotropic voxels get an ellipsoid in
 * index space): a voxel is set when some mask voxel lies within `radiusMm` of it. Exact, O(voxels) via
 * the distance transform, whatever the radius.
 *
 * @example
 * const grown = binaryDilate(brain, { size: [91, 109, 91], spacing: [2, 2, 2] }, 4);
 */
export function binaryDilate(mask: ArrayLike<number>, grid: MaskGrid, radiusMm: number): Uint8Array {
  if (!(radiusMm >= 0)) throw new Error('dilation radius must be ≥ 0 mm');
  const d2 = squaredDistanceToMask(mask, grid);
  const r2 = radiusMm * radiusMm * (1 + 1e-9);
  const out = new Uint8Array(d2.length);
  for (let i = 0; i < d2.length; i++) out[i] = d2[i] <= r2 ? 1 : 0;
  return out;
}
