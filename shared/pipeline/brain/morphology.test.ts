import { describe, expect, test } from 'vitest';
import { dilate, erode, fillHoles, largestComponent, type Size3 } from './morphology.js';

const size: Size3 = [7, 7, 7];
const at = (x: number, y: number, z: number) => x + 7 * (y + 7 * z);
function cube(lo: number, hi: number): Uint8Array {
  const m = new Uint8Array(343);
  for (let z = lo; z <= hi; z++) for (let y = lo; y <= hi; y++) for (let x = lo; x <= hi; x++) m[at(x, y, z)] = 1;
  return m;
}
const count = (m: Uint8Array) => m.reduce((s, v) => s + v, 0);

describe('mask morphology', () => {
  test('dilating a voxel by 1 gives the 6-neighbourhood, eroding it back gives the voxel', () => {
    const one = new Uint8Array(343);
    one[at(3, 3, 3)] = 1;
    const grown = dilate(one, size, 1);
    expect(count(grown)).toBe(7);
    expect(Array.from(erode(grown, size, 1))).toEqual(Array.from(one));
  });

  test('erosion of a 3×3×3 cube leaves its centre; voxels on the grid border erode', () => {
    expect(count(erode(cube(2, 4), size))).toBe(1);
    expect(count(erode(cube(0, 6), size))).toBe(125);
  });

  test('largest component keeps the bigger of two blobs', () => {
    const m = cube(0, 2);
    m[at(5, 5, 5)] = 1;
    const out = largestComponent(m, size);
    expect(count(out)).toBe(27);
    expect(out[at(5, 5, 5)]).toBe(0);
  });

  test('fills an enclosed hole, not the outside', () => {
    const m = cube(1, 5);
    m[at(3, 3, 3)] = 0;
    expect(Array.from(fillHoles(m, size))).toEqual(Array.from(cube(1, 5)));
  });

  test.each([
    ['dilate', (m: Uint8Array) => dilate(m, size, 2)],
    ['erode', (m: Uint8Array) => erode(m, size, 1)],
    ['largestComponent', (m: Uint8Array) => largestComponent(m, size)],
    ['fillHoles', (m: Uint8Array) => fillHoles(m, size)],
  ])('%s does not change its input', (_name, op) => {
    const m = cube(1, 4);
    const before = m.slice();
    op(m);
    expect(m).toEqual(before);
  });

  test('largest component then fill holes is idempotent', () => {
    const m = cube(1, 5);
    m[at(3, 3, 3)] = 0;
    const once = fillHoles(largestComponent(m, size), size);
    expect(fillHoles(largestComponent(once, size), size)).toEqual(once);
  });
});
