/**
 * Builds a "real anatomy" test case from ../shared/data (never copied into the repo): the MNI152 T1
 * (with skull), its brain mask and AAL3 warped by a random affine + smooth displacement into a subject
 * grid, with a smooth multiplicative bias and noise; a PET uptake pattern seen through the same warp
 * in its own rigid pose (2 mm, 6 mm FWHM, optionally 4-D with frame motion and a flipped axis).
 * Ground truth: brain mask and atlas on the subject grid, and the regional SUVR a perfect pipeline
 * would measure (true labels, true PET→T1 pose, true reference region).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import type { Image } from 'itk-wasm';
import { gridOf, imageOnGrid, type Grid } from '../../../shared/pipeline/registration/volume.js';
import { gaussianBlur, linearAt, nearestAt, sampler, voxelToPoint } from './sample.js';

export const SHARED_DATA = join(process.cwd(), '..', 'shared', 'data');
export const REAL_BUNDLE = join(SHARED_DATA, 'bundles', 'mni152-aal3-2mm');
/** True when ../shared/data holds what the real-anatomy cases need. */
export const hasSharedData = existsSync(join(REAL_BUNDLE, 'template.json')) && existsSync(join(SHARED_DATA, 'mni152-2mm'));

/** Options of {@link makeRealCase}. */
export interface RealCaseOptions {
  out: string;
  seed: number;
  /** Subject T1 spacing: 2 (CI) or 1 (benchmark). */
  t1SpacingMm: 1 | 2;
  pet4d: boolean;
  flipPetAxis: boolean;
}

/** Ground truth of a case. */
export interface RealCase {
  t1Path: string;
  petPath: string;
  t1Grid: Grid;
  brainMask: Uint8Array;
  atlas: Int32Array;
  /** Regional SUVR a perfect pipeline would measure (whole-cerebellum reference), by label. */
  suvr: Map<number, number>;
  /** The true subject → template map W (physical mm): writes W(q) into `out`. */
  templatePoint: (q: number[], out: number[]) => void;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rotation(rx: number, ry: number, rz: number): number[] {
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(rx), Math.sin(rx), Math.cos(ry), Math.sin(ry), Math.cos(rz), Math.sin(rz)];
  const X = [1, 0, 0, 0, cx, -sx, 0, sx, cx], Y = [cy, 0, sy, 0, 1, 0, -sy, 0, cy], Z = [cz, -sz, 0, sz, cz, 0, 0, 0, 1];
  const mul = (a: number[], b: number[]) => { const o = Array(9).fill(0); for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) o[r * 3 + c] += a[r * 3 + k] * b[k * 3 + c]; return o; };
  return mul(Z, mul(Y, X));
}

async function read(path: string): Promise<Image> {
  return readImageNode(path);
}

/**
 * Writes t1.nii.gz and pet.nii.gz for one case into `out` and returns the ground truth.
 *
 * @example
 * const c = await makeRealCase({ out: dir, seed: 7, t1SpacingMm: 2, pet4d: true, flipPetAxis: true });
 */
