/**
 * Geometry and typed-array helpers shared by the pipeline steps.
 *
 * @example
 * import { gridOf, sameGrid, maskStatistics, allocateLike } from '../image/index.js';
 */
export * from './grid.js';
export * from './allocate.js';
export * from './stats.js';
export * from './resample.js';
export * from './smooth.js';
