/**
 * Binary mask operations for brain-mask refinement, typed-array based: Otsu threshold, ball-shaped
 * erosion/dilation/opening/closing in millimetres (exact, via the distance transform), largest
 * connected component, hole filling.
 *
 * @example
 * import { binaryOpen, largestComponent, fillHoles } from '../mask/index.js';
 * const brain = fillHoles(largestComponent(binaryOpen(raw, grid, 2), grid).mask, grid);
 */
export { otsuThreshold, otsuMask, type OtsuOptions } from './otsu.js';
export { squaredDistanceToMask, type MaskGrid, type DistanceOptions } from './distance-transform.js';
export { binaryDilate } from './binary-dilate.js';
export { binaryErode } from './binary-erode.js';
export { binaryOpen } from './binary-open.js';
export { binaryClose } from './binary-close.js';
export { largestComponent, neighbourOffsets, type Connectivity, type LargestComponentResult } from './largest-component.js';
export { fillHoles } from './fill-holes.js';
