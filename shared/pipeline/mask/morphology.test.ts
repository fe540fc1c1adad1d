import { describe, expect, test } from 'vitest';
import { createRandom } from '../../model/cohort/random.js';
import { binaryClose } from './binary-close.js';
import { binaryDilate } from './binary-dilate.js';
import { binaryErode } from './binary-erode.js';
import { binaryOpen } from './binary-open.js';
import { squaredDistanceToMask, type MaskGrid } from './distance-transform.js';

const count = (m: ArrayLike<number>) => { let c = 0; for (let i = 0; i < m.length; i++) c += m[i] ? 1 : 0; return c; };

/** Brute-force ball dilation/erosion: every voxel against every ball offset (the definition). */
function bruteForce(mask: Uint8Array, g: MaskGrid, r: number, op: 'dilate' | 'erode'): Uint8Array {
  const [nx, ny, nz] = g.size, [sx, sy, sz] = g.spacing;
  const out = new Uint8Array(mask.length);
  const ri = Math.floor(r / sx), rj = Math.floor(r / sy), rk = Math.floor(r / sz);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    let hit = op === 'erode' ? 1 : 0;
    for (let c = -rk; c <= rk; c++) for (let b = -rj; b <= rj; b++) for (let a = -ri; a <= ri; a++) {
      if ((a * sx) ** 2 + (b * sy) ** 2 + (c * sz) ** 2 > r * r * (1 + 1e-9)) continue;
      const x = i + a, y = j + b, z = k + c;
      if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) continue; // outside: no influence
      const v = mask[x + y * nx + z * nx * ny];
      if (op === 'dilate' && v) hit = 1;
      if (op === 'erode' && !v) hit = 0;
    }
    out[i + j * nx + k * nx * ny] = hit;
  }
  return out;
}

function randomBlobs(seed: number, g: MaskGrid): Uint8Array {
  const rnd = createRandom(seed);
  const [nx, ny, nz] = g.size;
  const m = new Uint8Array(nx * ny * nz);
  for (let b = 0; b < 5; b++) {
    const c = [rnd.uniform() * nx, rnd.uniform() * ny, rnd.uniform() * nz], r = 1 + rnd.uniform() * 4;
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
      if ((i - c[0]) ** 2 + (j - c[1]) ** 2 + (k - c[2]) ** 2 <= r * r) m[i + j * nx + k * nx * ny] = 1;
    }
  }
  for (let i = 0; i < m.length; i++) if (rnd.uniform() < 0.02) m[i] ^= 1; // speckle
  return m;
}

const grids: Array<[string, MaskGrid]> = [
  ['isotropic 1 mm', { size: [17, 15, 13], spacing: [1, 1, 1] }],
  ['anisotropic 0.9 × 1.2 × 2.5 mm', { size: [19, 14, 9], spacing: [0.9, 1.2, 2.5] }],
];

