import { describe, expect, test } from 'vitest';
import { centiloid, CENTILOID_TRACERS } from './centiloid.js';
import { computeSuvr, meanInMask, SuvrError } from './suvr.js';

describe('SUVR and Centiloid', () => {
  test('divides by the reference mean', () => {
    const pet = Float32Array.from({ length: 40 }, (_, i) => (i < 20 ? 2 : 5));
    const reference = Uint8Array.from({ length: 40 }, (_, i) => (i < 20 ? 1 : 0));
    const { suvr, referenceMean, referenceVoxels } = computeSuvr({ pet, reference });
    expect([referenceMean, referenceVoxels, suvr[0], suvr[39]]).toEqual([2, 20, 1, 2.5]);
    expect(meanInMask(suvr, reference)).toBe(1);
  });

  test.each([
    ['an empty reference region', new Uint8Array(40), /only 0 voxels/],
    ['a reference region where the PET is zero', new Uint8Array(40).fill(1), /zero in the SUVR reference/],
  ])('refuses %s', (_name, reference, message) => {
    expect(() => computeSuvr({ pet: new Float32Array(40), reference })).toThrow(message);
    expect(() => computeSuvr({ pet: new Float32Array(40), reference })).toThrow(SuvrError);
  });

  test.each(CENTILOID_TRACERS)('%s: Centiloid is linear in the GAAIN SUVR', (tracer) => {
    const slope = centiloid(2, tracer) - centiloid(1, tracer);
    expect(slope).toBeGreaterThan(50);
    expect(centiloid(1.5, tracer)).toBeCloseTo((centiloid(1, tracer) + centiloid(2, tracer)) / 2, 9);
  });

  test('PiB anchors: 0 CL at SUVR 1.0096, 100 CL at 2.0768 (Klunk 2015)', () => {
    expect(centiloid(1.0096, 'pib')).toBeCloseTo(0, 1);
    expect(centiloid(2.0768, 'pib')).toBeCloseTo(100, 0);
  });
});
