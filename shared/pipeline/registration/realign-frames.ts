import type { Image } from 'itk-wasm';
import { registerRigid } from './register-rigid.js';
import { applyTransform } from './apply-transform.js';
import { extractFrame, frameCount, gridOf, imageOnGrid } from './volume.js';
import type { CommonMapOptions } from './parameter-maps.js';

/** Options of {@link realignAndAverageFrames}. */
export interface RealignFramesOptions {
  /** 3-D or 4-D PET. */
  pet: Image;
  /** Register every frame to the first frame (`first`) or to the unaligned mean (`mean`). */
  reference?: 'first' | 'mean';
  /** Overrides of the rigid map (frames are similar: fewer iterations suffice). */
  map?: Partial<CommonMapOptions>;
}

/** Result of {@link realignAndAverageFrames}. */
export interface RealignFramesResult {
  /** Mean of the realigned frames (3-D float32, PET grid). */
  mean: Image;
  /** Number of frames averaged. */
  frames: number;
  /** Per frame: translation magnitude (mm) of its realignment, 0 for the reference frame. */
  motionMm: number[];
  elapsedMs: number;
}

/**
 * PET frame averaging: rigidly realigns each frame of a 4-D PET to a reference frame (elastix,
 * mutual information), then averages. A 3-D PET is returned as is.
 *
 * @example
 * const { mean, motionMm } = await realignAndAverageFrames({ pet: dynamicPet });
 */
export async function realignAndAverageFrames(options: RealignFramesOptions): Promise<RealignFramesResult> {
  const started = performance.now();
  const n = frameCount(options.pet);
  if (n === 1) return { mean: extractFrame(options.pet, 0), frames: 1, motionMm: [0], elapsedMs: performance.now() - started };
  const grid = gridOf(options.pet);
  const voxels = grid.size[0] * grid.size[1] * grid.size[2];
  const frames = Array.from({ length: n }, (_, t) => extractFrame(options.pet, t));
  let reference = frames[0];
  if (options.reference === 'mean') {
    const m = new Float32Array(voxels);
    for (const f of frames) { const d = f.data as Float32Array; for (let i = 0; i < voxels; i++) m[i] += d[i] / n; }
    reference = imageOnGrid(grid, m, 'pet-mean');
  }
  const sum = new Float64Array(voxels);
  const motionMm: number[] = [];
  for (let t = 0; t < n; t++) {
    let data = frames[t].data as Float32Array;
    if (options.reference === 'mean' || t > 0) {
      // Frames share one grid: no centre-of-gravity jump is wanted, so start from identity.
      const { transform } = await registerRigid({ fixed: reference, moving: frames[t], map: { resolutions: 2, iterations: 150, ...options.map } });
      const p = (transform.parameterObject[0].TransformParameters ?? []).map(Number);
      motionMm.push(Math.hypot(p[3] ?? 0, p[4] ?? 0, p[5] ?? 0));
      data = (await applyTransform({ moving: frames[t], transform, grid, interpolation: 'linear' })).image.data as Float32Array;
    } else {
      motionMm.push(0);
    }
    for (let i = 0; i < voxels; i++) sum[i] += data[i];
  }
  const mean = new Float32Array(voxels);
  for (let i = 0; i < voxels; i++) mean[i] = sum[i] / n;
  return { mean: imageOnGrid(grid, mean, 'pet-mean'), frames: n, motionMm, elapsedMs: performance.now() - started };
}
