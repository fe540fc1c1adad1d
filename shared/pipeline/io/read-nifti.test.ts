import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { encodeNifti1, type EncodeNiftiOptions } from './encode-nifti.js';
import { PipelineInputError, type InputErrorCode } from './errors.js';
import { readNifti } from './read-nifti.js';
import type { ExpectedImage } from './validate-header.js';
import { writeNifti } from './write-nifti.js';

const dir = mkdtempSync(join(tmpdir(), 'adni-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small valid T1-like volume: 8×9×10 float32, 2 mm, RAS-aligned sform. */
function goodVolume(overrides: Partial<EncodeNiftiOptions> = {}): EncodeNiftiOptions {
  const size = overrides.size ?? [8, 9, 10];
  const n = size.reduce((a, b) => a * b, 1);
  return {
    size,
    datatype: 16,
    data: overrides.data ?? new Float32Array(n).map((_, i) => 1 + (i % 17)),
    spacing: [2, 2, 2, 1],
    sform: { code: 2, rows: [[2, 0, 0, -8], [0, 2, 0, -9], [0, 0, 2, -10]] },
    qform: { code: 1, quatern: [0, 0, 0], offset: [-8, -9, -10] },
    ...overrides,
  };
}

const arr = (x: unknown) => Array.from(x as ArrayLike<number>);

let counter = 0;
function file(bytes: Uint8Array | Buffer, ext = '.nii.gz'): string {
  const path = join(dir, `case-${counter++}${ext}`);
  writeFileSync(path, bytes);
  return path;
}

const gz = (o: EncodeNiftiOptions) => gzipSync(encodeNifti1(o));

const badCases: Array<[string, () => string, ExpectedImage, InputErrorCode]> = [
  ['missing file', () => join(dir, 'nope.nii.gz'), 't1', 'NOT_FOUND'],
  ['.nii.gz that is not gzip', () => file(encodeNifti1(goodVolume())), 't1', 'NOT_GZIP'],
  ['truncated gzip', () => { const b = gz(goodVolume()); return file(b.subarray(0, Math.floor(b.length / 2))); }, 't1', 'TRUNCATED_GZIP'],
  ['corrupt gzip (bad CRC)', () => { const b = Buffer.from(gz(goodVolume())); b[b.length - 6] ^= 0xff; return file(b); }, 't1', 'CORRUPT_GZIP'],
  ['gzip of random bytes', () => file(gzipSync(Buffer.alloc(4096, 7))), 't1', 'NOT_NIFTI'],
  ['Analyze header (no n+1 magic)', () => file(gz(goodVolume({ magic: '' }))), 't1', 'NOT_NIFTI'],
  ['2-D image', () => file(gz(goodVolume({ size: [8, 9], data: new Float32Array(72).fill(1) }))), 't1', 'WRONG_DIMENSIONALITY'],
  ['single slice', () => file(gz(goodVolume({ size: [8, 9, 1], data: new Float32Array(72).fill(1) }))), 'pet', 'WRONG_DIMENSIONALITY'],
  ['5-D image', () => file(gz(goodVolume({ size: [4, 4, 4, 2, 3], data: new Float32Array(384).fill(1) }))), 'pet', 'WRONG_DIMENSIONALITY'],
  ['4-D T1', () => file(gz(goodVolume({ size: [4, 4, 4, 3], data: new Float32Array(192).fill(1) }))), 't1', 'WRONG_DIMENSIONALITY'],
  ['513 voxels on an axis', () => file(gz(goodVolume({ size: [513, 2, 2], data: new Float32Array(8).fill(1) }))), 't1', 'TOO_LARGE'],
  ['more than 2^28 voxels', () => file(gz(goodVolume({ size: [512, 512, 512, 3], data: new Float32Array(8).fill(1) }))), 'pet', 'TOO_LARGE'],
  ['zero spacing', () => file(gz(goodVolume({ spacing: [2, 0, 2] }))), 't1', 'BAD_SPACING'],
  ['negative spacing', () => file(gz(goodVolume({ spacing: [2, 2, -2] }))), 't1', 'BAD_SPACING'],
  ['NaN spacing', () => file(gz(goodVolume({ spacing: [Number.NaN, 2, 2] }))), 'pet', 'BAD_SPACING'],
  ['complex datatype', () => file(gz(goodVolume({ datatype: 32, data: new Float32Array(1440) }))), 't1', 'UNSUPPORTED_DATATYPE'],
  ['data shorter than the header says', () => { const b = encodeNifti1(goodVolume()); return file(gzipSync(b.subarray(0, b.length - 100))); }, 't1', 'TRUNCATED_DATA'],
  ['all-zero image', () => file(gz(goodVolume({ data: new Float32Array(720) }))), 't1', 'ALL_ZERO'],
  ['NaN-filled image', () => file(gz(goodVolume({ data: new Float32Array(720).fill(Number.NaN) }))), 'pet', 'NON_FINITE'],
  ['decompression bomb (tiny header, 8 MiB of data)', () => {
    const header = encodeNifti1(goodVolume({ size: [4, 4, 4], datatype: 2, data: new Uint8Array(64).fill(1) }));
    return file(gzipSync(Buffer.concat([header, Buffer.alloc(8 << 20)])));
  }, 't1', 'DECOMPRESSION_BOMB'],
];

describe('readNifti refuses bad inputs with a typed error', () => {
  test.each(badCases)('%s → %s', async (_name, make, expectKind, code) => {
    // Prepare
    const path = make();
    // Act
    const error = await readNifti(path, { expect: expectKind }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(PipelineInputError);
    expect((error as PipelineInputError).code).toBe(code);
    expect((error as Error).message).not.toContain(dir); // base name only, never the full path
  });

  test('maxInflatedBytes caps what a header may claim', async () => {
    // Prepare
    const path = file(gz(goodVolume()));
    // Act
    const error = await readNifti(path, { expect: 't1', maxInflatedBytes: 1000 }).catch((e: unknown) => e);
    // Assess
    expect((error as PipelineInputError).code).toBe('TOO_LARGE');
  });
});

describe('readNifti reads valid inputs', () => {
  test('3-D float volume: data, spacing and LPS geometry from the sform', async () => {
    // Prepare
    const path = file(gz(goodVolume()));
    // Act
    const { image, info, orientation } = await readNifti(path, { expect: 't1' });
    // Assess
    expect(image.size).toEqual([8, 9, 10]);
    expect(image.spacing).toEqual([2, 2, 2]);
    expect(image.origin).toEqual([8, 9, -10]); // RAS (-8,-9,-10) → LPS
    expect(arr(image.direction)).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(orientation.source).toBe('sform');
    expect(orientation.conflict).toBeUndefined();
    expect(info).toMatchObject({ dimensionality: 3, frames: 1, nonFiniteVoxels: 0 });
    expect(image.data![5]).toBe(6);
  });

  test('4-D PET keeps its frames', async () => {
    // Prepare
    const path = file(gz(goodVolume({ size: [4, 5, 6, 3], data: new Float32Array(360).fill(2) })));
    // Act
    const { image, info } = await readNifti(path, { expect: 'pet' });
    // Assess
    expect(image.imageType.dimension).toBe(4);
    expect(image.size).toEqual([4, 5, 6, 3]);
    expect(info).toMatchObject({ dimensionality: 4, frames: 3 });
  });

  test('uncompressed .nii is accepted', async () => {
    const path = file(encodeNifti1(goodVolume()), '.nii');
    const { image } = await readNifti(path, { expect: 't1' });
    expect(image.size).toEqual([8, 9, 10]);
  });

  test('some NaN voxels are set to 0 and counted', async () => {
    // Prepare
    const o = goodVolume();
    (o.data as Float32Array)[3] = Number.NaN;
    (o.data as Float32Array)[7] = Number.POSITIVE_INFINITY;
    // Act
    const { image, info } = await readNifti(file(gz(o)), { expect: 'pet' });
    // Assess
    expect(info.nonFiniteVoxels).toBe(2);
    expect(image.data![3]).toBe(0);
    expect(image.data![7]).toBe(0);
  });

  test('oblique sform: direction cosines are kept', async () => {
    // Prepare: 30° about z, spacing 1 × 2 × 3
    const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
    const path = file(gz(goodVolume({ spacing: [1, 2, 3], qform: undefined, sform: { code: 2, rows: [[c, -2 * s, 0, 10], [s, 2 * c, 0, 20], [0, 0, 3, 30]] } })));
    // Act
    const { image } = await readNifti(path, { expect: 't1' });
    // Assess: axis i points along LPS (-c, -s, 0); axis j along (s, -c, 0)
    const d = arr(image.direction);
    expect(d[0]).toBeCloseTo(-c, 5); expect(d[3]).toBeCloseTo(-s, 5);
    expect(d[1]).toBeCloseTo(s, 5); expect(d[4]).toBeCloseTo(-c, 5);
    expect(image.spacing.map((x) => Number(x.toFixed(5)))).toEqual([1, 2, 3]);
    expect(image.origin).toEqual([-10, -20, 30]);
  });

  test('qform that flips y and z relative to the sform (GAAIN-like): detected, sform followed', async () => {
    // Prepare: sform diag(-2, 2, 2); qform = 180° about z with qfac -1 → diag(-2, -2, -2)
    const path = file(gz(goodVolume({
      qfac: -1,
      qform: { code: 1, quatern: [0, 0, 1], offset: [90, -126, -72] },
      sform: { code: 2, rows: [[-2, 0, 0, 90], [0, 2, 0, -126], [0, 0, 2, -72]] },
    })));
    // Act
    const { image, orientation, info } = await readNifti(path, { expect: 'mask' });
    // Assess
    expect(orientation.conflict?.flippedAxes).toEqual([1, 2]);
    expect(orientation.source).toBe('sform');
    expect(info.warnings.join(' ')).toMatch(/qform flips axis j, k relative to sform/);
    expect(arr(image.direction)).toEqual([1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(image.origin).toEqual([-90, 126, -72]);
  });

  test('no qform and no sform: pixdim only, with a warning', async () => {
    const path = file(gz(goodVolume({ qform: undefined, sform: undefined })));
    const { orientation, image } = await readNifti(path, { expect: 't1' });
    expect(orientation.source).toBe('pixdim');
    expect(orientation.warnings[0]).toMatch(/orientation unknown/);
    expect(image.spacing).toEqual([2, 2, 2]);
  });
});

describe('writeNifti', () => {
  test('round-trips data and geometry, leaves no partial file, and is idempotent', async () => {
    // Prepare
    const c = Math.cos(0.3), s = Math.sin(0.3);
    const { image } = await readNifti(file(gz(goodVolume({ spacing: [1, 2, 3], sform: { code: 2, rows: [[c, 0, 3 * s, 1], [0, 2, 0, 2], [-s, 0, 3 * c, 3]] } }))), { expect: 't1' });
    const outDir = join(dir, 'written');
    const out = join(outDir, 'roundtrip.nii.gz');
    // Act
    await writeNifti(image, out);
    const first = await readNifti(out, { expect: 't1' });
    await writeNifti(first.image, out);
    const second = await readNifti(out, { expect: 't1' });
    // Assess
    for (const back of [first, second]) {
      expect(back.image.size).toEqual(image.size);
      back.image.origin.forEach((o, i) => expect(o).toBeCloseTo(image.origin[i], 4));
      back.image.spacing.forEach((o, i) => expect(o).toBeCloseTo(image.spacing[i], 5));
      arr(back.image.direction).forEach((o, i) => expect(o).toBeCloseTo(Number(image.direction[i]), 5));
      expect(arr(back.image.data!)).toEqual(arr(image.data!));
      expect(back.orientation.conflict).toBeUndefined();
    }
    expect(readdirSync(outDir)).toEqual(['roundtrip.nii.gz']);
  });
});

const GAAIN = '/work/shared/data/centiloid-masks/voi_ctx_2mm.nii.gz';
const BUNDLE_COPY = '/work/shared/data/bundles/mni152-aal3-2mm/centiloid_target.nii.gz';
const sharedPath = (p: string) => p.replace('/work/shared/data', join(process.cwd(), '..', 'shared', 'data'));
const haveGaain = existsSync(sharedPath(GAAIN)) && existsSync(sharedPath(BUNDLE_COPY));

describe.skipIf(!haveGaain)('real GAAIN Centiloid VOI (needs ../shared/data/centiloid-masks; skipped without it)', () => {
  test('its qform/sform conflict is reported and the mask lands where the fixed bundle copy does', async () => {
    // Act
    const original = await readNifti(sharedPath(GAAIN), { expect: 'mask' });
    const fixed = await readNifti(sharedPath(BUNDLE_COPY), { expect: 'mask' });
    // Assess
    expect(original.orientation.conflict?.flippedAxes).toEqual([1, 2]);
    expect(fixed.orientation.conflict).toBeUndefined();
    expect(original.image.origin).toEqual(fixed.image.origin);
    expect(arr(original.image.direction)).toEqual(arr(fixed.image.direction));
    expect(Buffer.from(original.image.data!.buffer).equals(Buffer.from(fixed.image.data!.buffer))).toBe(true);
  });
});
