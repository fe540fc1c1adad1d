import { describe, expect, test } from 'vitest';
import type { Grid3 } from './grid.js';
import { resample } from './resample.js';
import { gaussianSmooth } from './smooth.js';

const grid: Grid3 = { size: [6, 5, 4], spacing: [2, 2, 2], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const ramp = Float32Array.from({ length: 120 }, (_, i) => (i % 6) * 10 + Math.floor(i / 30));

describe('resample', () => {
  test('onto the same grid is the identity (and is idempotent)', () => {
    const once = resample(ramp, grid, grid);
    const twice = resample(once, grid, grid);
    expect([...once]).toEqual([...ramp]);
    expect([...twice]).toEqual([...ramp]);
  });

  test('a linear function is reproduced exactly at half-voxel shifts', () => {
    // Prepare: target grid shifted by 1 mm (half a voxel) along x
    const target: Grid3 = { ...grid, size: [5, 5, 4], origin: [1, 0, 0] };
    // Act
    const out = resample(ramp, grid, target);
    // Assess: x index 0.5 → 5 + slice term
    expect(out[0]).toBeCloseTo(5, 5);
    expect(out[4 + 5 * 3 * 5]).toBeCloseTo(45 + 3, 5);
  });

  test('nearest keeps label values; outside gets the default', () => {
    const labels = Float32Array.from({ length: 120 }, (_, i) => i % 3);
    const target: Grid3 = { ...grid, origin: [1.2, 0, 0] }; // last column lands at index 5.6 → outside
    const out = resample(labels, grid, target, { interpolation: 'nearest', defaultValue: -1 });
    expect(new Set(out)).toEqual(new Set([0, 1, 2, -1]));
  });

  test('gaussianSmooth keeps a constant constant and preserves the sum of an impulse inside', () => {
    const flat = new Float32Array(120).fill(3);
    gaussianSmooth(flat, { fwhmMm: 6, spacing: [2, 2, 2], size: [6, 5, 4] });
    flat.forEach((v) => expect(v).toBeCloseTo(3, 5));
    const size: [number, number, number] = [21, 21, 21];
    const impulse = new Float32Array(21 ** 3);
    impulse[10 + 21 * 10 + 441 * 10] = 1;
    gaussianSmooth(impulse, { fwhmMm: 6, spacing: [2, 2, 2], size });
    expect(impulse.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });
});