describe('ball morphology (radius in mm, honouring spacing)', () => {
  test.each(grids.flatMap(([name, g]) => [1, 2.5, 3.7].flatMap((r) => (['dilate', 'erode'] as const).map((op) => [name, g, r, op] as const))))(
    '%s: %s by r = %s mm %s equals the brute-force ball',
    (_name, g, r, op) => {
      // Prepare
      const mask = randomBlobs(Math.round(r * 10), g);
      // Act
      const fast = op === 'dilate' ? binaryDilate(mask, g, r) : binaryErode(mask, g, r);
      // Assess
      expect(Buffer.from(fast).equals(Buffer.from(bruteForce(mask, g, r, op)))).toBe(true);
    },
  );

  test('distance transform equals brute force on an anisotropic grid', () => {
    const g: MaskGrid = { size: [9, 8, 7], spacing: [1, 1.5, 2] };
    const mask = randomBlobs(3, g).map((v, i) => (i % 17 === 0 ? 1 : 0));
    const d2 = squaredDistanceToMask(mask, g);
    const pts: number[][] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i]) pts.push([i % 9, Math.floor(i / 9) % 8, Math.floor(i / 72)]);
    for (let i = 0; i < mask.length; i++) {
      const p = [i % 9, Math.floor(i / 9) % 8, Math.floor(i / 72)];
      const best = Math.min(...pts.map((q) => ((p[0] - q[0]) * 1) ** 2 + ((p[1] - q[1]) * 1.5) ** 2 + ((p[2] - q[2]) * 2) ** 2));
      expect(d2[i]).toBeCloseTo(best, 9);
    }
  });

  test('an empty mask has infinite distance everywhere and dilates to nothing', () => {
    const g: MaskGrid = { size: [4, 4, 4], spacing: [1, 1, 1] };
    expect(squaredDistanceToMask(new Uint8Array(64), g).every((v) => v === Infinity)).toBe(true);
    expect(count(binaryDilate(new Uint8Array(64), g, 3))).toBe(0);
  });

  test('erosion treats beyond the border as foreground: a full mask stays full', () => {
    const g: MaskGrid = { size: [6, 6, 6], spacing: [1, 1, 1] };
    expect(count(binaryErode(new Uint8Array(216).fill(1), g, 2))).toBe(216);
  });

  test.each([[1], [2], [3]])('opening and closing are idempotent (r = %s mm)', (r) => {
    const g: MaskGrid = { size: [20, 18, 16], spacing: [1, 1, 1.5] };
    const mask = randomBlobs(7, g);
    const opened = binaryOpen(mask, g, r), closed = binaryClose(mask, g, r);
    expect(Buffer.from(binaryOpen(opened, g, r)).equals(Buffer.from(opened))).toBe(true);
    expect(Buffer.from(binaryClose(closed, g, r)).equals(Buffer.from(closed))).toBe(true);
    // Opening shrinks, closing grows (anti-extensive / extensive).
    for (let i = 0; i < mask.length; i++) {
      if (opened[i]) expect(mask[i]).toBe(1);
      if (mask[i]) expect(closed[i]).toBe(1);
    }
  });

  test('opening removes a thin bridge between two balls; closing fills a thin slit', () => {
    // Prepare: two r = 5 balls joined by a 1-voxel bar, on a 2 mm grid
    const g: MaskGrid = { size: [30, 14, 14], spacing: [2, 2, 2] };
    const m = new Uint8Array(30 * 14 * 14);
    const at = (i: number, j: number, k: number) => i + j * 30 + k * 30 * 14;
    for (let k = 0; k < 14; k++) for (let j = 0; j < 14; j++) for (let i = 0; i < 30; i++) {
      if ((i - 7) ** 2 + (j - 7) ** 2 + (k - 7) ** 2 <= 25 || (i - 22) ** 2 + (j - 7) ** 2 + (k - 7) ** 2 <= 25) m[at(i, j, k)] = 1;
    }
    for (let i = 7; i <= 22; i++) m[at(i, 7, 7)] = 1;
    // Act
    const opened = binaryOpen(m, g, 3);
    // Assess
    expect(opened[at(14, 7, 7)]).toBe(0);
    expect(opened[at(7, 7, 7)]).toBe(1);
    // A slit of one voxel through a solid block closes with r = 2 mm
    const block = new Uint8Array(30 * 14 * 14);
    for (let k = 2; k < 12; k++) for (let j = 2; j < 12; j++) for (let i = 2; i < 28; i++) if (i !== 15) block[at(i, j, k)] = 1;
    expect(binaryClose(block, g, 2)[at(15, 7, 7)]).toBe(1);
  });

  test.each([[-1], [Number.NaN]])('refuses radius %s', (r) => {
    const g: MaskGrid = { size: [2, 2, 2], spacing: [1, 1, 1] };
    expect(() => binaryDilate(new Uint8Array(8), g, r)).toThrow(/radius/);
    expect(() => binaryErode(new Uint8Array(8), g, r)).toThrow(/radius/);
  });
});
