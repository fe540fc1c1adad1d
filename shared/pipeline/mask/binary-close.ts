import { binaryDilate } from './binary-dilate.js';
import { binaryErode } from './binary-erode.js';
import type { MaskGrid } from './distance-transform.js';

/**
 * Binary closing (dilation then erosion) by a ball of `radiusMm`: fills gaps and notches narrower
 * than the ball (e.g. sulci cut out of a brain mask) without growing the outline elsewhere.
 *
 * @example
 * const smooth = binaryClose(mask, { size, spacing }, 4);
 */
export function binaryClose(mask: ArrayLike<number>, grid: MaskGrid, radiusMm: number): Uint8Array {
  return binaryErode(binaryDilate(mask, grid, radiusMm), grid, radiusMm);
}
