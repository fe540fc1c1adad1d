/**
 * NIfTI orientation: the voxel→world affines stored in a header (qform, sform, or neither), which one
 * the pipeline follows, and their conversion to ITK's LPS geometry (origin, spacing, direction).
 *
 * Decision (documented in README): follow the **sform** when `sform_code > 0`, else the qform when
 * `qform_code > 0`, else pixdim only. That is what nibabel, FSL and SPM do; the sform is the one that
 * tools write when they put an image into a standard space (code 2 aligned / 4 MNI), and when the two
 * disagree it is the qform that is usually stale (e.g. the GAAIN Centiloid VOIs carry a qform that flips
 * y and z). ITK 5.2 followed the qform in that case and put those masks upside down. An sform with
 * shear cannot be an ITK direction matrix; then we fall back to the qform, as ITK does.
 */
import { PipelineInputError } from './errors.js';
import type { NiftiHeader } from './nifti-header.js';
import { NIFTI_LIMITS } from './validate-header.js';

/** A 3×4 voxel→world (RAS+, mm) affine, row-major. */
export type Affine3x4 = [number[], number[], number[]];

/** ITK geometry of the three spatial axes: LPS+ world, direction row-major with axis i in column i. */
export interface SpatialGeometry {
  origin: [number, number, number];
  spacing: [number, number, number];
  direction: number[];
}

/** Which header transform was followed, and what disagreed. */
export interface OrientationInfo {
  source: 'sform' | 'qform' | 'pixdim';
  qformCode: number;
  sformCode: number;
  /** RAS affine that was followed. */
  affine: Affine3x4;
  /** Set when both transforms are present and do not describe the same grid. */
  conflict?: {
    /** Spatial axes (0 = i, 1 = j, 2 = k) that qform points the opposite way from sform. */
    flippedAxes: number[];
    maxDirectionDifference: number;
    originDistanceMm: number;
    message: string;
  };
  warnings: string[];
}

/** qform affine (RAS) from quaternion, offsets, pixdim and qfac (NIfTI-1 standard, method 2). */
export function qformAffine(h: NiftiHeader): Affine3x4 {
  let [b, c, d] = h.quatern;
  let a2 = 1 - (b * b + c * c + d * d);
  let a: number;
  if (a2 < 1e-7) {
    // Not a unit quaternion (a == 0 means a 180° rotation): renormalise as nifti1_io does.
    const n = Math.hypot(b, c, d) || 1;
    b /= n; c /= n; d /= n;
    a = 0;
  } else a = Math.sqrt(a2);
  const qfac = h.pixdim[0] < 0 ? -1 : 1;
  const dx = h.pixdim[1], dy = h.pixdim[2], dz = h.pixdim[3] * qfac;
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  return [0, 1, 2].map((r) => [R[r][0] * dx, R[r][1] * dy, R[r][2] * dz, h.qoffset[r]]) as Affine3x4;
}

function columns(m: Affine3x4): number[][] {
  return [0, 1, 2].map((c) => [m[0][c], m[1][c], m[2][c]]);
}

function unit(v: number[]): number[] {
  const n = Math.hypot(v[0], v[1], v[2]);
  return v.map((x) => x / n);
}

function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function isUsable(m: Affine3x4): boolean {
  const cols = columns(m);
  if (!m.flat().every(Number.isFinite)) return false;
  if (cols.some((c) => Math.hypot(c[0], c[1], c[2]) <= 1e-6)) return false;
  const [x, y, z] = cols.map(unit);
  const det = x[0] * (y[1] * z[2] - y[2] * z[1]) - x[1] * (y[0] * z[2] - y[2] * z[0]) + x[2] * (y[0] * z[1] - y[1] * z[0]);
  return Math.abs(det) > 1e-3;
}

/** Farthest an origin may lie from the scanner's isocentre (mm): 10 m, far beyond any field of view. */
const MAX_ORIGIN_MM = 1e4;

function checkPlausible(m: Affine3x4, name: 'sform' | 'qform'): void {
  const sizes = columns(m).map((c) => Math.hypot(c[0], c[1], c[2]));
  if (sizes.some((s) => s < NIFTI_LIMITS.minSpacingMm || s > NIFTI_LIMITS.maxSpacingMm)) {
    const shown = sizes.map((s) => Number(s.toPrecision(3))).join(' × ');
    throw new PipelineInputError('BAD_ORIENTATION', `${name} gives an implausible voxel size ${shown} mm`);
  }
  const origin = [m[0][3], m[1][3], m[2][3]];
  if (origin.some((o) => Math.abs(o) > MAX_ORIGIN_MM)) {
    throw new PipelineInputError('BAD_ORIENTATION', `${name} puts the image origin implausibly far away (${origin.map((o) => Number(o.toPrecision(3))).join(', ')} mm)`);
  }
}

/** Largest |cos| between distinct columns: 0 for an orthogonal affine, > 0 with shear. */
function shear(m: Affine3x4): number {
  const [x, y, z] = columns(m).map(unit);
  return Math.max(Math.abs(dot(x, y)), Math.abs(dot(x, z)), Math.abs(dot(y, z)));
}

