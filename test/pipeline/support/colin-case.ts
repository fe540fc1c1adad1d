/**
 * Colin27 (`../shared/data/colin27/ch2.nii.gz`, one person's brain with skull, never copied into the
 * repo) as a subject whose anatomy differs from the MNI152 template. There is no true transform and no
 * brain mask for it; what is known:
 *  - AAL (116 regions) was drawn on this very brain (`colin27/aal.nii.gz`, same grid): same-named
 *    regions of the AAL3 the pipeline warps from MNI152 must land on them;
 *  - a synthetic PET built here from those AAL regions, in its own rigid pose, so the PET every region
 *    of the pipeline's own atlas should read is known (true pose, noise-free).
 * The T1 is Colin27 block-averaged to 2 mm (90×108×90), the CI grid.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import { downsampleForRegistration, gridOf, imageOnGrid, type Grid } from '../../../shared/pipeline/registration/volume.js';
import { SHARED_DATA } from './real-case.js';
import { gaussianBlur, linearAt, sampler, voxelToPoint } from './sample.js';

/** What {@link makeColinCase} writes and knows. */
export interface ColinCase {
  t1Path: string;
  petPath: string;
  t1Grid: Grid;
  /** Colin27's own AAL labels on the T1 grid (majority of each 2×2×2 block). */
  aal: Uint8Array;
  /** AAL index → name (`colin27/aal.nii.txt`). */
  aalNames: Map<number, string>;
  /** Head on the T1 grid: everything not reached from the border through voxels below a tenth of the T1's 99th percentile (dark CSF inside the skull stays in). */
  head: Uint8Array;
  /** The noise-free PET (frame before noise) seen on the T1 grid through the true pose. */
  petInT1: Float32Array;
  /** Uptake given to the AAL cerebellum and vermis (× scale): what a cerebellar reference should read. */
  cerebellumUptake: number;
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

/**
 * Writes t1.nii.gz (Colin27 at 2 mm) and pet.nii.gz (3-D, 2 mm, 6 mm FWHM, own rigid pose) into `out`.
 *
 * @example
 * const colin = await makeColinCase({ out: join(work, 'colin'), seed: 11 });
 */
export async function makeColinCase(o: { out: string; seed: number }): Promise<ColinCase> {
  mkdirSync(o.out, { recursive: true });
  const r = rng(o.seed);
  const u = (a: number) => (2 * r() - 1) * a;
  const ch2 = await readImageNode(join(SHARED_DATA, 'colin27', 'ch2.nii.gz'));
  const aal1 = await readImageNode(join(SHARED_DATA, 'colin27', 'aal.nii.gz'));
  const aalNames = new Map<number, string>();
  for (const line of (await readFile(join(SHARED_DATA, 'colin27', 'aal.nii.txt'), 'utf8')).split(/\r?\n/)) {
    const [i, name] = line.trim().split(/\s+/);
    if (name && Number.isInteger(Number(i))) aalNames.set(Number(i), name);
  }

  // T1: block average to 2 mm (the block centre becomes the voxel centre).
  const t1Image = downsampleForRegistration(ch2, { targetSpacingMm: 2 });
  const t1Grid = gridOf(t1Image);
  const t1 = t1Image.data as Float32Array;
  const [nx, ny, nz] = t1Grid.size;
  const n = nx * ny * nz;

  // AAL on the T1 grid: the most frequent label of each 2×2×2 block (background counts as a label).
  const [fx, fy] = ch2.size;
  const src = aal1.data as ArrayLike<number>;
  const aal = new Uint8Array(n);
  const votes = new Map<number, number>();
  let v = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) {
    votes.clear();
    for (let c = 0; c < 8; c++) {
      const l = src[2 * i + (c & 1) + fx * (2 * j + ((c >> 1) & 1) + fy * (2 * k + ((c >> 2) & 1)))];
      votes.set(l, (votes.get(l) ?? 0) + 1);
    }
    let best = 0, bestN = -1;
    for (const [l, c] of votes) if (c > bestN || (c === bestN && l < best)) { best = l; bestN = c; }
    aal[v] = best;
  }

  const sorted = Float32Array.from(t1).sort();
  const p99 = sorted[Math.floor(0.99 * (n - 1))];
  const head = fillFromOutside(t1, t1Grid.size, 0.1 * p99);

