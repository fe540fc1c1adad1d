/**
 * Header fuzzing with fast-check (issue 8): mutations of valid NIfTI-1 (both byte orders, 3-D and 4-D)
 * and NIfTI-2 headers — random bytes at random offsets, random truncation, byte-swapped fields, splices,
 * and field values drawn from the awkward ones (NaN, ±Inf, 0, -1, 2^15-1, 2^31-1, 2^62, 1e30, denormals,
 * the 348/540 size constants). Used by the in-suite run (`hostile-fuzz.test.ts`, a few thousand seeded
 * cases) and by `npm run fuzz:nifti` (`bench/fuzz-nifti.ts`, ≥ 100k).
 *
 * Two targets:
 * - {@link judgeHeader}: parse → validate → resolve orientation → ITK geometry, synchronously, on the
 *   header bytes alone. Must return or throw a {@link PipelineInputError}; what it accepts must be
 *   bounded (≤ 512 per axis, ≤ 2^28 voxels, finite plausible geometry).
 * - {@link judgeFile}: the reader's streaming scan (`scanNifti`) on a whole mutated file (.nii, .nii.gz,
 *   or a gzip stream mutated after compression), with a small inflate cap: must settle with a typed
 *   refusal or a bounded scan, within a per-case time bound.
 *
 * @example
 * const details = fc.check(headerProperty(), { numRuns: 2000, seed: 42 });
 * details.failed // false
 */
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { INPUT_ERROR_CODES, PipelineInputError } from '../../../shared/pipeline/io/errors.js';
import { parseNiftiHeader } from '../../../shared/pipeline/io/nifti-header.js';
import { readNifti } from '../../../shared/pipeline/io/read-nifti.js';
import { affineToItkGeometry, resolveOrientation } from '../../../shared/pipeline/io/orientation.js';
import { scanNifti } from '../../../shared/pipeline/io/scan-nifti.js';
import { NIFTI_LIMITS, validateHeader, type ExpectedImage } from '../../../shared/pipeline/io/validate-header.js';
import { baseNifti1, baseNifti2, bigEndianNifti1 } from './corpus.js';

type FieldType = 'u8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';
interface Field { name: string; offset: number; type: FieldType }

const f = (name: string, offset: number, type: FieldType): Field => ({ name, offset, type });
const repeat = (name: string, offset: number, type: FieldType, count: number, step: number) =>
  Array.from({ length: count }, (_, i) => f(`${name}[${i}]`, offset + i * step, type));

/** NIfTI-1 fields the reader looks at (and a few it does not). */
export const NIFTI1_FUZZ_FIELDS: Field[] = [
  f('sizeof_hdr', 0, 'i32'), f('dim_info', 39, 'u8'), ...repeat('dim', 40, 'i16', 8, 2), f('intent_code', 68, 'i16'),
  f('datatype', 70, 'i16'), f('bitpix', 72, 'i16'), ...repeat('pixdim', 76, 'f32', 8, 4), f('vox_offset', 108, 'f32'),
  f('scl_slope', 112, 'f32'), f('scl_inter', 116, 'f32'), f('xyzt_units', 123, 'u8'), f('qform_code', 252, 'i16'),
  f('sform_code', 254, 'i16'), ...repeat('quatern', 256, 'f32', 3, 4), ...repeat('qoffset', 268, 'f32', 3, 4),
  ...repeat('srow', 280, 'f32', 12, 4), f('magic', 344, 'i32'),
];

/** NIfTI-2 fields. */
export const NIFTI2_FUZZ_FIELDS: Field[] = [
  f('sizeof_hdr', 0, 'i32'), f('magic', 4, 'i32'), f('datatype', 12, 'i16'), f('bitpix', 14, 'i16'), ...repeat('dim', 16, 'i64', 8, 8),
  ...repeat('pixdim', 104, 'f64', 8, 8), f('vox_offset', 168, 'i64'), f('scl_slope', 176, 'f64'), f('scl_inter', 184, 'f64'),
  f('qform_code', 344, 'i32'), f('sform_code', 348, 'i32'), ...repeat('quatern', 352, 'f64', 3, 8), ...repeat('qoffset', 376, 'f64', 3, 8),
  ...repeat('srow', 400, 'f64', 12, 8), f('xyzt_units', 500, 'i32'),
];

