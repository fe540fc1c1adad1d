import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { PipelineInputError } from './errors.js';
import { NIFTI_HEADER_PROBE_BYTES, parseNiftiHeader, type NiftiHeader } from './nifti-header.js';
import { resolveOrientation, type OrientationInfo } from './orientation.js';
import { validateHeader, type ExpectedImage, type HeaderShape } from './validate-header.js';

/** Options of {@link scanNifti}. */
export interface ScanNiftiOptions {
  expect: ExpectedImage;
  /** Hard cap on inflated bytes, whatever the header claims (default 1 GiB). */
  maxInflatedBytes?: number;
  /** Name used in messages (default: the file's base name). */
  label?: string;
}

/** What a scan learned without decoding pixels. */
export interface NiftiScan {
  header: NiftiHeader;
  shape: HeaderShape;
  orientation: OrientationInfo;
  gzip: boolean;
  /** Bytes the file inflates to (equals the file size when not compressed). */
  inflatedBytes: number;
  /** Stored voxels that are NaN or ±Inf (float types only). */
  nonFiniteVoxels: number;
  /** Stored voxels that are finite and not zero. */
  nonZeroVoxels: number;
}

/** Bytes a file may inflate to beyond what its header accounts for (trailing padding, extensions). */
const SLACK_BYTES = 1 << 20;
const DEFAULT_MAX_INFLATED = 1 << 30;

/**
 * Validates a NIfTI file cheaply and safely: checks the gzip stream while inflating it with a byte
 * limit (decompression bombs stop early, nothing is kept but the first 540 bytes), parses and checks
 * the header, resolves qform/sform, and checks the data length against the header.
 *
 * @example
 * const scan = await scanNifti('/abs/t1.nii.gz', { expect: 't1' });
 * scan.shape.size; // [182, 218, 182]
 */
export async function scanNifti(path: string, options: ScanNiftiOptions): Promise<NiftiScan> {
  const label = options.label ?? basename(path);
  const maxInflated = options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED;
  let fileBytes: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a file');
    fileBytes = s.size;
  } catch {
    throw new PipelineInputError('NOT_FOUND', `${label}: file not found or not readable`, options.expect);
  }
  const head = Buffer.alloc(NIFTI_HEADER_PROBE_BYTES);
  const fh = await open(path, 'r');
  let headBytes: number;
  try {
    ({ bytesRead: headBytes } = await fh.read(head, 0, head.length, 0));
  } finally {
    await fh.close();
  }
  const gzip = headBytes >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (!gzip) {
    if (/\.gz$/i.test(path)) throw new PipelineInputError('NOT_GZIP', `${label}: named .gz but is not gzip-compressed`, options.expect);
    const header = wrapNotNifti(() => parseNiftiHeader(head.subarray(0, headBytes)), label, options.expect);
    const shape = validateHeader(header, options.expect, label);
    // The same caps as a gzip stream: what the header claims, then what the file holds beyond it.
    if (shape.expectedBytes > maxInflated) {
      throw new PipelineInputError('TOO_LARGE', `${label}: header describes ${shape.expectedBytes} bytes, above the ${maxInflated}-byte limit`, options.expect);
    }
    if (fileBytes < shape.expectedBytes) throw new PipelineInputError('TRUNCATED_DATA', `${label}: data is cut short (${fileBytes} of ${shape.expectedBytes} bytes)`, options.expect);
    const allowed = Math.min(maxInflated, shape.expectedBytes + SLACK_BYTES);
    if (fileBytes > allowed) {
      throw new PipelineInputError('TOO_LARGE', `${label}: file holds ${fileBytes} bytes, more than its header accounts for (at most ${allowed}); refused`, options.expect);
    }
    const counter = new VoxelCounter(header, shape);
    const orientation = wrapNotNifti(() => resolveOrientation(header), label, options.expect);
    await new Promise<void>((ok, ko) => {
      createReadStream(path, { highWaterMark: 1 << 16 })
        .on('data', (chunk) => counter.push(chunk as Buffer))
        .on('end', () => ok())
        .on('error', () => ko(new PipelineInputError('NOT_FOUND', `${label}: file not readable`, options.expect)));
    });
    return { header, shape, orientation, gzip, inflatedBytes: fileBytes, ...counter.result() };
  }
  return inflateAndCheck(path, label, options.expect, maxInflated);
}

