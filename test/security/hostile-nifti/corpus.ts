/**
 * The hostile-input corpus (issue 8): bad NIfTI / gzip files generated from one small valid image, so
 * that no binary blob is committed. Each case names what is wrong, which input it replaces (the T1 or
 * the PET of an otherwise valid session), the reader's error code and a fragment of the message a user
 * sees. `batchMessage` is the fragment the batch entrypoint reports where its cheaper first check
 * (`assertGzipNifti`) words it differently; `decodeOnly` marks the few cases only the full reader can
 * catch (after itk-wasm decodes the pixels), which the batch pre-check lets through to the pipeline.
 *
 * @example
 * for (const c of hostileCorpus()) writeFileSync(join(dir, c.name + c.ext), c.bytes());
 */
import { gzipSync } from 'node:zlib';
import { encodeNifti1, type EncodeNiftiOptions } from '../../../shared/pipeline/io/encode-nifti.js';
import type { InputErrorCode } from '../../../shared/pipeline/io/errors.js';

/** One bad file and what every entry point must say about it. */
export interface HostileCase {
  /** Kebab-case id, also the file's base name. */
  name: string;
  /** What is wrong with the file, in words. */
  what: string;
  /** The session input it replaces: the T1 ('mri', read as `t1`) or the PET (`pet`). */
  role: 'mri' | 'pet';
  ext: '.nii.gz' | '.nii';
  bytes: () => Buffer;
  /** `PipelineInputError.code` from the reader. */
  code: InputErrorCode;
  /** Fragment of the reader's (and `preprocess()`'s, and the CLI's) message. */
  message: RegExp;
  /** Fragment of the batch job's failure reason, when it differs from `message`. */
  batchMessage?: RegExp;
  /** Caught only once the pixels are decoded (the batch pre-check cannot see it). */
  decodeOnly?: boolean;
  /** Grouping for the summary table. */
  group: 'container' | 'truncation' | 'header' | 'size' | 'spacing' | 'orientation' | 'data' | 'dimensionality' | 'nifti-2';
}

/** Grid of the valid base image: 32³ float32, 3 mm, RAS-aligned sform (the tiny session's grid). */
export const BASE_SIZE = 32;
const SP = 3;
const VOXELS = BASE_SIZE ** 3;
const HALF = (BASE_SIZE / 2) * SP;

/** Non-zero, finite voxel values. */
function values(n: number, fill?: number): Float32Array {
  return fill === undefined ? new Float32Array(n).map((_, i) => 10 + (i % 17)) : new Float32Array(n).fill(fill);
}

function options(overrides: Partial<EncodeNiftiOptions> = {}): EncodeNiftiOptions {
  const size = overrides.size ?? [BASE_SIZE, BASE_SIZE, BASE_SIZE];
  return {
    size,
    datatype: 16,
    data: values(size.reduce((a, b) => a * b, 1)),
    spacing: [SP, SP, SP, 1],
    sform: { code: 2, rows: [[SP, 0, 0, -HALF], [0, SP, 0, -HALF], [0, 0, SP, -HALF]] },
    qform: { code: 0, quatern: [0, 0, 0], offset: [0, 0, 0] },
    ...overrides,
  };
}

/**
 * The uncompressed valid NIfTI-1 image (348-byte header, 4 zero extension bytes, vox_offset 352).
 *
 * @example
 * gzipSync(baseNifti1({ size: [32, 32, 32, 3], data: new Float32Array(3 * 32 ** 3).fill(1) })) // a 4-D variant
 */
export function baseNifti1(overrides: Partial<EncodeNiftiOptions> = {}): Buffer {
  return Buffer.from(encodeNifti1(options(overrides)));
}

/** `baseNifti1` with header fields overwritten (little endian). */
function poked(edit: (b: Buffer) => void, overrides: Partial<EncodeNiftiOptions> = {}): Buffer {
  const b = baseNifti1(overrides);
  edit(b);
  return b;
}