/** Values that break parsers: boundaries of every integer width, the NIfTI constants, float specials. */
export const AWKWARD_VALUES = [
  0, -0, 1, -1, 2, 3, 4, 5, 7, 8, 9, 16, 32, 64, 255, 256, 347, 348, 349, 351, 352, 353.5, 511, 512, 513, 539, 540, 544,
  1024, 32767, -32768, 65535, 2 ** 28, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 2 ** 53, 2 ** 62, -(2 ** 62),
  Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, 1e-40, 1e-5, 1e-3, 0.5, 100, 100.1, 1e4, 1e6,
  1e30, -1e30, 1e38, 3.4e38, -3.4e38, Number.MAX_VALUE, Number.MIN_VALUE,
];

/** A header (and its data) the mutations start from. */
export interface FuzzSeed { name: string; bytes: Buffer; fields: Field[]; expect: ExpectedImage }

/**
 * Small valid images: NIfTI-1 LE/BE 3-D, NIfTI-1 4-D PET, NIfTI-2 (32³ float32, the corpus base).
 *
 * @example
 * fuzzSeeds().map((s) => s.name) // ['nifti1-le', 'nifti1-be', 'nifti1-4d-pet', 'nifti2-le']
 */
export function fuzzSeeds(): FuzzSeed[] {
  return [
    { name: 'nifti1-le', bytes: baseNifti1(), fields: NIFTI1_FUZZ_FIELDS, expect: 't1' },
    { name: 'nifti1-be', bytes: bigEndianNifti1(), fields: NIFTI1_FUZZ_FIELDS, expect: 't1' },
    { name: 'nifti1-4d-pet', bytes: baseNifti1({ size: [8, 8, 8, 4], data: new Float32Array(2048).fill(5) }), fields: NIFTI1_FUZZ_FIELDS, expect: 'pet' },
    { name: 'nifti2-le', bytes: baseNifti2(), fields: NIFTI2_FUZZ_FIELDS, expect: 't1' },
  ];
}

/** One edit of the bytes. */
export type Mutation =
  | { kind: 'byte'; offset: number; value: number }
  | { kind: 'field'; field: number; value: number }
  | { kind: 'swap'; field: number }
  | { kind: 'splice'; offset: number; bytes: Uint8Array }
  | { kind: 'truncate'; length: number };

const HEADER_SPAN = 548;

/**
 * fast-check arbitrary of one mutation (field indices are taken modulo the seed's field list).
 *
 * @example
 * fc.sample(mutationArb(), 3) // e.g. [{ kind: 'field', field: 12, value: NaN }, ...]
 */
export function mutationArb(): fc.Arbitrary<Mutation> {
  const value = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...AWKWARD_VALUES) },
    { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
    { weight: 2, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.integer({ min: -1024, max: 1024 }) },
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('byte' as const), offset: fc.nat({ max: HEADER_SPAN - 1 }), value: fc.nat({ max: 255 }) }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('field' as const), field: fc.nat({ max: 999 }), value }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('swap' as const), field: fc.nat({ max: 999 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('splice' as const), offset: fc.nat({ max: HEADER_SPAN - 1 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), length: fc.nat({ max: HEADER_SPAN + 64 }) }) },
  );
}

/**
 * A seed index and 1–6 mutations.
 *
 * @example
 * fc.sample(headerCaseArb(), 1)[0].mutations.length // 1..6
 */
export function headerCaseArb(): fc.Arbitrary<{ seed: number; mutations: Mutation[] }> {
  return fc.record({ seed: fc.nat({ max: 3 }), mutations: fc.array(mutationArb(), { minLength: 1, maxLength: 6 }) });
}