/** Runs a header step, prefixing its refusal with the file's label (so a message says which input). */
function wrapNotNifti<T>(fn: () => T, label: string, input: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PipelineInputError) throw new PipelineInputError(e.code, `${label}: ${e.message}`, input);
    throw e;
  }
}

function inflateAndCheck(path: string, label: string, expect: ExpectedImage, maxInflated: number): Promise<NiftiScan> {
  return new Promise((resolve, reject) => {
    const source = createReadStream(path, { highWaterMark: 1 << 16 });
    const gunzip = createGunzip({ chunkSize: 1 << 16 });
    const probe = Buffer.alloc(NIFTI_HEADER_PROBE_BYTES);
    let probed = 0;
    let total = 0;
    let limit = maxInflated;
    let scan: Omit<NiftiScan, 'inflatedBytes' | 'nonFiniteVoxels' | 'nonZeroVoxels'> | undefined;
    let counter: VoxelCounter | undefined;
    const early: Buffer[] = [];
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      source.destroy();
      gunzip.destroy();
      reject(error);
    };
    const tryHeader = (final: boolean) => {
      if (scan) return;
      if (probed < NIFTI_HEADER_PROBE_BYTES && !final) {
        // NIfTI-1 needs only 348 bytes; wait for 540 unless the size field already says v1.
        if (probed < 348 || probe.readInt32LE(0) === 540 || probe.readInt32BE(0) === 540) return;
      }
      const header = wrapNotNifti(() => parseNiftiHeader(probe.subarray(0, probed)), label, expect);
      const shape = validateHeader(header, expect, label);
      if (shape.expectedBytes > maxInflated) {
        throw new PipelineInputError('TOO_LARGE', `${label}: header describes ${shape.expectedBytes} bytes, above the ${maxInflated}-byte limit`, expect);
      }
      limit = Math.min(maxInflated, shape.expectedBytes + SLACK_BYTES);
      scan = { header, shape, orientation: wrapNotNifti(() => resolveOrientation(header), label, expect), gzip: true };
      counter = new VoxelCounter(header, shape);
      for (const chunk of early.splice(0)) counter.push(chunk);
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      try {
        if (probed < NIFTI_HEADER_PROBE_BYTES) {
          const n = Math.min(chunk.length, NIFTI_HEADER_PROBE_BYTES - probed);
          chunk.copy(probe, probed, 0, n);
          probed += n;
        }
        total += chunk.length;
        if (counter) counter.push(chunk);
        else early.push(chunk);
        tryHeader(false);
        if (total > limit) {
          fail(new PipelineInputError('DECOMPRESSION_BOMB', `${label}: inflates past ${limit} bytes, more than its header accounts for; refused`, expect));
        }
      } catch (e) {
        fail(e);
      }
    });
    gunzip.on('error', (e: NodeJS.ErrnoException) => {
      const truncated = e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message);
      fail(
        truncated
          ? new PipelineInputError('TRUNCATED_GZIP', `${label}: gzip stream is truncated (file cut short)`, expect)
          : new PipelineInputError('CORRUPT_GZIP', `${label}: gzip stream is corrupt`, expect),
      );
    });
    source.on('error', () => fail(new PipelineInputError('NOT_FOUND', `${label}: file not readable`, expect)));
    gunzip.on('end', () => {
      if (settled) return;
      try {
        tryHeader(true);
        if (!scan) throw new PipelineInputError('NOT_NIFTI', `${label}: too short to be NIfTI`, expect);
        if (total < scan.shape.expectedBytes) {
          throw new PipelineInputError('TRUNCATED_DATA', `${label}: data is cut short (${total} of ${scan.shape.expectedBytes} bytes)`, expect);
        }
        settled = true;
        resolve({ ...scan, inflatedBytes: total, ...counter!.result() });
      } catch (e) {
        fail(e);
      }
    });
    source.pipe(gunzip);
  });
}

