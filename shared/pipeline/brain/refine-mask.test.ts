import { describe, expect, test } from 'vitest';
import { refineBrainMask } from './refine-mask.js';

const size = [12, 12, 12] as const;
const at = (x: number, y: number, z: number) => x + 12 * (y + 12 * z);

function inputs() {
  const probability = new Float32Array(12 ** 3);
  const t1 = new Float32Array(12 ** 3).fill(100);
  for (let z = 2; z <= 8; z++) for (let y = 2; y <= 8; y++) for (let x = 2; x <= 8; x++) probability[at(x, y, z)] = 0.9;
  probability[at(10, 10, 10)] = 0.9; // a stray island
  probability[at(5, 5, 5)] = 0.2; // a hole in the warped mask
  t1[at(2, 2, 2)] = 0; // air at a corner of the mask
  return { probability, t1 };
}

describe('refineBrainMask', () => {
  test('thresholds, drops air and islands, fills holes', () => {
    // Prepare
    const { probability, t1 } = inputs();
    // Act
    const { mask, airVoxels, filledVoxels } = refineBrainMask({ probability, t1, size, spacing: [2, 2, 2] });
    // Assess
    expect([mask[at(10, 10, 10)], mask[at(5, 5, 5)], mask[at(2, 2, 2)], mask[at(4, 4, 4)]]).toEqual([0, 1, 0, 1]);
    expect([airVoxels, filledVoxels]).toEqual([1, 1]);
    expect(mask.reduce((s, v) => s + v, 0)).toBe(7 ** 3 - 1);
  });

  test('is idempotent: refining its own result changes nothing', () => {
    const { probability, t1 } = inputs();
    const once = refineBrainMask({ probability, t1, size, spacing: [2, 2, 2] }).mask;
    expect(refineBrainMask({ probability: once, t1, size, spacing: [2, 2, 2] }).mask).toEqual(once);
  });
});