export async function makeRealCase(o: RealCaseOptions): Promise<RealCase> {
  mkdirSync(o.out, { recursive: true });
  const r = rng(o.seed);
  const u = (a: number) => (2 * r() - 1) * a;
  const tT1 = await read(join(SHARED_DATA, 'mni152-2mm', 'MNI152_T1_2mm.nii.gz'));
  const mPath = o.t1SpacingMm === 1 ? join(SHARED_DATA, 'mni152-2mm', 'MNI152_T1_1mm_Brain_Mask.nii.gz') : join(REAL_BUNDLE, 'brain_mask.nii.gz');
  const aPath = o.t1SpacingMm === 1 ? join(SHARED_DATA, 'aal3', 'AAL3v1_1mm.nii.gz') : join(REAL_BUNDLE, 'atlas.nii.gz');
  const tMask = await read(mPath);
  const tAtlas = await read(aPath);
  const tCb = await read(join(REAL_BUNDLE, 'ref_whole_cerebellum.nii.gz'));
  const sT1 = sampler(gridOf(tT1), tT1.data as ArrayLike<number>);
  const sMask = sampler(gridOf(tMask), tMask.data as ArrayLike<number>);
  const sAtlas = sampler(gridOf(tAtlas), tAtlas.data as ArrayLike<number>);
  const sCb = sampler(gridOf(tCb), tCb.data as ArrayLike<number>);

  // Subject → template map W(q) = c + A(q - c) + t + d(q).
  const A0 = rotation(u(9) * Math.PI / 180, u(9) * Math.PI / 180, u(9) * Math.PI / 180);
  const sc = [1 + u(0.08), 1 + u(0.08), 1 + u(0.08)];
  const A = A0.map((v, i) => v * sc[i % 3]);
  const t = [u(8), u(8), u(8)];
  const c = [0, -18, 18];
  const waves = Array.from({ length: 3 }, () => ({ k: [u(1), u(1), u(1)].map((v) => (v * 2 * Math.PI) / 90), phase: u(Math.PI), amp: 2.5 + r() }));
  const W = (q: number[], out: number[]) => {
    const d = [q[0] - c[0], q[1] - c[1], q[2] - c[2]];
    for (let a = 0; a < 3; a++) {
      const w = waves[a];
      out[a] = c[a] + A[a * 3] * d[0] + A[a * 3 + 1] * d[1] + A[a * 3 + 2] * d[2] + t[a] +
        w.amp * Math.sin(w.k[0] * q[0] + w.k[1] * q[1] + w.k[2] * q[2] + w.phase);
    }
  };

  // Subject T1 grid: the template's box at the requested spacing.
  const g0 = gridOf(tT1);
  const f = 2 / o.t1SpacingMm;
  const t1Grid: Grid = { size: g0.size.map((n) => n * f), spacing: [o.t1SpacingMm, o.t1SpacingMm, o.t1SpacingMm], origin: g0.origin.slice(), direction: g0.direction.slice() };
  const [nx, ny, nz] = t1Grid.size;
  const n = nx * ny * nz;
  const t1 = new Float32Array(n), brainMask = new Uint8Array(n), atlas = new Int32Array(n), cb = new Uint8Array(n);
  const biasW = { a: [u(1), u(1), u(1)], b: u(1) };
  const q = [0, 0, 0], p = [0, 0, 0];
  let idx = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, idx++) {
        voxelToPoint(t1Grid, i, j, k, q);
        W(q, p);
        const bias = Math.exp(0.25 * Math.tanh((biasW.a[0] * q[0] + biasW.a[1] * q[1] + biasW.a[2] * q[2]) / 80 + biasW.b));
        t1[idx] = linearAt(sT1, p[0], p[1], p[2]) * bias;
        brainMask[idx] = linearAt(sMask, p[0], p[1], p[2]) >= 0.5 ? 1 : 0;
        atlas[idx] = nearestAt(sAtlas, p[0], p[1], p[2]);
        cb[idx] = nearestAt(sCb, p[0], p[1], p[2]) > 0.5 ? 1 : 0;
      }
  let max = 0;
  for (let i = 0; i < n; i++) if (t1[i] > max) max = t1[i];
  for (let i = 0; i < n; i++) { const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()); t1[i] = Math.max(0, t1[i] + 0.015 * max * g); }

  // Uptake pattern in template space (template 2 mm atlas grid): cortex/subcortex values vary by
  // region, cerebellum (AAL3 95-120) 1.0, other brain 0.8, scalp 0.15.
  const aal2 = await read(join(REAL_BUNDLE, 'atlas.nii.gz'));
  const mask2 = await read(join(REAL_BUNDLE, 'brain_mask.nii.gz'));
  const gU = gridOf(aal2);
  const uptakeByLabel = new Map<number, number>();
  const labels2 = aal2.data as ArrayLike<number>;
  const U = new Float32Array(labels2.length);
  const t1v = tT1.data as ArrayLike<number>;
  let tMax = 0;
  for (let i = 0; i < t1v.length; i++) if (t1v[i] > tMax) tMax = t1v[i];
  for (let i = 0; i < U.length; i++) {
    const l = labels2[i];
    if (l > 0) {
      if (!uptakeByLabel.has(l)) uptakeByLabel.set(l, l >= 95 && l <= 120 ? 1.0 : 1.1 + 1.2 * r());
      U[i] = uptakeByLabel.get(l)!;
    } else if ((mask2.data as ArrayLike<number>)[i] > 0) U[i] = 0.8;
    else if (t1v[i] > 0.15 * tMax) U[i] = 0.15;
  }
  const sU = sampler(gU, U);

  // PET grid: the template box, own rigid pose (PET point p → subject point R p + tr), optional flip.
  const R = rotation(u(10) * Math.PI / 180, u(10) * Math.PI / 180, u(10) * Math.PI / 180);
  const tr = [u(10), u(10), u(10)];
  const petGrid: Grid = { size: g0.size.slice(), spacing: [2, 2, 2], origin: g0.origin.slice(), direction: g0.direction.slice() };
  if (o.flipPetAxis) {
    // Flip the first axis: same box, voxels stored in the opposite order.
    petGrid.origin = [0, 1, 2].map((a) => g0.origin[a] + g0.direction[a * 3] * (g0.size[0] - 1) * 2);
    petGrid.direction = g0.direction.map((v, i) => (i % 3 === 0 ? -v : v));
  }
  const [px, py, pz] = petGrid.size;
  const pn = px * py * pz;
  const frames = o.pet4d ? 3 : 1;
  const frameData: Float32Array[] = [];
  let truthFrame: Float32Array | undefined;
  for (let fr = 0; fr < frames; fr++) {
    const Rf = fr === 0 ? R : rotation(u(2) * Math.PI / 180, u(2) * Math.PI / 180, u(2) * Math.PI / 180).map((_, i, m) => {
      const rr = Math.floor(i / 3), cc = i % 3; let s = 0; for (let k = 0; k < 3; k++) s += R[rr * 3 + k] * m[k * 3 + cc]; return s;
    });
    const tf = fr === 0 ? tr : tr.map((v) => v + u(2));
    const d = new Float32Array(pn);
    let pi = 0;
    for (let k = 0; k < pz; k++)
      for (let j = 0; j < py; j++)
        for (let i = 0; i < px; i++, pi++) {
          voxelToPoint(petGrid, i, j, k, p);
          const qq = [0, 1, 2].map((a) => Rf[a * 3] * p[0] + Rf[a * 3 + 1] * p[1] + Rf[a * 3 + 2] * p[2] + tf[a]);
          W(qq, q);
          d[pi] = linearAt(sU, q[0], q[1], q[2]);
        }
    gaussianBlur(d, petGrid, 6);
    if (fr === 0) truthFrame = d.slice();
    const scale = 1000;
    for (let i = 0; i < pn; i++) { const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()); d[i] = Math.max(0, d[i] * scale + 0.02 * scale * g); }
    frameData.push(d);
  }

  // Perfect pipeline: PET frame 0 through the true pose onto the T1 grid, true labels, true reference.
  const sTruth = sampler(petGrid, truthFrame!);
  const Rt = [R[0], R[3], R[6], R[1], R[4], R[7], R[2], R[5], R[8]];
  const sums = new Map<number, { s: number; n: number }>();
  let cbS = 0, cbN = 0;
  idx = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, idx++) {
        const l = atlas[idx];
        if (!l && !cb[idx]) continue;
        voxelToPoint(t1Grid, i, j, k, q);
        const dq = [q[0] - tr[0], q[1] - tr[1], q[2] - tr[2]];
        const pp = [0, 1, 2].map((a) => Rt[a * 3] * dq[0] + Rt[a * 3 + 1] * dq[1] + Rt[a * 3 + 2] * dq[2]);
        const v = linearAt(sTruth, pp[0], pp[1], pp[2]);
        if (cb[idx]) { cbS += v; cbN++; }
        if (l) { const e = sums.get(l) ?? { s: 0, n: 0 }; e.s += v; e.n++; sums.set(l, e); }
      }
  const ref = cbS / cbN;
  const suvr = new Map<number, number>();
  for (const [l, e] of sums) suvr.set(l, e.s / e.n / ref);

  const t1Path = join(o.out, 't1.nii.gz');
  const petPath = join(o.out, 'pet.nii.gz');
  await writeImageNode(imageOnGrid(t1Grid, t1, 't1'), t1Path, { useCompression: true });
  if (frames === 1) {
    await writeImageNode(imageOnGrid(petGrid, frameData[0], 'pet'), petPath, { useCompression: true });
  } else {
    const all = new Float32Array(pn * frames);
    frameData.forEach((d, fr) => all.set(d, fr * pn));
    const dir4 = new Float64Array(16);
    for (let rr = 0; rr < 3; rr++) for (let cc = 0; cc < 3; cc++) dir4[rr * 4 + cc] = petGrid.direction[rr * 3 + cc];
    dir4[15] = 1;
    const img = {
      imageType: { dimension: 4, componentType: 'float32', pixelType: 'Scalar', components: 1 },
      name: 'pet', origin: [...petGrid.origin, 0], spacing: [...petGrid.spacing, 1], direction: dir4,
      size: [...petGrid.size, frames], metadata: new Map(), data: all,
    } as unknown as Image;
    await writeImageNode(img, petPath, { useCompression: true });
  }
  return { t1Path, petPath, t1Grid, brainMask, atlas, suvr, templatePoint: W };
}