function writeField(b: Buffer, field: Field, value: number, le: boolean): void {
  const size = { u8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8 }[field.type];
  if (field.offset + size > b.length) return;
  const int = Number.isFinite(value) ? Math.trunc(value) : value > 0 ? 2 ** 62 : 0;
  switch (field.type) {
    case 'u8': b[field.offset] = int & 0xff; break;
    case 'i16': le ? b.writeInt16LE(((int << 16) >> 16), field.offset) : b.writeInt16BE(((int << 16) >> 16), field.offset); break;
    case 'i32': le ? b.writeInt32LE(int | 0, field.offset) : b.writeInt32BE(int | 0, field.offset); break;
    case 'i64': { const v = BigInt.asIntN(64, BigInt(Number.isSafeInteger(int) ? int : Math.sign(int) * 2 ** 62)); le ? b.writeBigInt64LE(v, field.offset) : b.writeBigInt64BE(v, field.offset); break; }
    case 'f32': le ? b.writeFloatLE(value, field.offset) : b.writeFloatBE(value, field.offset); break;
    case 'f64': le ? b.writeDoubleLE(value, field.offset) : b.writeDoubleBE(value, field.offset); break;
  }
}

/**
 * Applies the mutations to a copy of the seed's first `span` bytes (default: header and data).
 *
 * @example
 * mutate(fuzzSeeds()[0], [{ kind: 'truncate', length: 200 }]).length // 200
 */
export function mutate(seed: FuzzSeed, mutations: Mutation[], span = seed.bytes.length): Buffer {
  let b = Buffer.from(seed.bytes.subarray(0, span));
  const le = seed.name !== 'nifti1-be';
  for (const m of mutations) {
    if (m.kind === 'byte') { if (m.offset < b.length) b[m.offset] = m.value; }
    else if (m.kind === 'field') writeField(b, seed.fields[m.field % seed.fields.length], m.value, le);
    else if (m.kind === 'swap') {
      const field = seed.fields[m.field % seed.fields.length];
      const size = { u8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8 }[field.type];
      if (field.offset + size <= b.length) b.subarray(field.offset, field.offset + size).reverse();
    } else if (m.kind === 'splice') {
      for (let i = 0; i < m.bytes.length && m.offset + i < b.length; i++) b[m.offset + i] = m.bytes[i];
    } else b = b.subarray(0, Math.min(b.length, m.length));
  }
  return b;
}

/** How a case failed the property (a bug), or undefined when it held. */
export type Violation = string | undefined;

const CODES = new Set<string>(INPUT_ERROR_CODES);

/**
 * The error must be ours: typed, a known code, one short line (so no stack trace).
 *
 * @example
 * checkRefusal(new TypeError('x')) // 'threw a TypeError: TypeError: x'
 */
export function checkRefusal(error: unknown): Violation {
  if (!(error instanceof PipelineInputError)) return `threw a ${error instanceof Error ? error.constructor.name : typeof error}: ${String(error)}`;
  if (!CODES.has(error.code)) return `unknown code ${error.code}`;
  if (!error.message || error.message.length > 400 || /\n/.test(error.message)) return `unclear message: ${JSON.stringify(error.message)}`;
  return undefined;
}

/**
 * Target 1: the header alone, synchronously. Accepted headers must describe a bounded, plausible grid.
 *
 * @example
 * judgeHeader(mutate(seed, [{ kind: 'field', field: 1, value: NaN }]), 't1') // undefined (no violation)
 */
export function judgeHeader(bytes: Buffer, expect: ExpectedImage, seen: (outcome: string) => void = () => undefined): Violation {
  let shape;
  let geometry;
  try {
    const header = parseNiftiHeader(bytes);
    shape = validateHeader(header, expect, 'T1');
    geometry = affineToItkGeometry(resolveOrientation(header).affine);
  } catch (error) {
    seen(error instanceof PipelineInputError ? error.code : 'untyped');
    return checkRefusal(error);
  }
  seen('accepted');
  if (shape.voxels > NIFTI_LIMITS.maxVoxels) return `accepted ${shape.voxels} voxels`;
  if (shape.size.slice(0, 3).some((d) => d > NIFTI_LIMITS.maxAxis || d < 2)) return `accepted size ${shape.size.join('×')}`;
  if (!Number.isSafeInteger(shape.expectedBytes) || shape.expectedBytes < 348) return `accepted expectedBytes ${shape.expectedBytes}`;
  if (![1, 2, 4, 8].includes(shape.bytesPerVoxel)) return `accepted ${shape.bytesPerVoxel} bytes per voxel`;
  const numbers = [...geometry.origin, ...geometry.spacing, ...geometry.direction];
  if (!numbers.every(Number.isFinite)) return `accepted non-finite geometry ${JSON.stringify(geometry)}`;
  if (geometry.spacing.some((s) => s < NIFTI_LIMITS.minSpacingMm || s > NIFTI_LIMITS.maxSpacingMm)) return `accepted spacing ${geometry.spacing.join(' × ')}`;
  if (geometry.origin.some((o) => Math.abs(o) > 1e4)) return `accepted origin ${geometry.origin.join(', ')}`;
  return undefined;
}

