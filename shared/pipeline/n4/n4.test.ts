import { describe, expect, test } from 'vitest';
import { makeImage } from '../image/allocate.js';
import type { Grid3 } from '../image/grid.js';
import { generatePhantom } from '../phantom/generate-phantom.js';
import { hasN4CaseData, makeN4Case, relativeResidualCv } from '../../../test/pipeline/support/n4-case.js';
import { n4BiasFieldCorrection } from './n4.js';

const grid = (size: [number, number, number], spacing = 2): Grid3 => ({ size, spacing: [spacing, spacing, spacing], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });

/** A two-tissue ellipsoid (values 100 / 160 inside, 0 outside) on a 48³ 4 mm grid. */
function twoTissue(): { g: Grid3; data: Float32Array; inside: Uint8Array } {
  const g = grid([48, 48, 48], 4);
  const data = new Float32Array(48 ** 3), inside = new Uint8Array(48 ** 3);
  for (let k = 0, o = 0; k < 48; k++) for (let j = 0; j < 48; j++) for (let i = 0; i < 48; i++, o++) {
    const r = Math.hypot((i - 23.5) / 20, (j - 23.5) / 22, (k - 23.5) / 19);
    if (r > 1) continue;
    inside[o] = 1;
    data[o] = r < 0.6 ? 160 : 100;
  }
  return { g, data, inside };
}

