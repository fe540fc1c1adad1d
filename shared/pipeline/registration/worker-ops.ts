import { registerRigid } from './register-rigid.js';
import { registerAffineBSpline } from './register-deformable.js';
import { applyTransform } from './apply-transform.js';
import { realignAndAverageFrames } from './realign-frames.js';

/**
 * The operations a registration worker runs: each takes one options object and returns one named
 * result, both structured-cloneable (itk-wasm images are plain objects with typed arrays).
 */
export const workerOps = {
  registerRigid,
  registerAffineBSpline,
  applyTransform,
  realignAndAverageFrames,
};

/** Name of a worker operation. */
export type WorkerOpName = keyof typeof workerOps;
