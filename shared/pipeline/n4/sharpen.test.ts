import { describe, expect, test } from 'vitest';
import { createRandom } from '../../model/cohort/random.js';
import { sharpenLogImage } from './sharpen.js';

const options = { bins: 200, fwhm: 0.15, wienerNoise: 0.01 };

/** Spread (sd) of the values whose source mode is `mode`. */
function spread(values: Float64Array, modes: Uint8Array, mode: number): number {
  let n = 0, m = 0, s = 0;
  for (let i = 0; i < values.length; i++) if (modes[i] === mode) { n++; m += values[i]; s += values[i] * values[i]; }
  m /= n;
  return Math.sqrt(s / n - m * m);
}

describe('N4 histogram sharpening', () => {
  test('pulls each of two blurred modes together and keeps them apart', () => {
    // Prepare: log intensities of two tissues (ln 100, ln 160) blurred by a smooth field's spread
    const rnd = createRandom(5);
    const n = 20000;
    const v = new Float64Array(n), modes = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      modes[i] = i % 3 === 0 ? 1 : 0;
      v[i] = Math.log(modes[i] ? 160 : 100) + rnd.normal(0, 0.06);
    }
    const out = new Float64Array(n);
    // Act
    sharpenLogImage(v, out, options);
    // Assess
    for (const mode of [0, 1]) expect(spread(out, modes, mode)).toBeLessThan(0.8 * spread(v, modes, mode));
    let m0 = 0, m1 = 0, c1 = 0;
    for (let i = 0; i < n; i++) if (modes[i]) { m1 += out[i]; c1++; } else m0 += out[i];
    expect(m1 / c1 - m0 / (n - c1)).toBeGreaterThan(0.8 * Math.log(1.6));
  });

  test('keeps the order of intensities (the mapping is monotone)', () => {
    const rnd = createRandom(9);
    const v = Float64Array.from({ length: 5000 }, () => 4 + rnd.normal(0, 0.2));
    const out = new Float64Array(v.length);
    sharpenLogImage(v, out, options);
    const order = [...v.keys()].sort((a, b) => v[a] - v[b]);
    let inversions = 0;
    for (let k = 1; k < order.length; k++) if (out[order[k]] < out[order[k - 1]] - 1e-9) inversions++;
    expect(inversions).toBe(0);
  });

  test('a constant image is returned unchanged', () => {
    const v = new Float64Array(100).fill(5.5);
    const out = new Float64Array(100);
    sharpenLogImage(v, out, options);
    expect([...out]).toEqual([...v]);
  });
});