/**
 * A valid NIfTI-1 image written big endian (header and data).
 *
 * @example
 * bigEndianNifti1().readInt32BE(0) // 348
 */
export function bigEndianNifti1(): Buffer {
  const le = baseNifti1();
  const be = Buffer.alloc(le.length);
  be.writeInt32BE(348, 0);
  for (let i = 0; i < 8; i++) be.writeInt16BE(le.readInt16LE(40 + 2 * i), 40 + 2 * i);
  for (const o of [70, 72, 252, 254]) be.writeInt16BE(le.readInt16LE(o), o);
  for (let o = 76; o < 120; o += 4) be.writeFloatBE(le.readFloatLE(o), o);
  for (let o = 256; o < 328; o += 4) be.writeFloatBE(le.readFloatLE(o), o);
  be[123] = le[123];
  be.write('n+1\0', 344, 'latin1');
  for (let o = 352; o < le.length; o += 4) be.writeFloatBE(le.readFloatLE(o), o);
  return be;
}

/**
 * A valid single-file NIfTI-2 image (540-byte header, 4 extension bytes, vox_offset 544), little endian;
 * `edit` changes the header before the data is appended.
 *
 * @example
 * baseNifti2((h) => h.writeBigInt64LE(2n ** 62n, 24)) // an axis of 2^62 voxels
 */
export function baseNifti2(edit: (h: Buffer) => void = () => undefined): Buffer {
  const h = Buffer.alloc(544);
  h.writeInt32LE(540, 0);
  h.write('n+2\0\r\n\x1a\n', 4, 'latin1');
  h.writeInt16LE(16, 12);
  h.writeInt16LE(32, 14);
  [3, BASE_SIZE, BASE_SIZE, BASE_SIZE, 1, 1, 1, 1].forEach((d, i) => h.writeBigInt64LE(BigInt(d), 16 + 8 * i));
  [1, SP, SP, SP, 1, 0, 0, 0].forEach((p, i) => h.writeDoubleLE(p, 104 + 8 * i));
  h.writeBigInt64LE(544n, 168);
  h.writeDoubleLE(1, 176);
  h.writeInt32LE(2, 348);
  [[SP, 0, 0, -HALF], [0, SP, 0, -HALF], [0, 0, SP, -HALF]].forEach((row, r) => row.forEach((x, c) => h.writeDoubleLE(x, 400 + 32 * r + 8 * c)));
  h.writeInt32LE(10, 500);
  edit(h);
  return Buffer.concat([h, Buffer.from(values(VOXELS).buffer)]);
}

/**
 * Deterministic bytes (xorshift32), so "random garbage" is the same garbage on every run.
 *
 * @example
 * pseudoRandomBytes(4096).equals(pseudoRandomBytes(4096)) // true
 */
export function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const gz = (b: Buffer) => gzipSync(b);
let zeroMember: Buffer | undefined;
/** One gzip member holding 16 MiB of zeros (≈ 16 KiB compressed). */
function zeros16MiB(): Buffer {
  zeroMember ??= gzipSync(Buffer.alloc(16 << 20));
  return zeroMember;
}

/** NIfTI-1 header fields, by the offset where each starts (truncation points of the corpus). */
export const NIFTI1_FIELDS: Array<[string, number]> = [
  ['sizeof_hdr (mid-field)', 2],
  ['data_type', 4],
  ['dim_info', 39],
  ['dim', 40],
  ['dim[3] (mid-array)', 46],
  ['intent_p1', 56],
  ['datatype', 70],
  ['bitpix', 72],
  ['pixdim', 76],
  ['vox_offset', 108],
  ['scl_slope', 112],
  ['scl_inter', 116],
  ['descrip', 148],
  ['qform_code', 252],
  ['sform_code', 254],
  ['quatern_b', 256],
  ['qoffset_x', 268],
  ['srow_x', 280],
  ['srow_z', 312],
  ['intent_name', 328],
  ['magic', 344],
  ['magic (mid-field)', 346],
];

