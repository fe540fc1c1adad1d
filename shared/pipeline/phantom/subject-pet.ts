/**
 * The phantom subject's PET: the template uptake map seen through the subject warp W, in the PET's own
 * rigid pose (PET point p ↦ subject point R·p + t), blurred by a 6 mm FWHM scanner PSF on the 2 mm PET
 * grid, scaled to activity units and made noisy. With several frames, each frame after the first moves
 * a little more (±2°, ±2 mm), as a patient does during a dynamic scan.
 */
import type { Random } from '../../model/cohort/random.js';
import { applyAffine, indexToPhysical, voxelCount, type Grid3 } from '../image/grid.js';
import { gaussianSmooth } from '../image/smooth.js';
import { pointSampler, sampleLinear } from './sample.js';
import type { PhantomTemplate } from './template.js';
import { applyWarp, multiply3, rotationMatrix, type PhantomWarp } from './warp.js';

/** A rigid pose: PET point p ↦ subject point rotation·p + translation (LPS mm). */
export interface RigidPose {
  /** 3×3 row-major. */
  rotation: number[];
  translation: [number, number, number];
  rotationDeg: [number, number, number];
}

/** The PET of the subject. */
export interface SubjectPet {
  grid: Grid3;
  /** One noisy Float32Array per frame (activity units). */
  frames: Float32Array[];
  /** Frame 0 without noise, divided by the activity scale (uptake units): what SUVR truth is built on. */
  cleanFrame0: Float32Array;
  /** Pose of each frame. */
  poses: RigidPose[];
}

/** Options of {@link makeSubjectPet}. */
export interface SubjectPetOptions {
  template: PhantomTemplate;
  warp: PhantomWarp;
  grid: Grid3;
  /** Pose of frame 0. */
  pose: RigidPose;
  frames: number;
  random: Random;
  /** PSF FWHM in mm (default 6). */
  fwhmMm?: number;
  /** Activity per uptake unit (default 1000). */
  activityScale?: number;
  /** Noise sd as a fraction of the activity scale (default 0.02). */
  noise?: number;
}

/**
 * Draws a rigid pose of up to ±`rotationDeg` per axis and ±`translationMm`.
 *
 * @example
 * const pose = drawPose(createRandom(4), 10, 10);
 */
export function drawPose(random: Random, rotationDeg: number, translationMm: number): RigidPose {
  const u = (a: number) => (2 * random.uniform() - 1) * a;
  const deg: [number, number, number] = [u(rotationDeg), u(rotationDeg), u(rotationDeg)];
  return {
    rotation: rotationMatrix(...(deg.map((d) => (d * Math.PI) / 180) as [number, number, number])),
    translation: [u(translationMm), u(translationMm), u(translationMm)],
    rotationDeg: deg,
  };
}

/** The pose `base` followed by a small extra motion `delta` (p ↦ R_b·(R_d·p) + t_b + t_d). */
export function composePose(base: RigidPose, delta: RigidPose): RigidPose {
  return {
    rotation: multiply3(base.rotation, delta.rotation),
    translation: [0, 1, 2].map((a) => base.translation[a] + delta.translation[a]) as [number, number, number],
    rotationDeg: [0, 1, 2].map((a) => base.rotationDeg[a] + delta.rotationDeg[a]) as [number, number, number],
  };
}

/**
 * Builds the PET frames.
 *
 * @example
 * const pet = makeSubjectPet({ template, warp, grid: petGrid, pose, frames: 1, random });
 */
export function makeSubjectPet(o: SubjectPetOptions): SubjectPet {
  const n = voxelCount(o.grid);
  const sU = pointSampler(o.template.grid, o.template.uptake);
  const scale = o.activityScale ?? 1000;
  const sigma = (o.noise ?? 0.02) * scale;
  const m = indexToPhysical(o.grid);
  const [nx, ny, nz] = o.grid.size;
  const p = new Float64Array(3), q = new Float64Array(3), w = new Float64Array(3);
  const frames: Float32Array[] = [];
  const poses: RigidPose[] = [];
  let cleanFrame0 = new Float32Array(0);
  for (let f = 0; f < o.frames; f++) {
    const pose = f === 0 ? o.pose : composePose(o.pose, drawPose(o.random, 2, 2));
    poses.push(pose);
    const R = pose.rotation, t = pose.translation;
    const data = new Float32Array(n);
    let v = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++, v++) {
          applyAffine(m, i, j, k, p);
          for (let a = 0; a < 3; a++) q[a] = R[a * 3] * p[0] + R[a * 3 + 1] * p[1] + R[a * 3 + 2] * p[2] + t[a];
          applyWarp(o.warp, q, w);
          data[v] = sampleLinear(sU, w[0], w[1], w[2]);
        }
      }
    }
    gaussianSmooth(data, { fwhmMm: o.fwhmMm ?? 6, spacing: o.grid.spacing, size: o.grid.size });
    if (f === 0) cleanFrame0 = data.slice();
    for (let i = 0; i < n; i++) data[i] = Math.max(0, data[i] * scale + sigma * o.random.normal());
    frames.push(data);
  }
  return { grid: o.grid, frames, cleanFrame0, poses };
}
