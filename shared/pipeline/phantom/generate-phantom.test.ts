import { describe, expect, test } from 'vitest';
import { gridOf } from '../image/grid.js';
import { makeImage } from '../image/allocate.js';
import { resample } from '../image/resample.js';
import { labelStatistics } from '../image/stats.js';
import { PHANTOM_REGIONS } from './anatomy.js';
import { generatePhantom, type PhantomOptions } from './generate-phantom.js';

// Coarse grids keep this fast; the geometry and the truth do not depend on the resolution.
const SMALL: PhantomOptions = { templateSpacingMm: 3.5, subjectSize: [52, 60, 52], subjectSpacingMm: 3.2, petSize: [48, 56, 48], petSpacingMm: 3.5, petFrames: 2 };

describe('generatePhantom', () => {
  const ph = generatePhantom({ ...SMALL, seed: 11 });

  test('is deterministic per seed: same seed, same numbers; another seed, another subject', () => {
    // Act
    const again = generatePhantom({ ...SMALL, seed: 11 });
    const other = generatePhantom({ ...SMALL, seed: 12 });
    // Assess
    expect(Buffer.from(again.subject.mri.mri.buffer).equals(Buffer.from(ph.subject.mri.mri.buffer))).toBe(true);
    expect(Buffer.from(again.subject.pet.frames[1].buffer).equals(Buffer.from(ph.subject.pet.frames[1].buffer))).toBe(true);
    expect(again.truth).toEqual(ph.truth);
    expect(other.truth.warp).not.toEqual(ph.truth.warp);
    expect(Buffer.from(other.subject.mri.mri.buffer).equals(Buffer.from(ph.subject.mri.mri.buffer))).toBe(false);
  });

  test('asking for more PET frames does not change the warp, the bias or the T1', () => {
    const one = generatePhantom({ ...SMALL, seed: 11, petFrames: 1 });
    expect(one.truth.warp).toEqual(ph.truth.warp);
    expect(Buffer.from(one.subject.mri.mri.buffer).equals(Buffer.from(ph.subject.mri.mri.buffer))).toBe(true);
    expect(one.subject.pet.frames).toHaveLength(1);
  });

  test('mri = unbiased · bias field exactly, and the field is within ×e^±0.3 over the brain', () => {
    const { mri, unbiased, brainMask } = ph.subject.mri;
    const b = ph.subject.biasField;
    let worst = 0, lo = Infinity, hi = 0;
    for (let i = 0; i < mri.length; i++) {
      worst = Math.max(worst, Math.abs(mri[i] - unbiased[i] * b[i]) / Math.max(1, mri[i]));
      if (!brainMask[i]) continue;
      lo = Math.min(lo, b[i]);
      hi = Math.max(hi, b[i]);
    }
    expect(worst).toBeLessThan(1e-6);
    expect(lo).toBeGreaterThanOrEqual(Math.exp(-0.3) - 1e-6);
    expect(hi).toBeLessThanOrEqual(Math.exp(0.3) + 1e-6);
    expect(hi / lo).toBeGreaterThan(1.2); // a real inhomogeneity, not a constant
  });

  test('every atlas region appears on the subject grid, inside the brain mask', () => {
    const { atlas, brainMask } = ph.subject.mri;
    const counts = new Map<number, number>();
    let outside = 0;
    for (let i = 0; i < atlas.length; i++) {
      if (!atlas[i]) continue;
      counts.set(atlas[i], (counts.get(atlas[i]) ?? 0) + 1);
      if (!brainMask[i]) outside++;
    }
    for (const r of PHANTOM_REGIONS) expect(counts.get(r.index) ?? 0, r.name).toBeGreaterThan(20);
    // Nearest-neighbour labels vs the trilinear ≥ ½ mask may disagree on a few border voxels only.
    expect(outside / [...counts.values()].reduce((a, b) => a + b, 0)).toBeLessThan(0.01);
  });

  test('reference regions: cerebellar grey ⊂ whole cerebellum = the cerebellum labels; pons = the pons label', () => {
    const { atlas, wholeCerebellum, cerebellarGray, pons } = ph.subject.mri;
    let greyOutside = 0, cerebellumMismatch = 0, ponsMismatch = 0, grey = 0;
    for (let i = 0; i < atlas.length; i++) {
      grey += cerebellarGray[i];
      if (cerebellarGray[i] && !wholeCerebellum[i]) greyOutside++;
      if (wholeCerebellum[i] !== (atlas[i] === 11 || atlas[i] === 12 ? 1 : 0)) cerebellumMismatch++;
      if (pons[i] !== (atlas[i] === 13 ? 1 : 0)) ponsMismatch++;
    }
    expect(grey).toBeGreaterThan(100);
    expect({ greyOutside, cerebellumMismatch, ponsMismatch }).toEqual({ greyOutside: 0, cerebellumMismatch: 0, ponsMismatch: 0 });
  });

  test('brain volume on the subject grid = template brain volume / det(A) (the warp is what transforms.json says)', () => {
    // Prepare
    const vol = (mask: Uint8Array, s: number[]) => mask.reduce((a, v) => a + v, 0) * s[0] * s[1] * s[2];
    const A = ph.truth.warp.matrix;
    const det = A[0] * (A[4] * A[8] - A[5] * A[7]) - A[1] * (A[3] * A[8] - A[5] * A[6]) + A[2] * (A[3] * A[7] - A[4] * A[6]);
    // Act
    const subject = vol(ph.subject.mri.brainMask, ph.subject.grid.spacing);
    const template = vol(ph.template.brainMask, ph.template.grid.spacing);
    // Assess: the displacement's mean Jacobian is ≈ 1, so only the affine changes volume (± voxelisation)
    expect(subject / (template / Math.abs(det))).toBeCloseTo(1, 1);
    expect(Math.abs(subject / (template / Math.abs(det)) - 1)).toBeLessThan(0.03);
  });

  test('regional SUVR truth agrees with an independent resampling of the clean PET onto the T1 grid', () => {
    // Prepare: PET → T1 through the true pose, with the pipeline's own affine resampler
    const pose = ph.subject.pet.poses[0];
    const R = pose.rotation, t = pose.translation;
    // targetToSource maps a T1 point q to the PET point p = Rᵀ(q − t).
    const m = new Float64Array(12);
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) m[r * 4 + c] = R[c * 3 + r];
      m[r * 4 + 3] = -(R[r] * t[0] + R[3 + r] * t[1] + R[6 + r] * t[2]);
    }
    const petImage = makeImage(ph.subject.pet.grid, { data: ph.subject.pet.cleanFrame0 });
    // Act
    const petInT1 = resample(ph.subject.pet.cleanFrame0, gridOf(petImage), ph.subject.grid, { targetToSource: m });
    const stats = labelStatistics(petInT1, ph.subject.mri.atlas, 13);
    const ref = labelStatistics(petInT1, ph.subject.mri.wholeCerebellum, 1).mean[1];
    // Assess
    for (const region of ph.truth.regions) {
      expect(stats.mean[region.index] / ref, region.name).toBeCloseTo(region.suvr.wholeCerebellum, 3);
    }
    expect(ph.truth.referenceMeans.wholeCerebellum).toBeCloseTo(ref, 4);
  });

  test('cortical SUVRs follow the drawn uptake order (partial volume shrinks them towards the background)', () => {
    // Regions 1..8 have uptake 1.1–2.1 over a cerebellar reference near 1: SUVR must rank like uptake.
    const cortical = ph.truth.regions.filter((r) => r.index <= 8);
    const byUptake = [...cortical].sort((a, b) => ph.uptake.byLabel[a.index] - ph.uptake.byLabel[b.index]).map((r) => r.index);
    const bySuvr = [...cortical].sort((a, b) => a.suvr.wholeCerebellum - b.suvr.wholeCerebellum).map((r) => r.index);
    const agree = byUptake.filter((v, i) => v === bySuvr[i]).length;
    expect(agree).toBeGreaterThanOrEqual(5);
  });

  test.each([
    [{ seed: -1 }, /seed/],
    [{ seed: 1.5 }, /seed/],
    [{ petFrames: 0 }, /frames/],
  ])('rejects %j', (bad, message) => {
    expect(() => generatePhantom({ ...SMALL, ...bad })).toThrow(message);
  });
});