const CUT_HEADER = /only \d+ bytes, a header needs 348/;
const BATCH_CUT_HEADER = /ends inside its NIfTI-1 header|too short to hold a NIfTI header/;
const NO_SIZE = /neither 348 \(NIfTI-1\) nor 540|sizeof_hdr is -?\d+, expected 348 or 540/;
const NOT_GZIP = /not gzip-compressed/;

/**
 * Every case of the corpus (≥ 30; see the test for the count), built lazily: `bytes()` makes the file.
 *
 * @example
 * hostileCorpus().filter((c) => c.group === 'truncation').length // one per header field boundary + 3
 */
export function hostileCorpus(): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (c: HostileCase) => cases.push(c);

  // --- Container: gzip and file-level ---
  add({ group: 'container', name: 'empty-file', what: 'an empty .nii.gz (0 bytes)', role: 'mri', ext: '.nii.gz', bytes: () => Buffer.alloc(0), code: 'NOT_GZIP', message: NOT_GZIP });
  add({ group: 'container', name: 'empty-nii', what: 'an empty uncompressed .nii', role: 'pet', ext: '.nii', bytes: () => Buffer.alloc(0), code: 'NOT_NIFTI', message: /only 0 bytes/, batchMessage: NOT_GZIP });
  add({ group: 'container', name: 'not-gzip-text', what: 'text named .nii.gz', role: 'mri', ext: '.nii.gz', bytes: () => Buffer.from('patient notes, not an image\n'.repeat(40)), code: 'NOT_GZIP', message: NOT_GZIP });
  add({ group: 'container', name: 'not-gzip-nifti', what: 'an uncompressed NIfTI named .nii.gz', role: 'pet', ext: '.nii.gz', bytes: () => baseNifti1(), code: 'NOT_GZIP', message: NOT_GZIP });
  add({ group: 'container', name: 'gzip-empty-member', what: 'a valid gzip stream of zero bytes', role: 'mri', ext: '.nii.gz', bytes: () => gz(Buffer.alloc(0)), code: 'NOT_NIFTI', message: /only 0 bytes/, batchMessage: /too short to hold a NIfTI header/ });
  add({ group: 'container', name: 'gzip-header-only', what: 'gzip cut after its 10-byte header', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti1()).subarray(0, 10), code: 'TRUNCATED_GZIP', message: /gzip stream is truncated/, batchMessage: /not a valid gzip stream: unexpected end of file/ });
  add({ group: 'container', name: 'gzip-cut-mid-stream', what: 'gzip cut at 60% of its length', role: 'mri', ext: '.nii.gz', bytes: () => { const b = gz(baseNifti1()); return b.subarray(0, Math.floor(b.length * 0.6)); }, code: 'TRUNCATED_GZIP', message: /gzip stream is truncated/ });
  add({ group: 'container', name: 'gzip-no-trailer', what: 'gzip without its CRC/size trailer', role: 'pet', ext: '.nii.gz', bytes: () => { const b = gz(baseNifti1()); return b.subarray(0, b.length - 8); }, code: 'TRUNCATED_GZIP', message: /gzip stream is truncated/ });
  add({ group: 'container', name: 'gzip-bad-crc', what: 'gzip whose CRC does not match', role: 'mri', ext: '.nii.gz', bytes: () => { const b = Buffer.from(gz(baseNifti1())); b[b.length - 6] ^= 0xff; return b; }, code: 'CORRUPT_GZIP', message: /gzip stream is corrupt/ });
  add({ group: 'container', name: 'gzip-corrupt-deflate', what: 'gzip with its deflate block header overwritten', role: 'pet', ext: '.nii.gz', bytes: () => { const b = Buffer.from(gz(baseNifti1())); b.fill(0xff, 10, 14); return b; }, code: 'CORRUPT_GZIP', message: /gzip stream is corrupt/, batchMessage: /not a valid gzip stream/ });
  add({ group: 'container', name: 'gzip-trailing-garbage', what: 'a valid member followed by non-gzip bytes', role: 'mri', ext: '.nii.gz', bytes: () => Buffer.concat([gz(baseNifti1()), Buffer.from('GARBAGE after the stream')]), code: 'CORRUPT_GZIP', message: /gzip stream is corrupt/ });
  add({ group: 'container', name: 'gzip-bomb', what: 'a valid 32³ image followed by 24 MiB of zeros in one member (~24 KiB compressed)', role: 'pet', ext: '.nii.gz', bytes: () => gz(Buffer.concat([baseNifti1(), Buffer.alloc(24 << 20)])), code: 'DECOMPRESSION_BOMB', message: /inflates past \d+ bytes, more than its header accounts for/ });
  add({ group: 'container', name: 'gzip-bomb-concatenated-members', what: 'the image as one member, then 8 members of 16 MiB zeros (128 MiB from ~130 KiB)', role: 'mri', ext: '.nii.gz', bytes: () => Buffer.concat([gz(baseNifti1()), ...Array.from({ length: 8 }, zeros16MiB)]), code: 'DECOMPRESSION_BOMB', message: /inflates past \d+ bytes, more than its header accounts for/ });
  add({ group: 'container', name: 'gzip-bomb-no-header', what: '1 GiB of zeros in 64 concatenated members (1 MiB file): no NIfTI header at all', role: 'pet', ext: '.nii.gz', bytes: () => Buffer.concat(Array.from({ length: 64 }, zeros16MiB)), code: 'NOT_NIFTI', message: NO_SIZE });
  add({ group: 'container', name: 'gzip-random-bytes', what: 'gzip of 4 KiB of random bytes', role: 'mri', ext: '.nii.gz', bytes: () => gz(pseudoRandomBytes(4096)), code: 'NOT_NIFTI', message: NO_SIZE });
  add({ group: 'container', name: 'nii-trailing-junk', what: 'an uncompressed .nii with 2 MiB appended after the data', role: 'mri', ext: '.nii', bytes: () => Buffer.concat([baseNifti1(), Buffer.alloc(2 << 20, 1)]), code: 'TOO_LARGE', message: /more than its header accounts for/, batchMessage: NOT_GZIP });

  // --- Truncation: the inflated file cut at each header field (a well-formed gzip of a short file) ---
  for (const [field, offset] of NIFTI1_FIELDS) {
    add({ group: 'truncation', name: `cut-at-${offset}`, what: `header cut at ${field} (byte ${offset})`, role: offset % 4 ? 'pet' : 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti1().subarray(0, offset)), code: 'NOT_NIFTI', message: CUT_HEADER, batchMessage: BATCH_CUT_HEADER });
  }
  add({ group: 'truncation', name: 'cut-at-348', what: 'whole header, no extension bytes and no data', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti1().subarray(0, 348)), code: 'TRUNCATED_DATA', message: /data is cut short \(348 of \d+ bytes\)/ });
  add({ group: 'truncation', name: 'cut-in-data', what: 'data cut to half of what dim × bitpix needs', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti1().subarray(0, 352 + VOXELS * 2)), code: 'TRUNCATED_DATA', message: /data is cut short/ });
  add({ group: 'truncation', name: 'nii-cut-at-200', what: 'an uncompressed .nii cut at byte 200', role: 'mri', ext: '.nii', bytes: () => baseNifti1().subarray(0, 200), code: 'NOT_NIFTI', message: /only 200 bytes/, batchMessage: NOT_GZIP });

  // --- Header: magic, size field, byte order, datatype, offsets ---
  add({ group: 'header', name: 'magic-analyze', what: 'no magic (an Analyze 7.5 header)', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti1({ magic: '' })), code: 'NOT_NIFTI', message: /Analyze 7\.5/ });
  add({ group: 'header', name: 'magic-ni1-pair', what: "magic 'ni1' (header of a .hdr/.img pair)", role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti1({ magic: 'ni1' })), code: 'NOT_NIFTI', message: /separate \.img file/, batchMessage: /not a single-file NIfTI/ });
  add({ group: 'header', name: 'magic-garbage', what: "magic 'XYZ'", role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti1({ magic: 'XYZ' })), code: 'NOT_NIFTI', message: /Analyze 7\.5|no NIfTI magic/ });
  add({ group: 'header', name: 'sizeof-hdr-0', what: 'sizeof_hdr 0', role: 'pet', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeInt32LE(0, 0))), code: 'NOT_NIFTI', message: NO_SIZE });
  add({ group: 'header', name: 'sizeof-hdr-349', what: 'sizeof_hdr 349', role: 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeInt32LE(349, 0))), code: 'NOT_NIFTI', message: NO_SIZE });
  add({ group: 'header', name: 'byte-order-mixed', what: 'sizeof_hdr little endian, every other field byte-swapped', role: 'pet', ext: '.nii.gz', bytes: () => { const b = bigEndianNifti1(); b.writeInt32LE(348, 0); return gz(b); }, code: 'NOT_NIFTI', message: /corrupt NIfTI header: dim\[0\] = 768/ });
  add({ group: 'header', name: 'byte-order-garbage', what: 'a big-endian sizeof_hdr over random bytes (magic kept)', role: 'mri', ext: '.nii.gz', bytes: () => { const b = Buffer.concat([pseudoRandomBytes(352, 7), Buffer.alloc(VOXELS * 4, 1)]); b.writeInt32BE(348, 0); b.write('n+1\0', 344, 'latin1'); return gz(b); }, code: 'NOT_NIFTI', message: /corrupt NIfTI header/ });
  for (const [datatype, name] of [[0, 'unknown (0)'], [1, 'binary / bool'], [32, 'complex64'], [128, 'RGB24'], [1024, 'int64'], [1792, 'complex128'], [2304, 'RGBA32'], [-7, 'negative']] as const) {
    add({ group: 'header', name: `datatype-${datatype}`, what: `datatype ${name}`, role: datatype % 2 ? 'pet' : 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeInt16LE(datatype, 70))), code: 'UNSUPPORTED_DATATYPE', message: new RegExp(`unsupported NIfTI datatype ${datatype}\\b`) });
  }
  add({ group: 'header', name: 'bitpix-mismatch', what: 'float32 datatype with bitpix 16', role: 'pet', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeInt16LE(16, 72))), code: 'NOT_NIFTI', message: /bitpix 16 does not match datatype float32/ });
  add({ group: 'header', name: 'vox-offset-past-eof', what: 'vox_offset 1,000,000 in a 131 KiB file', role: 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeFloatLE(1e6, 108))), code: 'TRUNCATED_DATA', message: /data is cut short/ });
  add({ group: 'header', name: 'vox-offset-zero', what: 'vox_offset 0 (inside the header)', role: 'pet', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeFloatLE(0, 108))), code: 'NOT_NIFTI', message: /vox_offset 0\b/ });
  add({ group: 'header', name: 'vox-offset-nan', what: 'vox_offset NaN', role: 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeFloatLE(Number.NaN, 108))), code: 'NOT_NIFTI', message: /vox_offset NaN/ });
  add({ group: 'header', name: 'vox-offset-fraction', what: 'vox_offset 353.5 (voxels would straddle bytes: found by this corpus)', role: 'pet', ext: '.nii.gz', bytes: () => gz(Buffer.concat([poked((b) => b.writeFloatLE(353.5, 108)), Buffer.alloc(2)])), code: 'NOT_NIFTI', message: /vox_offset 353\.5 is not a whole number/ });

  // --- Size ---
  add({ group: 'size', name: 'axis-513', what: '513 voxels on an axis', role: 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeInt16LE(513, 42))), code: 'TOO_LARGE', message: /at most 512 voxels per axis/ });
  add({ group: 'size', name: 'axis-32767', what: 'int16 maximum (32767) on every axis', role: 'pet', ext: '.nii.gz', bytes: () => gz(poked((b) => { for (const o of [42, 44, 46]) b.writeInt16LE(32767, o); })), code: 'TOO_LARGE', message: /at most 512 voxels per axis/ });
  add({ group: 'size', name: 'voxels-over-2-28', what: '512³ × 3 frames (> 2^28 voxels) in a 4-D PET', role: 'pet', ext: '.nii.gz', bytes: () => gz(poked((b) => { b.writeInt16LE(4, 40); for (const o of [42, 44, 46]) b.writeInt16LE(512, o); b.writeInt16LE(3, 48); })), code: 'TOO_LARGE', message: /at most 2\^28/ });
  add({ group: 'size', name: 'bytes-over-limit', what: '512³ float64: the header alone claims more than the 1 GiB inflate limit', role: 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => { for (const o of [42, 44, 46]) b.writeInt16LE(512, o); b.writeInt16LE(64, 70); b.writeInt16LE(64, 72); })), code: 'TOO_LARGE', message: /above the 1073741824-byte limit/ });
  add({ group: 'size', name: 'dim-zero', what: 'a zero-length axis', role: 'pet', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeInt16LE(0, 44))), code: 'NOT_NIFTI', message: /corrupt NIfTI header: dimensions 32×0×32/ });
  add({ group: 'size', name: 'dim-negative', what: 'a negative axis length', role: 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeInt16LE(-32, 42))), code: 'NOT_NIFTI', message: /corrupt NIfTI header: dimensions -32×32×32/ });
  add({ group: 'size', name: 'dim0-zero', what: 'dim[0] = 0', role: 'pet', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeInt16LE(0, 40))), code: 'NOT_NIFTI', message: /dim\[0\] = 0/ });
  add({ group: 'size', name: 'dim0-nine', what: 'dim[0] = 9 (more than 7 axes)', role: 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeInt16LE(9, 40))), code: 'NOT_NIFTI', message: /dim\[0\] = 9/ });

  // --- Spacing ---
  for (const [name, value, message] of [
    ['zero', 0, /invalid voxel spacing/],
    ['negative', -3, /invalid voxel spacing/],
    ['nan', Number.NaN, /invalid voxel spacing 3 × NaN × 3/],
    ['infinite', Number.POSITIVE_INFINITY, /invalid voxel spacing/],
    ['tiny', 1e-5, /implausible voxel spacing/],
    ['huge', 1000, /implausible voxel spacing/],
  ] as const) {
    add({ group: 'spacing', name: `pixdim-${name}`, what: `pixdim[2] ${value}`, role: name.length % 2 ? 'pet' : 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeFloatLE(value, 84))), code: 'BAD_SPACING', message });
  }

  // --- Orientation ---
  add({ group: 'orientation', name: 'sform-shear', what: 'sform with shear and no qform', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti1({ sform: { code: 2, rows: [[3, 1.5, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]] } })), code: 'BAD_ORIENTATION', message: /sform has shear and there is no usable qform/ });
  add({ group: 'orientation', name: 'sform-huge-voxel', what: 'sform scaling voxels to 1e30 mm (found by this corpus: itk-wasm failed to decode it)', role: 'pet', ext: '.nii.gz', bytes: () => gz(poked((b) => { b.writeFloatLE(1e30, 280); b.writeFloatLE(1e30, 300); b.writeFloatLE(1e30, 320); })), code: 'BAD_ORIENTATION', message: /sform gives an implausible voxel size 1e\+30/ });
  add({ group: 'orientation', name: 'sform-far-origin', what: 'sform origin 1e30 mm away (found by this corpus: itk-wasm failed to decode it)', role: 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeFloatLE(1e30, 292))), code: 'BAD_ORIENTATION', message: /sform puts the image origin implausibly far away/ });
  add({ group: 'orientation', name: 'sform-singular', what: 'sform with a column 2.6e8 times too long along x (found by the fuzz: itk-wasm cannot decode it)', role: 'mri', ext: '.nii.gz', bytes: () => gz(poked((b) => b.writeFloatLE(788079104, 288))), code: 'UNREADABLE', message: /could not decode this file \(sform is degenerate/, decodeOnly: true });
  add({ group: 'orientation', name: 'qform-far-origin', what: 'qform only, offset 1e30 mm', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti1({ sform: { code: 0, rows: [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]] }, qform: { code: 1, quatern: [0, 0, 0], offset: [1e30, 0, 0] } })), code: 'BAD_ORIENTATION', message: /qform puts the image origin implausibly far away/ });

  // --- Data ---
  add({ group: 'data', name: 'all-nan', what: 'every voxel NaN', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti1({ data: values(VOXELS, Number.NaN) })), code: 'NON_FINITE', message: /every voxel is NaN or infinite/ });
  add({ group: 'data', name: 'all-inf', what: 'every voxel +Inf', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti1({ data: values(VOXELS, Number.POSITIVE_INFINITY) })), code: 'NON_FINITE', message: /every voxel is NaN or infinite/ });
  add({ group: 'data', name: 'nan-and-inf', what: 'NaN, +Inf and -Inf voxels only', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti1({ data: new Float32Array(VOXELS).map((_, i) => [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][i % 3]) })), code: 'NON_FINITE', message: /every voxel is NaN or infinite/ });
  add({ group: 'data', name: 'all-zero-float', what: 'every voxel 0 (float32)', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti1({ data: values(VOXELS, 0) })), code: 'ALL_ZERO', message: /every voxel is zero/ });
  add({ group: 'data', name: 'all-zero-int16', what: 'every voxel 0 (int16)', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti1({ datatype: 4, data: new Int16Array(VOXELS) })), code: 'ALL_ZERO', message: /every voxel is zero/ });
  add({ group: 'data', name: 'slope-overflow', what: 'finite voxels that scl_slope 1e38 turns into +Inf (found by this corpus: they reached the pipeline)', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti1({ sclSlope: 1e38 })), code: 'NON_FINITE', message: /every voxel is NaN or infinite after intensity scaling/, decodeOnly: true });

  // --- Dimensionality ---
  add({ group: 'dimensionality', name: 't1-4d', what: 'a 4-D T1 (3 volumes)', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti1({ size: [BASE_SIZE, BASE_SIZE, BASE_SIZE, 3], data: values(VOXELS * 3) })), code: 'WRONG_DIMENSIONALITY', message: /must be 3-D; got 4-D data with 3 volumes/ });
  add({ group: 'dimensionality', name: 'pet-2d', what: 'a 2-D PET (one 64×64 image)', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti1({ size: [64, 64], data: values(64 * 64) })), code: 'WRONG_DIMENSIONALITY', message: /must be a 3-D volume; got 2-D data \(64×64\)/ });
  add({ group: 'dimensionality', name: 'pet-single-slice', what: 'a PET of one slice (32×32×1)', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti1({ size: [BASE_SIZE, BASE_SIZE, 1], data: values(BASE_SIZE ** 2) })), code: 'WRONG_DIMENSIONALITY', message: /got 2-D data \(32×32×1\)/ });
  add({ group: 'dimensionality', name: 't1-1d', what: 'a 1-D T1 (a line of 32 voxels)', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti1({ size: [BASE_SIZE], data: values(BASE_SIZE) })), code: 'WRONG_DIMENSIONALITY', message: /got 1-D data \(32\)/ });
  add({ group: 'dimensionality', name: 'pet-5d', what: 'a 5-D PET', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti1({ size: [8, 8, 8, 2, 2], data: values(2048) })), code: 'WRONG_DIMENSIONALITY', message: /has 5-D data \(8×8×8×2×2\); only 3-D or 4-D/ });

  // --- NIfTI-2 ---
  add({ group: 'nifti-2', name: 'nifti2-bad-magic', what: 'NIfTI-2 size field with a wrong magic', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti2((h) => h.write('xyz\0', 4, 'latin1'))), code: 'NOT_NIFTI', message: /no n\+2 magic/, batchMessage: /not the NIfTI-2 magic/ });
  add({ group: 'nifti-2', name: 'nifti2-cut-header', what: 'NIfTI-2 header cut at byte 400', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti2().subarray(0, 400)), code: 'NOT_NIFTI', message: /NIfTI-2 header cut short/, batchMessage: /ends inside its NIfTI-2 header/ });
  add({ group: 'nifti-2', name: 'nifti2-dim-2-62', what: 'NIfTI-2 axis of 2^62 voxels', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti2((h) => h.writeBigInt64LE(2n ** 62n, 24))), code: 'TOO_LARGE', message: /at most 512 voxels per axis/ });
  add({ group: 'nifti-2', name: 'nifti2-vox-offset-2-62', what: 'NIfTI-2 vox_offset 2^62 (found by the fuzz: the size sum lost precision before the cap caught it)', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti2((h) => h.writeBigInt64LE(2n ** 62n, 168))), code: 'TOO_LARGE', message: /puts the data at byte 4611686018427388000, beyond any file/ });
  add({ group: 'nifti-2', name: 'nifti2-dim-negative', what: 'NIfTI-2 axis of -1', role: 'mri', ext: '.nii.gz', bytes: () => gz(baseNifti2((h) => h.writeBigInt64LE(-1n, 40))), code: 'NOT_NIFTI', message: /dimensions 32×32×-1/ });
  add({ group: 'nifti-2', name: 'nifti2-valid', what: 'a well-formed NIfTI-2 file, which the bundled itk-wasm reader cannot decode', role: 'pet', ext: '.nii.gz', bytes: () => gz(baseNifti2()), code: 'UNREADABLE', message: /could not decode this file \(NIfTI-2; save it as NIfTI-1\)/, decodeOnly: true });

  return cases;
}