/**
 * Refuses a scan whose stored data is all NaN/Inf (`NON_FINITE`) or all zero (`ALL_ZERO`, unless
 * `scl_inter` shifts it), from the counts taken while streaming: nothing has been decoded yet.
 *
 * @example
 * const scan = await scanNifti(file, { expect: 'pet' });
 * assertNotEmpty(scan, 'PET', 'pet'); // throws PipelineInputError('ALL_ZERO', 'PET: every voxel is zero ...')
 */
export function assertNotEmpty(scan: NiftiScan, label: string, input: string): void {
  if (scan.nonFiniteVoxels === scan.shape.voxels) throw new PipelineInputError('NON_FINITE', `${label}: every voxel is NaN or infinite`, input);
  const inter = scan.header.sclSlope !== 0 && Number.isFinite(scan.header.sclSlope) ? scan.header.sclInter : 0;
  if (scan.nonZeroVoxels === 0 && !inter) throw new PipelineInputError('ALL_ZERO', `${label}: every voxel is zero (an empty image)`, input);
}

/**
 * Counts non-finite and non-zero voxels in the data section as the bytes stream past, so empty and
 * NaN-filled images are refused before decoding (itk-wasm's reader silently turns NaN into 0).
 */
class VoxelCounter {
  private offset = 0;
  private readonly start: number;
  private readonly end: number;
  private readonly bytes: number;
  private readonly isFloat: boolean;
  private readonly le: boolean;
  private readonly carry: Buffer;
  private carried = 0;
  private nonFinite = 0;
  private nonZero = 0;

  constructor(header: NiftiHeader, shape: HeaderShape) {
    this.start = Math.floor(header.voxOffset);
    this.end = shape.expectedBytes;
    this.bytes = shape.bytesPerVoxel;
    this.isFloat = header.datatype === 16 || header.datatype === 64;
    this.le = header.littleEndian;
    this.carry = Buffer.alloc(8);
  }

  push(chunk: Buffer): void {
    let from = Math.max(0, this.start - this.offset);
    const to = Math.min(chunk.length, this.end - this.offset);
    this.offset += chunk.length;
    if (from >= to) return;
    // Complete a voxel split across chunks.
    while (this.carried > 0 && from < to) {
      this.carry[this.carried++] = chunk[from++];
      if (this.carried === this.bytes) {
        this.count(this.carry, 0);
        this.carried = 0;
      }
    }
    const whole = from + Math.floor((to - from) / this.bytes) * this.bytes;
    for (let i = from; i < whole; i += this.bytes) this.count(chunk, i);
    for (let i = whole; i < to; i++) this.carry[this.carried++] = chunk[i];
  }

  private count(buf: Buffer, i: number): void {
    if (this.isFloat) {
      const v = this.bytes === 4 ? (this.le ? buf.readFloatLE(i) : buf.readFloatBE(i)) : this.le ? buf.readDoubleLE(i) : buf.readDoubleBE(i);
      if (!Number.isFinite(v)) this.nonFinite++;
      else if (v !== 0) this.nonZero++;
      return;
    }
    for (let b = 0; b < this.bytes; b++) {
      if (buf[i + b] !== 0) {
        this.nonZero++;
        return;
      }
    }
  }

  result(): { nonFiniteVoxels: number; nonZeroVoxels: number } {
    return { nonFiniteVoxels: this.nonFinite, nonZeroVoxels: this.nonZero };
  }
}
