import { describe, expect, test } from 'vitest';
import { applyAffine, composeAffine, indexToPhysical, invertAffine, physicalToIndex, sameGrid, type Grid3 } from './grid.js';

const c = Math.cos(0.4), s = Math.sin(0.4);
const oblique: Grid3 = { size: [10, 12, 14], spacing: [1, 2, 3], origin: [5, -7, 11], direction: [c, -s, 0, s, c, 0, 0, 0, 1] };

describe('grid transforms', () => {
  test('index → physical follows origin + D·diag(spacing)·idx', () => {
    // Act
    const p = applyAffine(indexToPhysical(oblique), 1, 1, 1);
    // Assess
    expect(p[0]).toBeCloseTo(5 + c * 1 - s * 2, 10);
    expect(p[1]).toBeCloseTo(-7 + s * 1 + c * 2, 10);
    expect(p[2]).toBeCloseTo(11 + 3, 10);
  });

  test.each([[0, 0, 0], [3.5, 7.25, 1], [9, 11, 13]])('physical → index inverts index → physical at %s', (i, j, k) => {
    const p = applyAffine(indexToPhysical(oblique), i, j, k);
    const back = applyAffine(physicalToIndex(oblique), p[0], p[1], p[2]);
    expect([...back].map((x) => Number(x.toFixed(9)))).toEqual([i, j, k]);
  });

  test('compose with inverse is the identity', () => {
    const m = indexToPhysical(oblique);
    const id = composeAffine(invertAffine(m), m);
    expect([...id].map((x) => Number(x.toFixed(9)) + 0)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  });

  test.each<[string, Partial<Grid3>, boolean]>([
    ['identical', {}, true],
    ['origin within tolerance', { origin: [5.00001, -7, 11] }, true],
    ['other size', { size: [10, 12, 15] }, false],
    ['other spacing', { spacing: [1, 2, 3.1] }, false],
    ['shifted origin', { origin: [5.5, -7, 11] }, false],
    ['flipped axis', { direction: [-c, -s, 0, -s, c, 0, 0, 0, 1] }, false],
  ])('sameGrid: %s → %s', (_n, change, expected) => {
    expect(sameGrid(oblique, { ...structuredClone(oblique), ...change })).toBe(expected);
  });
});