describe('N4 bias-field correction', () => {
  // The criterion: a perfect corrector returns the same image with or without an added smooth
  // field, so CV(N4(biased)/N4(unbiased)) inside the brain must fall below 10 % of CV(biased/unbiased).
  // Shrink 2 on these 2 mm / 1.8 mm grids fits the field on the same ~4 mm grid as the default shrink 4
  // does on a 1 mm T1 (the bench runs the 1 mm case with the defaults).
  describe.skipIf(!hasN4CaseData)('on real anatomy (MNI152 T1 with skull, 2 mm, known smooth field; needs ../shared/data)', () => {
    test('CV of N4(biased)/N4(unbiased) in the brain < 10 % of CV(biased/unbiased)', async () => {
      // Prepare
      const c = await makeN4Case(2);
      // Act
      const b = n4BiasFieldCorrection(c.biased, { shrinkFactor: 2 });
      const u = n4BiasFieldCorrection(c.unbiased, { shrinkFactor: 2 });
      // Assess
      const r = relativeResidualCv(c.biased.data as Float32Array, c.unbiased.data as Float32Array, b.corrected.data as Float32Array, u.corrected.data as Float32Array, c.brainMask);
      expect(r.before).toBeGreaterThan(0.08);
      expect(r.relative).toBeLessThan(0.1);
    });
  });

  test('on the phantom, inside its brain mask (the pipeline’s second pass): CV ratio < 10 %', () => {
    // Prepare: the phantom's T1 is exactly unbiased × a known field (±30 % in log). Over the whole head
    // (Otsu mask) the phantom's flat scalp and skull let any corrector trade intensity between classes:
    // native ITK N4 then reaches 25 % on this case (we 24 %); inside the brain mask ITK reaches 5.2 %.
    const ph = generatePhantom({ seed: 3, templateSpacingMm: 3 });
    const g = ph.subject.grid;
    const { mri, unbiased, brainMask } = ph.subject.mri;
    // Act
    const b = n4BiasFieldCorrection(makeImage(g, { data: mri }), { shrinkFactor: 2, mask: brainMask });
    const u = n4BiasFieldCorrection(makeImage(g, { data: unbiased }), { shrinkFactor: 2, mask: brainMask });
    // Assess
    const r = relativeResidualCv(mri, unbiased, b.corrected.data as Float32Array, u.corrected.data as Float32Array, brainMask);
    expect(r.before).toBeGreaterThan(0.05);
    expect(r.relative).toBeLessThan(0.1);
  });

  test('a flat image stays flat, with a field of 1', () => {
    // Prepare
    const img = makeImage(grid([32, 32, 32]), { data: new Float32Array(32 ** 3).fill(250) });
    // Act
    const r = n4BiasFieldCorrection(img, { defaultMask: 'positive' });
    // Assess
    const out = r.corrected.data as Float32Array, field = r.biasField.data as Float32Array;
    for (let i = 0; i < out.length; i += 97) {
      expect(out[i]).toBeCloseTo(250, 3);
      expect(field[i]).toBeCloseTo(1, 5);
    }
  });

  test('recovers a known smooth field on a two-tissue object (corrected ∝ truth inside)', () => {
    // Prepare
    const { g, data, inside } = twoTissue();
    const biased = new Float32Array(data.length);
    for (let k = 0, o = 0; k < 48; k++) for (let j = 0; j < 48; j++) for (let i = 0; i < 48; i++, o++) biased[o] = data[o] * Math.exp(0.25 * Math.sin((i + 0.5 * j - 0.3 * k) / 25));
    // Act
    const r = n4BiasFieldCorrection(makeImage(g, { data: biased }), { mask: inside });
    // Assess: the ratio corrected / truth is nearly constant where truth is known
    const ratio = new Float32Array(data.length);
    let n = 0, mean = 0, m2 = 0;
    const c = r.corrected.data as Float32Array;
    for (let o = 0; o < data.length; o++) {
      if (!inside[o]) continue;
      ratio[o] = c[o] / data[o];
      n++;
      const d = ratio[o] - mean;
      mean += d / n;
      m2 += d * (ratio[o] - mean);
    }
    const cvAfter = Math.sqrt(m2 / (n - 1)) / mean;
    expect(cvAfter).toBeLessThan(0.03); // the field alone has a CV of ≈ 0.14
  });

  test('the mask is respected: voxels outside it do not change the estimated field', () => {
    // Prepare: two images equal inside the mask, different outside
    const { g, data, inside } = twoTissue();
    const noisy = data.slice();
    for (let o = 0; o < noisy.length; o++) if (!inside[o]) noisy[o] = 50 + (o % 13) * 40;
    // Act
    const a = n4BiasFieldCorrection(makeImage(g, { data }), { mask: inside, maxIterations: [20, 20] });
    const b = n4BiasFieldCorrection(makeImage(g, { data: noisy }), { mask: inside, maxIterations: [20, 20] });
    // Assess
    expect(Buffer.from((b.biasField.data as Float32Array).buffer).equals(Buffer.from((a.biasField.data as Float32Array).buffer))).toBe(true);
    // ...while without the mask the outside voxels do take part
    const c = n4BiasFieldCorrection(makeImage(g, { data: noisy }), { defaultMask: 'positive', maxIterations: [20, 20] });
    expect(Buffer.from((c.biasField.data as Float32Array).buffer).equals(Buffer.from((a.biasField.data as Float32Array).buffer))).toBe(false);
  });

  test('is deterministic and close to idempotent: N4 of a corrected image barely changes it', () => {
    const { g, data, inside } = twoTissue();
    const biased = data.map((v, o) => v * (1 + 0.2 * Math.sin(o / 5000)));
    const once = n4BiasFieldCorrection(makeImage(g, { data: biased }), { mask: inside });
    const again = n4BiasFieldCorrection(makeImage(g, { data: biased }), { mask: inside });
    expect(Buffer.from((again.corrected.data as Float32Array).buffer).equals(Buffer.from((once.corrected.data as Float32Array).buffer))).toBe(true);
    const twice = n4BiasFieldCorrection(once.corrected, { mask: inside });
    const f = twice.biasField.data as Float32Array;
    let lo = Infinity, hi = -Infinity;
    for (let o = 0; o < f.length; o++) if (inside[o]) { lo = Math.min(lo, f[o]); hi = Math.max(hi, f[o]); }
    expect(hi / lo).toBeLessThan(1.02);
  });

  test.each<[string, () => Parameters<typeof n4BiasFieldCorrection>, RegExp]>([
    ['a mask of another size', () => [makeImage(grid([8, 8, 8]), { data: new Float32Array(512).fill(1) }), { mask: new Uint8Array(10) }], /mask has 10 voxels/],
    ['an empty mask', () => [makeImage(grid([16, 16, 16]), { data: new Float32Array(4096).fill(1) }), { mask: new Uint8Array(4096) }], /only 0 voxels/],
    ['an all-zero image', () => [makeImage(grid([16, 16, 16])), {}], /only 0 voxels/],
  ])('refuses %s with a clear error', (_name, args, message) => {
    expect(() => n4BiasFieldCorrection(...args())).toThrow(message);
  });
});