/**
 * Property for target 1 over {@link fuzzSeeds}. `onCase` sees each case's wall time (hang guard) and outcome.
 *
 * @example
 * fc.assert(headerProperty(), { numRuns: 3000, seed: 20261204 });
 */
export function headerProperty(onCase: (ms: number, outcome: string) => void = () => undefined) {
  const seeds = fuzzSeeds();
  return fc.property(headerCaseArb(), ({ seed, mutations }) => {
    const s = seeds[seed];
    let outcome = '';
    const t0 = performance.now();
    const violation = judgeHeader(mutate(s, mutations, HEADER_SPAN), s.expect, (o) => (outcome = o));
    const ms = performance.now() - t0;
    onCase(ms, outcome);
    if (violation) throw new Error(violation);
    if (ms > 1000) throw new Error(`header judged in ${ms.toFixed(0)} ms (hang guard 1000 ms)`);
  });
}

/** How a whole file is packaged for target 2. */
export type Packaging = { kind: 'raw' } | { kind: 'gzip' } | { kind: 'gzip-flip'; offset: number; value: number } | { kind: 'gzip-cut'; keep: number } | { kind: 'gzip-append'; bytes: Uint8Array; zeros: number };

/**
 * A file case: seed, header mutations, a change of the data length, and the packaging.
 *
 * @example
 * const [c] = fc.sample(fileCaseArb(), 1); packageFile(fuzzSeeds()[c.seed], c.mutations, c.data, c.packaging);
 */
export function fileCaseArb(): fc.Arbitrary<{ seed: number; mutations: Mutation[]; data: number; packaging: Packaging }> {
  return fc.record({
    seed: fc.nat({ max: 3 }),
    mutations: fc.array(mutationArb().filter((m) => m.kind !== 'truncate'), { minLength: 0, maxLength: 5 }),
    // Bytes added to (> 0) or cut from (< 0) the end of the file before packaging.
    data: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: -140_000, max: 0 }) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 4096 }) }, { weight: 1, arbitrary: fc.integer({ min: 4096, max: 3 << 20 }) }),
    packaging: fc.oneof(
      fc.constant<Packaging>({ kind: 'raw' }),
      fc.constant<Packaging>({ kind: 'gzip' }),
      fc.record({ kind: fc.constant('gzip-flip' as const), offset: fc.nat(), value: fc.nat({ max: 255 }) }),
      fc.record({ kind: fc.constant('gzip-cut' as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('gzip-append' as const), bytes: fc.uint8Array({ maxLength: 32 }), zeros: fc.nat({ max: 4 << 20 }) }),
    ),
  });
}

/**
 * Builds the file bytes and its extension for a file case.
 *
 * @example
 * packageFile(fuzzSeeds()[0], [], 0, { kind: 'gzip-cut', keep: 0.5 }).ext // '.nii.gz'
 */
export function packageFile(seed: FuzzSeed, mutations: Mutation[], data: number, packaging: Packaging): { bytes: Buffer; ext: '.nii' | '.nii.gz' } {
  let raw = mutate(seed, mutations);
  if (data < 0) raw = raw.subarray(0, Math.max(0, raw.length + data));
  else if (data > 0) raw = Buffer.concat([raw, Buffer.alloc(data, data & 0xff)]);
  if (packaging.kind === 'raw') return { bytes: raw, ext: '.nii' };
  const gz = gzipSync(raw, { level: 1 });
  if (packaging.kind === 'gzip') return { bytes: gz, ext: '.nii.gz' };
  if (packaging.kind === 'gzip-flip') { const b = Buffer.from(gz); b[packaging.offset % b.length] = packaging.value; return { bytes: b, ext: '.nii.gz' }; }
  if (packaging.kind === 'gzip-cut') return { bytes: gz.subarray(0, Math.floor(gz.length * packaging.keep)), ext: '.nii.gz' };
  const tail = packaging.zeros > 0 ? gzipSync(Buffer.alloc(packaging.zeros), { level: 1 }) : Buffer.alloc(0);
  return { bytes: Buffer.concat([gz, Buffer.from(packaging.bytes), tail]), ext: '.nii.gz' };
}

