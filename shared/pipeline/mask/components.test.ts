import { describe, expect, test } from 'vitest';
import { fillHoles } from './fill-holes.js';
import { largestComponent } from './largest-component.js';

const size: [number, number, number] = [10, 10, 10];
const at = (i: number, j: number, k: number) => i + 10 * j + 100 * k;
const box = (m: Uint8Array, lo: number[], hi: number[]) => {
  for (let k = lo[2]; k <= hi[2]; k++) for (let j = lo[1]; j <= hi[1]; j++) for (let i = lo[0]; i <= hi[0]; i++) m[at(i, j, k)] = 1;
  return m;
};

describe('largestComponent', () => {
  test.each<[string, (m: Uint8Array) => void, 6 | 26, number, number]>([
    // name, build, connectivity, expected voxels kept, expected components
    ['two boxes: the bigger wins', (m) => { box(m, [0, 0, 0], [2, 2, 2]); box(m, [5, 5, 5], [8, 8, 8]); }, 26, 64, 2],
    ['diagonal neighbours join under 26', (m) => { box(m, [0, 0, 0], [1, 1, 1]); box(m, [2, 2, 2], [3, 3, 3]); }, 26, 16, 1],
    ['diagonal neighbours stay apart under 6', (m) => { box(m, [0, 0, 0], [1, 1, 1]); box(m, [2, 2, 2], [4, 4, 4]); }, 6, 27, 2],
    ['edge-touching voxels join under 26 only', (m) => { m[at(4, 4, 4)] = 1; m[at(5, 5, 4)] = 1; }, 6, 1, 2],
    ['an empty mask', () => {}, 26, 0, 0],
  ])('%s', (_name, build, connectivity, voxels, components) => {
    // Prepare
    const m = new Uint8Array(1000);
    build(m);
    // Act
    const r = largestComponent(m, { size }, connectivity);
    // Assess
    expect({ voxels: r.voxels, components: r.components }).toEqual({ voxels, components });
    expect(r.mask.reduce((a, v) => a + v, 0)).toBe(voxels);
    for (let i = 0; i < m.length; i++) if (r.mask[i]) expect(m[i]).toBe(1);
  });

  test('is idempotent', () => {
    const m = box(box(new Uint8Array(1000), [0, 0, 0], [2, 2, 2]), [5, 5, 5], [8, 8, 8]);
    const once = largestComponent(m, { size }).mask;
    expect(Buffer.from(largestComponent(once, { size }).mask).equals(Buffer.from(once))).toBe(true);
  });

  test('refuses a mask of the wrong size', () => {
    expect(() => largestComponent(new Uint8Array(10), { size })).toThrow(/10 voxels/);
  });
});

describe('fillHoles', () => {
  test.each<[string, (m: Uint8Array) => void, number[][], number[][]]>([
    // name, build, voxels that must become 1, voxels that must stay 0
    ['a cavity inside a hollow box is filled', (m) => { box(m, [2, 2, 2], [7, 7, 7]); m[at(4, 4, 4)] = 0; m[at(5, 4, 4)] = 0; }, [[4, 4, 4], [5, 4, 4]], [[0, 0, 0]]],
    ['a dent open to the outside is not a hole', (m) => { box(m, [2, 2, 2], [7, 7, 7]); for (let i = 2; i <= 4; i++) m[at(i, 5, 5)] = 0; }, [], [[2, 5, 5], [4, 5, 5]]],
    ['background touching the image border is never filled', (m) => { box(m, [0, 0, 0], [9, 9, 4]); m[at(0, 5, 2)] = 0; }, [], [[0, 5, 2]]],
    ['a cavity reachable only diagonally stays a hole (6-connected background)', (m) => { box(m, [2, 2, 2], [7, 7, 7]); m[at(3, 3, 3)] = 0; m[at(2, 2, 2)] = 0; }, [[3, 3, 3]], [[2, 2, 2]]],
  ])('%s', (_name, build, filled, empty) => {
    // Prepare
    const m = new Uint8Array(1000);
    build(m);
    // Act
    const out = fillHoles(m, { size });
    // Assess
    for (const [i, j, k] of filled) expect(out[at(i, j, k)]).toBe(1);
    for (const [i, j, k] of empty) expect(out[at(i, j, k)]).toBe(0);
    for (let v = 0; v < m.length; v++) if (m[v]) expect(out[v]).toBe(1);
  });

  test('is idempotent', () => {
    const m = box(new Uint8Array(1000), [2, 2, 2], [7, 7, 7]);
    m[at(4, 4, 4)] = 0;
    const once = fillHoles(m, { size });
    expect(Buffer.from(fillHoles(once, { size })).equals(Buffer.from(once))).toBe(true);
  });
});
