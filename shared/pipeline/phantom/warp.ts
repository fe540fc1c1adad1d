/**
 * The known subject → template warp of the phantom: W(q) = c + A·(q − c) + t + d(q), with A a rotation
 * times an anisotropic scale, t a translation and d a smooth displacement (one plane wave per axis,
 * d_a(q) = amp_a · sin(k_a · q + φ_a)). A registration of the template to the subject must recover W.
 */
import type { Random } from '../../model/cohort/random.js';

/** One displacement component: d_axis(q) = amplitudeMm · sin(waveVector · q + phase). */
export interface DisplacementWave {
  axis: 0 | 1 | 2;
  amplitudeMm: number;
  /** rad/mm. */
  waveVector: [number, number, number];
  phase: number;
}

/** Parameters of W (all in LPS mm). */
export interface PhantomWarp {
  center: [number, number, number];
  /** 3×3 row-major linear part A (rotation · scale). */
  matrix: number[];
  translation: [number, number, number];
  rotationDeg: [number, number, number];
  scale: [number, number, number];
  waves: DisplacementWave[];
}

/** Magnitudes of a random warp (defaults: the real-anatomy cases, ±9°, ±8 mm, ±8 %, ~3 mm). */
export interface WarpMagnitudes {
  rotationDeg?: number;
  translationMm?: number;
  scale?: number;
  displacementMm?: number;
}

/**
 * Rotation matrix Rz·Ry·Rx (row-major) for angles in radians.
 *
 * @example
 * rotationMatrix(0, 0, Math.PI / 2); // [0, -1, 0, 1, 0, 0, 0, 0, 1] (up to rounding)
 */
export function rotationMatrix(rx: number, ry: number, rz: number): number[] {
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(rx), Math.sin(rx), Math.cos(ry), Math.sin(ry), Math.cos(rz), Math.sin(rz)];
  const X = [1, 0, 0, 0, cx, -sx, 0, sx, cx], Y = [cy, 0, sy, 0, 1, 0, -sy, 0, cy], Z = [cz, -sz, 0, sz, cz, 0, 0, 0, 1];
  return multiply3(Z, multiply3(Y, X));
}

/** 3×3 row-major product a·b. */
export function multiply3(a: readonly number[], b: readonly number[]): number[] {
  const o = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) o[r * 3 + c] += a[r * 3 + k] * b[k * 3 + c];
  return o;
}

/** Inverse of a 3×3 row-major matrix. */
export function invert3(m: readonly number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A, -(b * i - c * h), b * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * h - b * g), a * e - b * d].map((x) => x / det);
}

/**
 * Draws a random warp about `center`.
 *
 * @example
 * const w = drawWarp(createRandom(3), [0, 5, 5]);
 */
export function drawWarp(random: Random, center: readonly [number, number, number], magnitudes: WarpMagnitudes = {}): PhantomWarp {
  const u = (a: number) => (2 * random.uniform() - 1) * a;
  const rot = magnitudes.rotationDeg ?? 9, tr = magnitudes.translationMm ?? 8, sc = magnitudes.scale ?? 0.08, disp = magnitudes.displacementMm ?? 3;
  const rotationDeg: [number, number, number] = [u(rot), u(rot), u(rot)];
  const scale: [number, number, number] = [1 + u(sc), 1 + u(sc), 1 + u(sc)];
  const R = rotationMatrix(...(rotationDeg.map((d) => (d * Math.PI) / 180) as [number, number, number]));
  const matrix = R.map((v, i) => v * scale[i % 3]);
  const translation: [number, number, number] = [u(tr), u(tr), u(tr)];
  const waves: DisplacementWave[] = [0, 1, 2].map((axis) => {
    // Wavelengths 100–160 mm: smooth enough to stay invertible (|∇d| ≤ 2π·amp/λ < 0.2).
    const dir = [u(1), u(1), u(1)];
    const len = Math.hypot(dir[0], dir[1], dir[2]) || 1;
    const k = (2 * Math.PI) / (100 + 60 * random.uniform());
    return {
      axis: axis as 0 | 1 | 2,
      amplitudeMm: disp * (0.6 + 0.4 * random.uniform()),
      waveVector: dir.map((v) => (v / len) * k) as [number, number, number],
      phase: u(Math.PI),
    };
  });
  return { center: [...center] as [number, number, number], matrix, translation, rotationDeg, scale, waves };
}

/**
 * W(q): subject point → template point, written into `out` (no allocation).
 *
 * @example
 * const p = [0, 0, 0];
 * applyWarp(w, [10, 20, 30], p);
 */
export function applyWarp(w: PhantomWarp, q: ArrayLike<number>, out: number[] | Float64Array): void {
  const c = w.center, A = w.matrix, t = w.translation;
  const d0 = q[0] - c[0], d1 = q[1] - c[1], d2 = q[2] - c[2];
  for (let a = 0; a < 3; a++) out[a] = c[a] + A[a * 3] * d0 + A[a * 3 + 1] * d1 + A[a * 3 + 2] * d2 + t[a];
  for (const wave of w.waves) {
    const k = wave.waveVector;
    out[wave.axis] += wave.amplitudeMm * Math.sin(k[0] * q[0] + k[1] * q[1] + k[2] * q[2] + wave.phase);
  }
}

/** The affine part of W as a row-major 4×4 matrix (subject LPS mm → template LPS mm). */
export function warpAffine4x4(w: PhantomWarp): number[] {
  const c = w.center, A = w.matrix, t = w.translation;
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    const off = c[r] + t[r] - (A[r * 3] * c[0] + A[r * 3 + 1] * c[1] + A[r * 3 + 2] * c[2]);
    out.push(A[r * 3], A[r * 3 + 1], A[r * 3 + 2], off);
  }
  out.push(0, 0, 0, 1);
  return out;
}
