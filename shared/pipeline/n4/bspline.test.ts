import { describe, expect, test } from 'vitest';
import { axisDomain, basisTable, evaluateLattice, fitLattice, refineLattice, type BasisTable } from './bspline.js';
import { evaluateMaskedLevel, fitMaskedLevel, prepareMaskedLevel } from './masked-fit.js';

const dims: [number, number, number] = [20, 24, 18];
const tablesFor = (spans: number[]) => [0, 1, 2].map((a) => basisTable(axisDomain(dims[a] * 4, 1, 60), spans[a], Float64Array.from({ length: dims[a] }, (_, t) => t * 4 + 2))) as [BasisTable, BasisTable, BasisTable];
const N = dims[0] * dims[1] * dims[2];
// A smooth test function on the sample grid and a mask with holes.
const values = Float64Array.from({ length: N }, (_, o) => Math.sin(o % 20 / 7) + Math.cos(Math.floor(o / 20) % 24 / 9) * 0.5);
const mask = Uint8Array.from({ length: N }, (_, o) => (o % 7 === 3 || o % 11 === 5 ? 0 : 1));

describe('cubic B-spline lattice', () => {
  test('the cubic basis is a partition of unity', () => {
    const t = tablesFor([3, 3, 3])[0];
    for (let s = 0; s < dims[0]; s++) expect(t.weights.slice(4 * s, 4 * s + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  test('refitting the residual, as N4 iterates, moves the fit towards the data (a constant here)', () => {
    // One Lee–Wolberg–Shin pass only approximates (≈ 9 % off at the borders, as ITK's single level);
    // N4 adds the fit of the remaining residual at every iteration.
    const tables = tablesFor([2, 3, 2]);
    const target = new Float64Array(N).fill(0.7), ones = new Float64Array(N).fill(1);
    const lattice = fitLattice(target, ones, tables);
    const worst = () => {
      const out = evaluateLattice(lattice, tables);
      let m = 0;
      for (let o = 0; o < out.length; o++) m = Math.max(m, Math.abs(out[o] / 0.7 - 1));
      return m;
    };
    const first = worst();
    for (let it = 0; it < 20; it++) {
      const current = evaluateLattice(lattice, tables);
      const delta = fitLattice(target.map((v, o) => v - current[o]), ones, tables);
      for (let c = 0; c < lattice.data.length; c++) lattice.data[c] += delta.data[c];
    }
    expect(first).toBeGreaterThan(0.01);
    expect(worst()).toBeLessThan(first / 2);
  });

  test('refinement doubles the spans without changing the function', () => {
    const coarse = tablesFor([2, 2, 2]), fine = tablesFor([4, 4, 4]);
    const lattice = fitLattice(values, mask, coarse);
    const before = evaluateLattice(lattice, coarse);
    const refined = refineLattice(lattice);
    expect(refined.size).toEqual([7, 7, 7]);
    const after = evaluateLattice(refined, fine);
    for (let o = 0; o < N; o++) expect(after[o]).toBeCloseTo(before[o], 10);
  });

  test.each([[[1, 1, 1]], [[2, 3, 2]], [[4, 4, 4]]])('the masked-voxel fitter equals the full-grid fitter (spans %j)', (spans) => {
    // Prepare
    const tables = tablesFor(spans);
    const where = Int32Array.from([...mask.keys()].filter((o) => mask[o]));
    const residual = Float64Array.from(where, (o) => values[o]);
    const full = new Float64Array(N);
    where.forEach((o) => (full[o] = values[o]));
    // Act
    const level = prepareMaskedLevel(tables, where, dims);
    const masked = fitMaskedLevel(level, residual);
    const reference = fitLattice(full, mask, tables);
    const atVoxels = evaluateMaskedLevel(level, masked, new Float64Array(where.length));
    const everywhere = evaluateLattice(reference, tables);
    // Assess
    expect(masked.size).toEqual(reference.size);
    for (let c = 0; c < masked.data.length; c++) expect(masked.data[c]).toBeCloseTo(reference.data[c], 10);
    for (let n = 0; n < where.length; n += 7) expect(atVoxels[n]).toBeCloseTo(everywhere[where[n]], 10);
  });
});