/**
 * Edge cases that are valid and must still be read (the corpus must not teach the reader to over-refuse).
 *
 * @example
 * for (const c of acceptedEdgeCases()) await readNifti(write(c), { expect: 't1' }); // none throws
 */
export function acceptedEdgeCases(): Array<{ name: string; what: string; ext: '.nii.gz' | '.nii'; bytes: () => Buffer }> {
  return [
    { name: 'base', what: 'the valid image every bad case is made from', ext: '.nii.gz', bytes: () => gz(baseNifti1()) },
    { name: 'base-uncompressed', what: 'the same, uncompressed', ext: '.nii', bytes: () => baseNifti1() },
    { name: 'big-endian', what: 'NIfTI-1 written big endian', ext: '.nii.gz', bytes: () => gz(bigEndianNifti1()) },
    { name: 'concatenated-members', what: 'the image split across two gzip members (valid per RFC 1952)', ext: '.nii.gz', bytes: () => { const b = baseNifti1(); return Buffer.concat([gz(b.subarray(0, 200)), gz(b.subarray(200))]); } },
    { name: 'slope-nan', what: 'scl_slope NaN (ignored, as nibabel and ITK do)', ext: '.nii.gz', bytes: () => gz(baseNifti1({ sclSlope: Number.NaN })) },
    { name: 'some-nan', what: 'a few NaN voxels (set to 0 and counted)', ext: '.nii.gz', bytes: () => gz(baseNifti1({ data: values(VOXELS).map((v, i) => (i % 100 === 0 ? Number.NaN : v)) })) },
  ];
}
