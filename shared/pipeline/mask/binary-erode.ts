import { squaredDistanceToMask, type MaskGrid } from './distance-transform.js';

/**
 * Binary erosion by a ball of `radiusMm`: a mask voxel stays when no background voxel of the image
 * lies within `radiusMm` of it. Beyond the image border counts as foreground (ITK's default,
 * BoundaryToForeground), so a mask touching the border is not eaten from outside the field of view.
 *
 * @example
 * const core = binaryErode(brain, { size: [91, 109, 91], spacing: [2, 2, 2] }, 4);
 */
export function binaryErode(mask: ArrayLike<number>, grid: MaskGrid, radiusMm: number): Uint8Array {
  if (!(radiusMm >= 0)) throw new Error('erosion radius must be ≥ 0 mm');
  const d2 = squaredDistanceToMask(mask, grid, { toBackground: true });
  const r2 = radiusMm * radiusMm * (1 + 1e-9);
  const out = new Uint8Array(d2.length);
  for (let i = 0; i < d2.length; i++) out[i] = d2[i] > r2 ? 1 : 0;
  return out;
}
