import { describe, expect, test } from 'vitest';
import { renderMontage } from './montage.js';

// 8×8×8 grid, LPS-aligned: a bright voxel column at the subject's left (+x) and anterior (−y) corner.
const grid = { size: [8, 8, 8] as [number, number, number], spacing: [1, 1, 1] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const background = new Float32Array(512).fill(10);
for (let z = 0; z < 8; z++) background[7 + 8 * (0 + 8 * z)] = 100;

describe('renderMontage', () => {
  test('radiological view: the subject\'s left is on the right of each tile, anterior at the top', () => {
    // Act
    const m = renderMontage({ background, grid, overlay: { kind: 'none' }, slices: 1, columns: 1 });
    // Assess: tile is 8×8; the brightest pixel is top-right.
    expect([m.width, m.height]).toEqual([8, 8]);
    const px = (x: number, y: number) => m.rgb[(y * 8 + x) * 3];
    expect(px(7, 0)).toBe(255);
    expect(px(0, 7)).toBeLessThan(255);
  });

  test('a 2 mm grid is enlarged to about one pixel per millimetre', () => {
    const m = renderMontage({ background, grid: { ...grid, spacing: [2, 2, 2] }, overlay: { kind: 'none' }, slices: 2, columns: 2 });
    expect([m.width, m.height]).toEqual([32, 16]);
  });

  test('the outline overlay draws the mask edge in red', () => {
    const mask = new Uint8Array(512);
    for (let z = 0; z < 8; z++) for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) mask[x + 8 * (y + 8 * z)] = 1;
    const m = renderMontage({ background, grid, overlay: { kind: 'outline', mask }, slices: 1, columns: 1 });
    const o = (2 * 8 + 2) * 3; // picture (2, 2) is the voxel (2, 5): an edge of the mask
    expect([m.rgb[o], m.rgb[o + 1]]).toEqual([255, 40]);
    const inner = (3 * 8 + 3) * 3;
    expect(m.rgb[inner]).toBe(m.rgb[inner + 1]);
  });
});
