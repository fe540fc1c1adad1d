/**
 * Synthetic phantom: a template bundle, a subject seen through a known warp/bias/pose, and its ground
 * truth, for fast tests and for local mode without licensed templates.
 *
 * @example
 * import { generatePhantom, writePhantom } from '../phantom/index.js';
 * const written = await writePhantom(generatePhantom({ seed: 1 }), '/tmp/phantom');
 */
export { generatePhantom, gridCenteredAt, type Phantom, type PhantomOptions } from './generate-phantom.js';
export { writePhantom, checkPhantomTarget, PHANTOM_LAYOUT, PHANTOM_TEMPLATE_JSON, PHANTOM_VERSION, type WrittenPhantom } from './write-phantom.js';
export { PHANTOM_REGIONS, TISSUE, T1_BY_TISSUE, CORTICAL_TARGET_LABELS, HEAD_CENTER, classifyPoint } from './anatomy.js';
export { applyWarp, warpAffine4x4, type PhantomWarp, type WarpMagnitudes } from './warp.js';
export type { RegionTruth, ReferenceName } from './truth-suvr.js';
export type { RigidPose } from './subject-pet.js';
