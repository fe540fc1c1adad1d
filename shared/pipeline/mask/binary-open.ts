import { binaryDilate } from './binary-dilate.js';
import { binaryErode } from './binary-erode.js';
import type { MaskGrid } from './distance-transform.js';

/**
 * Binary opening (erosion then dilation) by a ball of `radiusMm`: removes parts thinner than the ball
 * (e.g. bridges from the brain to the scalp or the optic nerves) and keeps the rest.
 *
 * @example
 * const cleaned = binaryOpen(mask, { size, spacing }, 3);
 */
export function binaryOpen(mask: ArrayLike<number>, grid: MaskGrid, radiusMm: number): Uint8Array {
  return binaryDilate(binaryErode(mask, grid, radiusMm), grid, radiusMm);
}
