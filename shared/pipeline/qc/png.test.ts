import { inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { encodePng } from './png.js';

describe('encodePng', () => {
  test('writes a PNG whose IHDR and inflated rows hold the pixels', () => {
    // Prepare: 3×2 RGB with distinct values
    const rgb = Uint8Array.from({ length: 18 }, (_, i) => i * 10);
    // Act
    const png = encodePng(rgb, 3, 2);
    // Assess
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([3, 2, 8, 2]);
    const idatLength = png.readUInt32BE(33);
    expect(png.toString('latin1', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(Array.from(raw)).toEqual([0, ...rgb.subarray(0, 9), 0, ...rgb.subarray(9)]);
    expect(png.toString('latin1', png.length - 8, png.length - 4)).toBe('IEND');
  });

  test('is deterministic', () => {
    const rgb = new Uint8Array(64 * 64 * 3).map((_, i) => (i * 7) & 255);
    expect(encodePng(rgb, 64, 64)).toEqual(encodePng(rgb, 64, 64));
  });

  test('refuses a buffer of the wrong size', () => {
    expect(() => encodePng(new Uint8Array(5), 2, 2)).toThrow(/RGB/);
  });
});