/** Inflate cap for target 2: small, so a bomb is a few MiB of work, not a GiB. */
export const FILE_FUZZ_MAX_INFLATED = 8 << 20;
/** Per-case time bound for target 2 (a hang guard on a loaded machine, not a speed claim). */
export const FILE_CASE_TIMEOUT_MS = 10_000;

/** One file case's result: a violation (a bug) or none, and what the reader said. */
export interface FileOutcome { violation: Violation; accepted: boolean; outcome: string; ms: number }

/**
 * Target 2: writes the case to `dir`, scans it (or, with `decode`, reads it whole with `readNifti`, so
 * itk-wasm decodes what the scan accepted), removes it. A violation when it throws anything but a typed
 * refusal, accepts more than the cap or a file shorter than its header, returns non-finite voxels, or
 * does not settle within {@link FILE_CASE_TIMEOUT_MS}.
 *
 * @example
 * const r = await judgeFile(tmpDir, 1, fuzzSeeds()[0], gzipSync(baseNifti1()), '.nii.gz'); // r.accepted === true
 */
export async function judgeFile(dir: string, id: number, seed: FuzzSeed, bytes: Buffer, ext: string, decode = false): Promise<FileOutcome> {
  const file = join(dir, `case-${id}${ext}`);
  await writeFile(file, bytes);
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const options = { expect: seed.expect, maxInflatedBytes: FILE_FUZZ_MAX_INFLATED, label: 'T1' };
  try {
    const hang = new Promise<'hang'>((resolve) => { timer = setTimeout(() => resolve('hang'), FILE_CASE_TIMEOUT_MS); });
    const read = decode
      ? readNifti(file, options).then((r) => ({ inflatedBytes: r.info.inflatedBytes, expectedBytes: r.shape.expectedBytes, data: r.image.data as ArrayLike<number> | null }))
      : scanNifti(file, options).then((scan) => ({ inflatedBytes: scan.inflatedBytes, expectedBytes: scan.shape.expectedBytes, data: null }));
    const outcome = await Promise.race([read.then((scan) => ({ scan }), (error: unknown) => ({ error })), hang]);
    const ms = performance.now() - t0;
    if (outcome === 'hang') return { violation: `did not settle within ${FILE_CASE_TIMEOUT_MS} ms`, accepted: false, outcome: 'hang', ms };
    if ('error' in outcome) {
      const code = outcome.error instanceof PipelineInputError ? outcome.error.code : 'untyped';
      return { violation: checkRefusal(outcome.error), accepted: false, outcome: code, ms };
    }
    const { scan } = outcome;
    const done = (violation: Violation): FileOutcome => ({ violation, accepted: true, outcome: 'accepted', ms });
    if (scan.inflatedBytes > FILE_FUZZ_MAX_INFLATED) return done(`accepted ${scan.inflatedBytes} inflated bytes`);
    if (scan.inflatedBytes < scan.expectedBytes) return done('accepted a file shorter than its header');
    if (scan.data && !Array.prototype.every.call(scan.data, Number.isFinite)) return done('returned non-finite voxels');
    return done(undefined);
  } finally {
    clearTimeout(timer);
    await rm(file, { force: true });
  }
}

/**
 * Property for target 2 (async; `decode` reads with itk-wasm too). Files go to `dir` and are removed after each case.
 *
 * @example
 * await fc.assert(fileProperty(tmpDir), { numRuns: 300, seed: 20261205 });
 */
export function fileProperty(dir: string, onCase: (r: FileOutcome) => void = () => undefined, decode = false) {
  const seeds = fuzzSeeds();
  let id = 0;
  return fc.asyncProperty(fileCaseArb(), async ({ seed, mutations, data, packaging }) => {
    const s = seeds[seed];
    const { bytes, ext } = packageFile(s, mutations, data, packaging);
    const result = await judgeFile(dir, id++, s, bytes, ext, decode);
    onCase(result);
    if (result.violation) throw new Error(result.violation);
  });
}