  // Uptake on Colin's own 1 mm grid: AAL cerebellum + vermis 1.0, other AAL regions 1.1–2.3 (one value
  // each), unlabelled head 0.3.
  const chGrid = gridOf(ch2);
  const ch = ch2.data as ArrayLike<number>;
  let chMax = 0;
  for (let i = 0; i < ch.length; i++) if (ch[i] > chMax) chMax = ch[i];
  const uptakeOf = new Map<number, number>();
  for (const [i, name] of aalNames) uptakeOf.set(i, /^(Cerebelum|Vermis)/.test(name) ? 1 : 1.1 + 1.2 * r());
  const U = new Float32Array(ch.length);
  for (let i = 0; i < U.length; i++) {
    const l = src[i];
    U[i] = l > 0 ? (uptakeOf.get(l) ?? 0.3) : ch[i] > 0.1 * chMax ? 0.3 : 0;
  }
  const sU = sampler(chGrid, U);

  // PET: 2 mm grid over the same box, own rigid pose (PET point p → subject point R p + t), 6 mm FWHM.
  const R = rotation(u(10) * Math.PI / 180, u(10) * Math.PI / 180, u(10) * Math.PI / 180);
  const tr = [u(10), u(10), u(10)];
  const petGrid: Grid = { ...t1Grid, size: t1Grid.size.slice() };
  const pet = new Float32Array(n);
  const p = [0, 0, 0], q = [0, 0, 0];
  v = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) {
    voxelToPoint(petGrid, i, j, k, p);
    for (let a = 0; a < 3; a++) q[a] = R[a * 3] * p[0] + R[a * 3 + 1] * p[1] + R[a * 3 + 2] * p[2] + tr[a];
    pet[v] = linearAt(sU, q[0], q[1], q[2]);
  }
  gaussianBlur(pet, petGrid, 6);
  const scale = 1000;
  // The truth: the noise-free PET at each T1 voxel through the true pose (p = Rᵀ (q - t)).
  const sPet = sampler(petGrid, pet.slice());
  const petInT1 = new Float32Array(n);
  v = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) {
    voxelToPoint(t1Grid, i, j, k, q);
    const d = [q[0] - tr[0], q[1] - tr[1], q[2] - tr[2]];
    for (let a = 0; a < 3; a++) p[a] = R[a] * d[0] + R[3 + a] * d[1] + R[6 + a] * d[2];
    petInT1[v] = scale * linearAt(sPet, p[0], p[1], p[2]);
  }
  for (let i = 0; i < n; i++) { const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()); pet[i] = Math.max(0, pet[i] * scale + 0.02 * scale * g); }

  const t1Path = join(o.out, 't1.nii.gz');
  const petPath = join(o.out, 'pet.nii.gz');
  await writeImageNode(imageOnGrid(t1Grid, t1, 't1'), t1Path, { useCompression: true });
  await writeImageNode(imageOnGrid(petGrid, pet, 'pet'), petPath, { useCompression: true });
  return { t1Path, petPath, t1Grid, aal, aalNames, head, petInT1, cerebellumUptake: scale };
}

/** 1 where a voxel cannot be reached from the grid border through voxels ≤ `threshold` (6-connected). */
function fillFromOutside(d: Float32Array, size: number[], threshold: number): Uint8Array {
  const [nx, ny, nz] = size;
  const n = nx * ny * nz;
  const outside = new Uint8Array(n);
  const queue = new Int32Array(n);
  let head = 0, tail = 0;
  const push = (v: number) => { if (!outside[v] && d[v] <= threshold) { outside[v] = 1; queue[tail++] = v; } };
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    if (i === 0 || j === 0 || k === 0 || i === nx - 1 || j === ny - 1 || k === nz - 1) push(i + nx * (j + ny * k));
  }
  while (head < tail) {
    const v = queue[head++];
    const i = v % nx, j = Math.floor(v / nx) % ny, k = Math.floor(v / (nx * ny));
    if (i > 0) push(v - 1);
    if (i < nx - 1) push(v + 1);
    if (j > 0) push(v - nx);
    if (j < ny - 1) push(v + nx);
    if (k > 0) push(v - nx * ny);
    if (k < nz - 1) push(v + nx * ny);
  }
  const inside = new Uint8Array(n);
  for (let v = 0; v < n; v++) inside[v] = outside[v] ? 0 : 1;
  return inside;
}
