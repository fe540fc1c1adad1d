import { describe, expect, test } from 'vitest';
import { classifyPoint, HEAD_CENTER, PHANTOM_REGIONS, TISSUE } from './anatomy.js';

describe('phantom anatomy', () => {
  test.each<[string, [number, number, number], number, number, number]>([
    // name, LPS point, tissue, label, in brain mask
    ['far outside', [200, 0, 0], TISSUE.background, 0, 0],
    ['scalp at the vertex', [0, 5, 5 + 76], TISSUE.scalp, 0, 0],
    ['skull at the vertex', [0, 5, 5 + 70], TISSUE.skull, 0, 0],
    ['cerebellar white matter, left', [2, 46, -26], TISSUE.cerebellarWm, 11, 1],
    ['cerebellar white matter, right', [-2, 46, -26], TISSUE.cerebellarWm, 12, 1],
    ['pons', [0, 18, -28], TISSUE.pons, 13, 1],
    ['left thalamus (LPS x > 0 is left)', [11, 8, 8], TISSUE.deepGm, 9, 1],
    ['right thalamus', [-11, 8, 8], TISSUE.deepGm, 10, 1],
    ['left lateral ventricle', [9, 0, 22], TISSUE.csf, 0, 1],
    ['deep white matter', [25, -10, 30], TISSUE.wm, 0, 1],
  ])('%s', (_name, p, tissue, label, brain) => {
    // Prepare
    const out = new Int32Array(3);
    // Act
    classifyPoint(p[0], p[1], p[2], out);
    // Assess
    expect([...out]).toEqual([tissue, label, brain]);
  });

  test('cortex is labelled by lobe and side, and only grey matter carries cortical labels', () => {
    // Prepare: walk outwards from the cerebrum centre along several directions
    const out = new Int32Array(3);
    const seen = new Set<number>();
    for (let az = 0; az < 360; az += 8) {
      for (let el = -60; el <= 80; el += 8) {
        const [a, e] = [(az * Math.PI) / 180, (el * Math.PI) / 180];
        for (let r = 0; r < 80; r += 1) {
          const x = r * Math.cos(e) * Math.cos(a), y = r * Math.cos(e) * Math.sin(a), z = 16 + r * Math.sin(e);
          // Act
          classifyPoint(x, y, z, out);
          // Assess
          if (out[1] >= 1 && out[1] <= 8) {
            expect(out[0]).toBe(TISSUE.gm);
            expect(out[1] % 2 === 1).toBe(x >= 0); // odd labels are _L, LPS x ≥ 0
            seen.add(out[1]);
          }
        }
      }
    }
    expect([...seen].sort((p, q) => p - q)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('the LUT has at least 8 regions, unique indices, L/R names matching odd/even cortical labels', () => {
    expect(PHANTOM_REGIONS.length).toBeGreaterThanOrEqual(8);
    expect(new Set(PHANTOM_REGIONS.map((r) => r.index)).size).toBe(PHANTOM_REGIONS.length);
    for (const r of PHANTOM_REGIONS.filter((x) => x.index <= 12)) expect(r.name.endsWith(r.index % 2 ? '_L' : '_R')).toBe(true);
    expect(HEAD_CENTER).toEqual([0, 5, 5]);
  });
});
