/**
 * N4 bias-field correction.
 *
 * @example
 * import { n4BiasFieldCorrection } from '../n4/index.js';
 * const { corrected, biasField } = n4BiasFieldCorrection(t1, { mask: brain.data });
 */
export { n4BiasFieldCorrection, type N4Options, type N4Result } from './n4.js';
export { sharpenLogImage, type SharpenOptions } from './sharpen.js';
export * from './bspline.js';
export { correctBiasFieldFile, type CorrectFileOptions, type CorrectFileResult } from './correct-file.js';
