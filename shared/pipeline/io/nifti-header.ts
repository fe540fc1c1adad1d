/**
 * NIfTI-1 / NIfTI-2 header parsing, done by hand from the first 348 / 540 bytes so that a file can be
 * judged (dimensions, sizes, spacing, orientation) before any pixel is inflated or handed to itk-wasm.
 */
import { PipelineInputError } from './errors.js';

/** NIfTI datatype codes we accept, with their byte sizes and names (itk-wasm component types). */
export const NIFTI_DATATYPES: Record<number, { bytes: number; name: string }> = {
  2: { bytes: 1, name: 'uint8' },
  4: { bytes: 2, name: 'int16' },
  8: { bytes: 4, name: 'int32' },
  16: { bytes: 4, name: 'float32' },
  64: { bytes: 8, name: 'float64' },
  256: { bytes: 1, name: 'int8' },
  512: { bytes: 2, name: 'uint16' },
  768: { bytes: 4, name: 'uint32' },
};

/** The header fields the pipeline uses, from either NIfTI version. */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7] as in the file. */
  dim: number[];
  /** pixdim[0..7] as in the file (pixdim[0] is qfac). */
  pixdim: number[];
  datatype: number;
  bitpix: number;
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  /** quatern_b, c, d then qoffset_x, y, z. */
  quatern: [number, number, number];
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z: the sform rows (RAS+ world). */
  srow: [number[], number[], number[]];
  xyztUnits: number;
}

/** Bytes needed before the header can be parsed (NIfTI-2 is the longer one). */
export const NIFTI_HEADER_PROBE_BYTES = 540;

/**
 * Parses a NIfTI-1 or NIfTI-2 single-file header (`n+1` / `n+2` magic). Throws a
 * {@link PipelineInputError} with code `NOT_NIFTI` for anything else (Analyze, `ni1` pairs, random bytes).
 *
 * @example
 * const header = parseNiftiHeader(firstBytes); // firstBytes: >= 348 bytes of the inflated file
 * header.dim; // [3, 91, 109, 91, 1, 1, 1, 1]
 */
export function parseNiftiHeader(bytes: Uint8Array): NiftiHeader {
  if (bytes.length < 348) throw new PipelineInputError('NOT_NIFTI', `not a NIfTI file: only ${bytes.length} bytes, a header needs 348`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size1le = view.getInt32(0, true);
  const size1be = view.getInt32(0, false);
  if (size1le === 348 || size1be === 348) return parseV1(view, bytes, size1le === 348);
  if (size1le === 540 || size1be === 540) {
    if (bytes.length < 540) throw new PipelineInputError('NOT_NIFTI', 'not a NIfTI file: NIfTI-2 header cut short');
    return parseV2(view, bytes, size1le === 540);
  }
  throw new PipelineInputError('NOT_NIFTI', 'not a NIfTI file: header size field is neither 348 (NIfTI-1) nor 540 (NIfTI-2)');
}

function text(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function parseV1(v: DataView, bytes: Uint8Array, le: boolean): NiftiHeader {
  const magic = text(bytes, 344, 4);
  if (magic !== 'n+1') {
    throw new PipelineInputError(
      'NOT_NIFTI',
      magic === 'ni1'
        ? 'not a single-file NIfTI: header says the data is in a separate .img file'
        : 'not a NIfTI file: no NIfTI magic (Analyze 7.5 or another format)',
    );
  }
  const i16 = (o: number) => v.getInt16(o, le);
  const f32 = (o: number) => v.getFloat32(o, le);
  return {
    version: 1,
    littleEndian: le,
    dim: Array.from({ length: 8 }, (_, i) => i16(40 + 2 * i)),
    pixdim: Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i)),
    datatype: i16(70),
    bitpix: i16(72),
    voxOffset: f32(108),
    sclSlope: f32(112),
    sclInter: f32(116),
    qformCode: i16(252),
    sformCode: i16(254),
    quatern: [f32(256), f32(260), f32(264)],
    qoffset: [f32(268), f32(272), f32(276)],
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c))) as NiftiHeader['srow'],
    xyztUnits: bytes[123],
  };
}

function parseV2(v: DataView, bytes: Uint8Array, le: boolean): NiftiHeader {
  const magic = text(bytes, 4, 8);
  if (!magic.startsWith('n+2')) throw new PipelineInputError('NOT_NIFTI', 'not a single-file NIfTI-2 file: no n+2 magic');
  const i16 = (o: number) => v.getInt16(o, le);
  const i32 = (o: number) => v.getInt32(o, le);
  const i64 = (o: number) => Number(v.getBigInt64(o, le));
  const f64 = (o: number) => v.getFloat64(o, le);
  return {
    version: 2,
    littleEndian: le,
    dim: Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i)),
    pixdim: Array.from({ length: 8 }, (_, i) => f64(104 + 8 * i)),
    datatype: i16(12),
    bitpix: i16(14),
    voxOffset: i64(168),
    sclSlope: f64(176),
    sclInter: f64(184),
    qformCode: i32(344),
    sformCode: i32(348),
    quatern: [f64(352), f64(360), f64(368)],
    qoffset: [f64(376), f64(384), f64(392)],
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f64(400 + 32 * r + 8 * c))) as NiftiHeader['srow'],
    xyztUnits: i32(500),
  };
}
