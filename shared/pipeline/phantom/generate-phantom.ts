/**
 * The whole phantom in memory: the template bundle volumes, one subject (T1 through a known warp with
 * bias and noise, PET in its own pose) and the ground truth a pipeline is judged against. A pure
 * function of its options: the same seed gives the same numbers on every machine (seeded PRNG, one
 * independent stream per part, so e.g. asking for more PET frames does not change the warp).
 */
import { createRandom } from '../../model/cohort/random.js';
import type { Grid3 } from '../image/grid.js';
import { HEAD_CENTER, PHANTOM_REGIONS } from './anatomy.js';
import { drawBiasField, type BiasFieldModel } from './bias.js';
import { makeSubjectMri, type SubjectMri } from './subject-mri.js';
import { drawPose, makeSubjectPet, type SubjectPet } from './subject-pet.js';
import { buildPhantomTemplate, type PhantomTemplate } from './template.js';
import { regionalSuvrTruth, type ReferenceName, type RegionTruth } from './truth-suvr.js';
import { drawUptake, type UptakeTable } from './uptake.js';
import { drawWarp, invert3, type PhantomWarp, type WarpMagnitudes } from './warp.js';

/** Options of {@link generatePhantom}; every field has a small, fast default. */
export interface PhantomOptions {
  /** PRNG seed, 0 ≤ seed < 2³² (default 1). */
  seed?: number;
  /** Template spacing in mm (default 2). */
  templateSpacingMm?: number;
  /** Subject T1 grid size (default [96, 112, 96]). */
  subjectSize?: [number, number, number];
  /** Subject T1 spacing in mm (default 1.8). */
  subjectSpacingMm?: number;
  /** PET frames: 1 gives a 3-D PET, more a 4-D one (default 1). */
  petFrames?: number;
  /** Store the PET with its first axis reversed (default false). */
  petFlipAxis?: boolean;
  /** PET grid size (default [84, 100, 84]). */
  petSize?: [number, number, number];
  /** PET spacing in mm (default 2). */
  petSpacingMm?: number;
  warp?: WarpMagnitudes;
  /** T1 noise sd as a fraction of the brightest tissue (default 0.02). */
  t1Noise?: number;
  /** Largest |log bias| (default 0.3). */
  biasMaxLog?: number;
}

/** A generated phantom. */
export interface Phantom {
  seed: number;
  template: PhantomTemplate;
  uptake: UptakeTable;
  subject: { grid: Grid3; mri: SubjectMri; pet: SubjectPet; biasField: Float32Array };
  truth: {
    warp: PhantomWarp;
    bias: BiasFieldModel;
    referenceMeans: Record<ReferenceName, number>;
    regions: RegionTruth[];
  };
}

/** A grid of `size`/`spacing`/`direction` whose centre voxel sits at `center`. */
export function gridCenteredAt(center: ArrayLike<number>, size: [number, number, number], spacingMm: number, direction: number[]): Grid3 {
  const origin = [0, 1, 2].map((r) => {
    let off = 0;
    for (let c = 0; c < 3; c++) off += direction[r * 3 + c] * ((size[c] - 1) / 2) * spacingMm;
    // Rounded to 1/100 mm: keeps headers tidy and the value exactly representable across runs.
    return Math.round((center[r] - off) * 100) / 100;
  }) as [number, number, number];
  return { size: [...size], spacing: [spacingMm, spacingMm, spacingMm], origin, direction: [...direction] };
}

const stream = (seed: number, part: number) => createRandom((seed + Math.imul(part, 0x9e3779b9)) >>> 0);

/**
 * Generates a phantom.
 *
 * @example
 * const ph = generatePhantom({ seed: 7 });
 * ph.subject.mri.mri;          // Float32Array on ph.subject.grid
 * ph.truth.regions[0].suvr.wholeCerebellum;
 */
export function generatePhantom(options: PhantomOptions = {}): Phantom {
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error('phantom seed must be an integer in [0, 2^32)');
  const frames = options.petFrames ?? 1;
  if (!Number.isInteger(frames) || frames < 1 || frames > 64) throw new Error('phantom PET frames must be an integer in [1, 64]');
  const uptake = drawUptake(stream(seed, 1));
  const template = buildPhantomTemplate({ spacingMm: options.templateSpacingMm ?? 2, uptake });
  const warp = drawWarp(stream(seed, 2), HEAD_CENTER, options.warp);

  // Subject grid: stored RAS-like (LPS direction diag(−1, −1, 1)), as many scanners write NIfTI,
  // centred on where the head lands: q0 = c − A⁻¹·t.
  const Ainv = invert3(warp.matrix);
  const t = warp.translation;
  const q0 = [0, 1, 2].map((r) => HEAD_CENTER[r] - (Ainv[r * 3] * t[0] + Ainv[r * 3 + 1] * t[1] + Ainv[r * 3 + 2] * t[2]));
  const grid = gridCenteredAt(q0, options.subjectSize ?? [96, 112, 96], options.subjectSpacingMm ?? 1.8, [-1, 0, 0, 0, -1, 0, 0, 0, 1]);
  const bias = drawBiasField(stream(seed, 3), grid, q0.map((v) => Math.round(v * 100) / 100) as [number, number, number], options.biasMaxLog ?? 0.3);
  const mri = makeSubjectMri({ template, warp, grid, biasField: bias.field, random: stream(seed, 4), noise: options.t1Noise });

  // PET in its own rigid pose (±10°, ±10 mm), centred on the head.
  const pose = drawPose(stream(seed, 5), 10, 10);
  const R = pose.rotation;
  const d = q0.map((v, a) => v - pose.translation[a]);
  const p0 = [0, 1, 2].map((a) => R[a] * d[0] + R[3 + a] * d[1] + R[6 + a] * d[2]);
  const petDirection = options.petFlipAxis ? [-1, 0, 0, 0, 1, 0, 0, 0, 1] : [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const petGrid = gridCenteredAt(p0, options.petSize ?? [84, 100, 84], options.petSpacingMm ?? 2, petDirection);
  const pet = makeSubjectPet({ template, warp, grid: petGrid, pose, frames, random: stream(seed, 6) });

  const suvr = regionalSuvrTruth({
    t1Grid: grid,
    atlas: mri.atlas,
    references: { wholeCerebellum: mri.wholeCerebellum, cerebellarGray: mri.cerebellarGray, pons: mri.pons },
    petGrid,
    cleanPet: pet.cleanFrame0,
    pose,
    regions: PHANTOM_REGIONS,
  });
  return {
    seed,
    template,
    uptake,
    subject: { grid, mri, pet, biasField: bias.field },
    truth: { warp, bias: bias.model, referenceMeans: suvr.referenceMeans, regions: suvr.regions },
  };
}