/**
 * Decides which header transform to follow and reports a qform/sform conflict.
 *
 * @example
 * const info = resolveOrientation(header);
 * if (info.conflict) logger.warn(info.conflict.message); // 'qform and sform disagree: ...'
 */
export function resolveOrientation(h: NiftiHeader): OrientationInfo {
  const warnings: string[] = [];
  const sform: Affine3x4 = [h.srow[0].slice(), h.srow[1].slice(), h.srow[2].slice()];
  const qform = qformAffine(h);
  const hasS = h.sformCode > 0 && isUsable(sform);
  const hasQ = h.qformCode > 0 && isUsable(qform);
  // Finite but absurd (a voxel of 1e30 mm, an origin light-years away): the bundled ITK reader follows the
  // same transform and fails to decode, so refuse it here with a reason instead.
  if (hasS) checkPlausible(sform, 'sform');
  if (hasQ) checkPlausible(qform, 'qform');
  if (h.sformCode > 0 && !hasS) warnings.push('sform is degenerate (zero, NaN or singular); ignored');
  if (h.qformCode > 0 && !hasQ) warnings.push('qform is degenerate (zero, NaN or singular); ignored');

  let conflict: OrientationInfo['conflict'];
  if (hasS && hasQ) {
    const qc = columns(qform).map(unit);
    const sc = columns(sform).map(unit);
    const flippedAxes = [0, 1, 2].filter((i) => dot(qc[i], sc[i]) < 0);
    let maxDirectionDifference = 0;
    for (let i = 0; i < 3; i++) for (let r = 0; r < 3; r++) maxDirectionDifference = Math.max(maxDirectionDifference, Math.abs(qc[i][r] - sc[i][r]));
    const originDistanceMm = Math.hypot(qform[0][3] - sform[0][3], qform[1][3] - sform[1][3], qform[2][3] - sform[2][3]);
    if (maxDirectionDifference > 1e-3 || originDistanceMm > 1e-2) {
      const axisNames = flippedAxes.map((a) => 'ijk'[a]).join(', ');
      conflict = {
        flippedAxes,
        maxDirectionDifference,
        originDistanceMm,
        message:
          `qform (code ${h.qformCode}) and sform (code ${h.sformCode}) disagree` +
          (flippedAxes.length ? `: qform flips axis ${axisNames} relative to sform` : `: directions differ by up to ${maxDirectionDifference.toFixed(3)}`) +
          (originDistanceMm > 1e-2 ? `, origins ${originDistanceMm.toFixed(1)} mm apart` : ''),
      };
    }
  }

  let source: OrientationInfo['source'];
  let affine: Affine3x4;
  if (hasS && shear(sform) <= 1e-3) {
    source = 'sform';
    affine = sform;
    if (conflict) warnings.push(`${conflict.message}; following the sform (as nibabel, FSL and SPM do)`);
  } else if (hasQ) {
    if (hasS) warnings.push('sform has shear, which an ITK direction matrix cannot represent; following the qform');
    source = 'qform';
    affine = qform;
  } else if (hasS) {
    throw new PipelineInputError('BAD_ORIENTATION', 'sform has shear and there is no usable qform: orientation cannot be represented');
  } else {
    source = 'pixdim';
    affine = [
      [h.pixdim[1], 0, 0, 0],
      [0, h.pixdim[2], 0, 0],
      [0, 0, h.pixdim[3], 0],
    ];
    warnings.push('no qform or sform: orientation unknown, assuming RAS axes from pixdim only');
  }
  return { source, qformCode: h.qformCode, sformCode: h.sformCode, affine, conflict, warnings };
}

/**
 * Converts a RAS voxel→world affine into ITK's LPS origin/spacing/direction.
 *
 * @example
 * affineToItkGeometry([[-2,0,0,90],[0,2,0,-126],[0,0,2,-72]])
 * // { origin: [-90, 126, -72], spacing: [2, 2, 2], direction: [1,0,0, 0,-1,0, 0,0,1] }
 */
export function affineToItkGeometry(affine: Affine3x4): SpatialGeometry {
  const flip = [-1, -1, 1];
  const cols = columns(affine);
  const spacing = cols.map((c) => Math.hypot(c[0], c[1], c[2])) as [number, number, number];
  const direction = new Array<number>(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) direction[r * 3 + c] = (flip[r] * cols[c][r]) / spacing[c] + 0;
  const origin = [0, 1, 2].map((r) => flip[r] * affine[r][3] + 0) as [number, number, number];
  return { origin, spacing, direction };
}

/** Converts ITK LPS geometry back to a RAS voxel→world affine (for headers, reports, nibabel users). */
export function itkGeometryToAffine(g: { origin: ArrayLike<number>; spacing: ArrayLike<number>; direction: ArrayLike<number> }): Affine3x4 {
  const dim = Math.round(Math.sqrt(g.direction.length));
  const flip = [-1, -1, 1];
  return [0, 1, 2].map((r) => [
    ...[0, 1, 2].map((c) => flip[r] * g.direction[r * dim + c] * g.spacing[c] + 0),
    flip[r] * g.origin[r] + 0,
  ]) as Affine3x4;
}
