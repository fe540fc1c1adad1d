/**
 * A minimal NIfTI-1 single-file encoder. Used to hand-make test inputs (good and deliberately bad ones:
 * wrong magic, 5-D, negative spacing, conflicting qform/sform) byte by byte, which itk-wasm's writer
 * cannot produce. Production outputs are written with {@link writeNifti} (itk-wasm).
 */
export interface EncodeNiftiOptions {
  /** Sizes per axis, 1 to 7 of them (dim[0] is their count). */
  size: number[];
  /** NIfTI datatype code (2 uint8, 4 int16, 16 float32, 64 float64, ...). */
  datatype: number;
  /** Voxel data in file order (x fastest); its byte length must match size × datatype. */
  data: ArrayBufferView;
  /** pixdim[1..]; default 1 for every axis. */
  spacing?: number[];
  /** qfac (pixdim[0]); default 1. */
  qfac?: number;
  qform?: { code: number; quatern: [number, number, number]; offset: [number, number, number] };
  sform?: { code: number; rows: [number[], number[], number[]] };
  sclSlope?: number;
  sclInter?: number;
  /** Overrides for corrupting the header in tests: byte offset → int16 value. */
  pokeInt16?: Record<number, number>;
  /** Magic string at offset 344 (default 'n+1'). */
  magic?: string;
}

const BITPIX: Record<number, number> = { 2: 8, 4: 16, 8: 32, 16: 32, 64: 64, 256: 8, 512: 16, 768: 32, 1024: 64, 1280: 64, 32: 64, 128: 24 };

/**
 * Encodes an uncompressed `.nii` (NIfTI-1, little endian, vox_offset 352).
 *
 * @example
 * const bytes = encodeNifti1({ size: [4, 4, 4], datatype: 16, data: new Float32Array(64).fill(1) });
 * writeFileSync('/tmp/x.nii.gz', gzipSync(bytes));
 */
export function encodeNifti1(options: EncodeNiftiOptions): Uint8Array {
  const header = new Uint8Array(352);
  const v = new DataView(header.buffer);
  v.setInt32(0, 348, true);
  v.setInt16(40, options.size.length, true);
  for (let i = 0; i < 7; i++) v.setInt16(42 + 2 * i, options.size[i] ?? 1, true);
  v.setInt16(70, options.datatype, true);
  v.setInt16(72, BITPIX[options.datatype] ?? 8, true);
  v.setFloat32(76, options.qfac ?? 1, true);
  for (let i = 0; i < 7; i++) v.setFloat32(80 + 4 * i, options.spacing?.[i] ?? 1, true);
  v.setFloat32(108, 352, true);
  v.setFloat32(112, options.sclSlope ?? 1, true);
  v.setFloat32(116, options.sclInter ?? 0, true);
  header[123] = 2 | 8; // mm, s
  if (options.qform) {
    v.setInt16(252, options.qform.code, true);
    options.qform.quatern.forEach((q, i) => v.setFloat32(256 + 4 * i, q, true));
    options.qform.offset.forEach((q, i) => v.setFloat32(268 + 4 * i, q, true));
  }
  if (options.sform) {
    v.setInt16(254, options.sform.code, true);
    options.sform.rows.forEach((row, r) => row.forEach((x, c) => v.setFloat32(280 + 16 * r + 4 * c, x, true)));
  }
  const magic = options.magic ?? 'n+1';
  for (let i = 0; i < 4; i++) header[344 + i] = i < magic.length ? magic.charCodeAt(i) : 0;
  for (const [offset, value] of Object.entries(options.pokeInt16 ?? {})) v.setInt16(Number(offset), value, true);
  const data = new Uint8Array(options.data.buffer, options.data.byteOffset, options.data.byteLength);
  const out = new Uint8Array(352 + data.byteLength);
  out.set(header, 0);
  out.set(data, 352);
  return out;
}
