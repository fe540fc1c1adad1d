import { describe, expect, test } from 'vitest';
import { applyAffine, indexToPhysical, type Grid3 } from '../image/grid.js';
import { coarseGridFor, coordinateImages, OUTSIDE, sampleThroughPointMap } from './point-map.js';

// Template: 20³ voxels of 2 mm; subject (fine) grid: 1 mm, shifted by 3 mm, inside the template box.
const template: Grid3 = { size: [20, 20, 20], spacing: [2, 2, 2], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const fine: Grid3 = { size: [30, 30, 30], spacing: [1, 1, 1], origin: [3, 3, 3], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

/** The point map of a pure translation by `t` mm, as transformix would return it on the coarse grid. */
function translationMap(t: number[]) {
  const coarse = coarseGridFor(fine, 2);
  const m = indexToPhysical(coarse.grid);
  const n = coarse.grid.size[0] * coarse.grid.size[1] * coarse.grid.size[2];
  const map = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as [Float32Array, Float32Array, Float32Array];
  const p = new Float64Array(3);
  let v = 0;
  for (let k = 0; k < coarse.grid.size[2]; k++) for (let j = 0; j < coarse.grid.size[1]; j++) for (let i = 0; i < coarse.grid.size[0]; i++, v++) {
    applyAffine(m, i, j, k, p);
    for (let a = 0; a < 3; a++) {
      const q = p[a] + t[a];
      map[a][v] = q < 0 || q > 38 ? OUTSIDE : q;
    }
  }
  return { map, coarse };
}

describe('point map resampling', () => {
  test('the coarse grid covers the fine one with whole factors', () => {
    const { grid, factor } = coarseGridFor(fine, 2);
    expect(factor).toEqual([2, 2, 2]);
    expect(grid.size).toEqual([16, 16, 16]);
    expect(grid.spacing).toEqual([2, 2, 2]);
  });

  test('coordinate images hold each template voxel\'s physical position', () => {
    const [x, , z] = coordinateImages(template);
    expect((x.data as Float32Array)[1]).toBe(2);
    expect((z.data as Float32Array)[20 * 20 * 3]).toBe(6);
  });

  test('through a translation, a linear image is reproduced exactly and labels land on the shifted voxels', () => {
    // Prepare: a linear ramp along x and a label = template x index.
    const ramp = Float32Array.from({ length: 8000 }, (_, i) => (i % 20) * 2);
    const labels = Int16Array.from({ length: 8000 }, (_, i) => i % 20);
    const { map, coarse } = translationMap([1, 0, 0]);
    // Act
    const [r, l] = sampleThroughPointMap({ map, coarse, fine, template, images: [{ data: ramp, interpolation: 'linear' }, { data: labels, interpolation: 'nearest' }] });
    // Assess: fine voxel i is at x = 3 + i, mapped to x + 1 = 4 + i mm.
    for (const i of [0, 5, 17, 29]) {
      expect(r[i]).toBeCloseTo(4 + i, 4);
      expect(l[i]).toBe(Math.round((4 + i) / 2));
    }
  });

  test('points mapped outside the template read 0', () => {
    const { map, coarse } = translationMap([-10, 0, 0]);
    const [r] = sampleThroughPointMap({ map, coarse, fine, template, images: [{ data: new Float32Array(8000).fill(1), interpolation: 'linear' }] });
    expect(r[0]).toBe(0);
    expect(r[29]).toBe(1);
  });
});

describe('label interpolation', () => {
  test('picks the label with the largest trilinear weight and never invents one', () => {
    // Prepare: labels 3 (x < 10) and 7 (x ≥ 10) along x; identity map.
    const labels = Int16Array.from({ length: 8000 }, (_, i) => (i % 20 < 10 ? 3 : 7));
    const { map, coarse } = translationMap([0, 0, 0]);
    // Act
    const [l] = sampleThroughPointMap({ map, coarse, fine, template, images: [{ data: labels, interpolation: 'label' }] });
    // Assess: fine x = 3 + i mm; the boundary sits between template voxels 9 (18 mm) and 10 (20 mm).
    expect(new Set(l)).toEqual(new Set([3, 7]));
    expect([l[15], l[16], l[17]]).toEqual([3, 3, 7]); // 18 mm → 3, 19 mm (a tie) → the first met (3), 20 mm → 7
  });
});
