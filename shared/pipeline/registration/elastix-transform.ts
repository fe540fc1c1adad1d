import type { ParameterMap } from './parameter-maps.js';

/**
 * A transform found by elastix, kept as its transform parameter object (the list of maps transformix
 * applies, initial transform first). It maps points of the fixed image's space into the moving
 * image's space, so resampling the moving image onto any grid of the fixed space uses it unchanged.
 */
export interface ElastixTransform {
  /** What kind of registration produced it (for provenance). */
  kind: 'rigid' | 'affine' | 'affine+bspline';
  /** elastix's TransformParameters maps, outermost last. */
  parameterObject: ParameterMap[];
}

/** Number of parameters of each stage, e.g. `[12, 24843]` (for provenance and QC). */
export function transformParameterCounts(transform: ElastixTransform): number[] {
  return transform.parameterObject.map((m) => Number(m.NumberOfParameters?.[0] ?? 0));
}

/**
 * The rigid/affine stage as a 4×4 matrix acting on physical points (fixed → moving), read from an
 * Euler or affine map: `TransformParameters` (+ `CenterOfRotationPoint`). Used for QC figures such as
 * the rotation and translation PET→T1 found.
 *
 * @example
 * const m = linearMatrix(rigid.parameterObject[0]); // m[3], m[7], m[11] = translation (mm)
 */
export function linearMatrix(map: ParameterMap): number[] {
  const p = (map.TransformParameters ?? []).map(Number);
  const c = (map.CenterOfRotationPoint ?? ['0', '0', '0']).map(Number);
  let a: number[];
  let t: number[];
  const kind = map.Transform?.[0];
  if (kind === 'EulerTransform') {
    const [rx, ry, rz, tx, ty, tz] = p;
    const [cx, sx, cy, sy, cz, sz] = [Math.cos(rx), Math.sin(rx), Math.cos(ry), Math.sin(ry), Math.cos(rz), Math.sin(rz)];
    // elastix Euler3D (ComputeZYX false): R = Rz · Rx · Ry.
    const rzm = [cz, -sz, 0, sz, cz, 0, 0, 0, 1];
    const rxm = [1, 0, 0, 0, cx, -sx, 0, sx, cx];
    const rym = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
    a = mul3(mul3(rzm, rxm), rym);
    t = [tx, ty, tz];
  } else if (kind === 'AffineTransform') {
    a = p.slice(0, 9);
    t = p.slice(9, 12);
  } else {
    throw new Error(`linearMatrix: ${kind} is not a linear transform`);
  }
  // x' = A (x - c) + c + t
  const off = [0, 1, 2].map((r) => t[r] + c[r] - (a[r * 3] * c[0] + a[r * 3 + 1] * c[1] + a[r * 3 + 2] * c[2]));
  return [a[0], a[1], a[2], off[0], a[3], a[4], a[5], off[1], a[6], a[7], a[8], off[2], 0, 0, 0, 1];
}

function mul3(x: number[], y: number[]): number[] {
  const o = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) o[r * 3 + c] += x[r * 3 + k] * y[k * 3 + c];
  return o;
}
