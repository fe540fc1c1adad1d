import { describe, expect, test } from 'vitest';
import { coefficientOfVariation, labelStatistics, maskStatistics } from './stats.js';

describe('maskStatistics', () => {
  test('mean, sample std, min, max inside the mask only', () => {
    // Prepare
    const values = Float32Array.from([1, 2, 3, 4, 100]);
    const mask = Uint8Array.from([1, 1, 1, 1, 0]);
    // Act
    const s = maskStatistics(values, mask);
    // Assess
    expect(s).toMatchObject({ count: 4, sum: 10, mean: 2.5, min: 1, max: 4 });
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  test('label selects one value; empty selection gives NaN mean', () => {
    expect(maskStatistics([1, 2, 3], [2, 1, 2], { label: 2 }).mean).toBe(2);
    expect(maskStatistics([1, 2, 3], [0, 0, 0]).mean).toBeNaN();
  });

  test('per-label statistics in one pass', () => {
    const s = labelStatistics([1, 2, 3, 4], [0, 1, 1, 3], 3);
    expect([...s.count]).toEqual([1, 2, 0, 1]);
    expect(s.mean[1]).toBe(2.5);
    expect(s.mean[2]).toBeNaN();
  });

  test('coefficient of variation is scale-invariant', () => {
    const v = [1, 2, 3, 4];
    expect(coefficientOfVariation(v.map((x) => 7 * x))).toBeCloseTo(coefficientOfVariation(v), 12);
  });
});
