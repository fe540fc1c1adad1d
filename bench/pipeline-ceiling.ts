/**
 * `npx tsx bench/pipeline-ceiling.ts [--seed N]`: the best brain and atlas Dice a template bundle allows
 * on the 1 mm real-anatomy bench case, whatever the registration: the case's own (true) subject →
 * template map is sampled onto the 2 mm point-map grid the pipeline uses, and the bundle's brain mask
 * and atlas are read through it exactly as `preprocess` reads them (`sampleThroughPointMap`), then
 * scored against the case's ground truth (MNI152 1 mm mask, AAL3 1 mm). Compares the 2 mm bundle
 * (nearest, label-wise linear, and label-wise linear with background down-weighted by α) with the
 * 1 mm atlas and mask. No registration runs; ~30 s, one core. Prints one line per variant.
 *
 * Measured 2026-12-04 (seed 7): 2 mm AAL3 nearest 0.817, label-wise 0.835, α 0.5–0.7 0.839; 2 mm brain
 * mask 0.969–0.970 (threshold 0.4–0.7); 1 mm AAL3 nearest 0.999. The 1 mm atlas figure (≥ 0.83)
 * is barely within reach of a 2 mm atlas even with a perfect warp, which is why the bench runs a 1 mm
 * subject with a 1 mm bundle (test/pipeline/support/bundle-1mm.ts).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readImageNode } from '@itk-wasm/image-io';
import { gridOf as grid3, physicalToIndex, type Grid3 } from '../shared/pipeline/image/grid.js';
import { coarseGridFor, sampleThroughPointMap } from '../shared/pipeline/registration/point-map.js';
import { hasSharedData, makeRealCase, REAL_BUNDLE, SHARED_DATA } from '../test/pipeline/support/real-case.js';
import { voxelToPoint } from '../test/pipeline/support/sample.js';
import { dice, labelDice } from '../test/pipeline/support/scores.js';

const { values } = parseArgs({ options: { seed: { type: 'string' } } });
if (!hasSharedData) throw new Error('bench/pipeline-ceiling.ts needs ../shared/data');
const truth = await makeRealCase({ out: '/tmp/adni-ceiling-case', seed: Number(values.seed ?? 7), t1SpacingMm: 1, pet4d: false, flipPetAxis: false });
const fine: Grid3 = { size: truth.t1Grid.size as [number, number, number], spacing: truth.t1Grid.spacing as [number, number, number], origin: truth.t1Grid.origin as [number, number, number], direction: truth.t1Grid.direction };

// The true map on the pipeline's coarse point-map grid (2 mm), as transformix would return it.
const coarse = coarseGridFor(fine, 2);
const [cx, cy, cz] = coarse.grid.size;
const map = [0, 1, 2].map(() => new Float32Array(cx * cy * cz)) as [Float32Array, Float32Array, Float32Array];
const cgrid = { size: [cx, cy, cz], spacing: [...coarse.grid.spacing], origin: [...coarse.grid.origin], direction: Array.from(coarse.grid.direction) };
const q = [0, 0, 0], p = [0, 0, 0];
let v = 0;
for (let k = 0; k < cz; k++) for (let j = 0; j < cy; j++) for (let i = 0; i < cx; i++, v++) {
  voxelToPoint(cgrid, i, j, k, q);
  truth.templatePoint(q, p);
  map[0][v] = p[0]; map[1][v] = p[1]; map[2][v] = p[2];
}

const atlas2 = await readImageNode(join(REAL_BUNDLE, 'atlas.nii.gz'));
const mask2 = await readImageNode(join(REAL_BUNDLE, 'brain_mask.nii.gz'));
const atlas1 = await readImageNode(join(SHARED_DATA, 'aal3', 'AAL3v1_1mm.nii.gz'));
const t2 = grid3(atlas2), t1 = grid3(atlas1);
const [nearest2, label2, maskP] = sampleThroughPointMap({ map, coarse, fine, template: t2, images: [{ data: atlas2.data as ArrayLike<number>, interpolation: 'nearest' }, { data: atlas2.data as ArrayLike<number>, interpolation: 'label' }, { data: mask2.data as ArrayLike<number>, interpolation: 'linear' }] });
const [nearest1] = sampleThroughPointMap({ map, coarse, fine, template: t1, images: [{ data: atlas1.data as ArrayLike<number>, interpolation: 'nearest' }] });
const n = nearest2.length;
console.log(`2 mm AAL3, nearest: mean Dice ${labelDice(nearest2, truth.atlas).mean.toFixed(4)}`);
console.log(`2 mm AAL3, label-wise linear: mean Dice ${labelDice(label2, truth.atlas).mean.toFixed(4)}`);
for (const th of [0.4, 0.5, 0.6, 0.7]) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = maskP[i] >= th ? 1 : 0;
  console.log(`2 mm brain mask, linear ≥ ${th}: Dice ${dice(b, truth.brainMask).toFixed(4)}`);
}
console.log(`1 mm AAL3, nearest: mean Dice ${labelDice(nearest1, truth.atlas).mean.toFixed(4)}`);

// Label-wise linear with the background's weight × α (< 1 keeps thin labelled ribbons such as cortex).
// Not in the pipeline: +0.004 at best here, while the 1 mm atlas removes the cap altogether.
const toIndex = physicalToIndex(t2);
const [tx, ty, tz] = t2.size;
const ad = atlas2.data as ArrayLike<number>;
const fineMap = pointsOnFine();
for (const alpha of [0.5, 0.6, 0.7, 0.8]) {
  const out = new Int32Array(n);
  const lbl = new Float64Array(8), wt = new Float64Array(8);
  for (let i = 0; i < n; i++) {
    const px = fineMap[0][i], py = fineMap[1][i], pz = fineMap[2][i];
    const fi = toIndex[0] * px + toIndex[1] * py + toIndex[2] * pz + toIndex[3];
    const fj = toIndex[4] * px + toIndex[5] * py + toIndex[6] * pz + toIndex[7];
    const fk = toIndex[8] * px + toIndex[9] * py + toIndex[10] * pz + toIndex[11];
    if (fi < 0 || fj < 0 || fk < 0 || fi > tx - 1 || fj > ty - 1 || fk > tz - 1) continue;
    const i0 = Math.min(Math.floor(fi), tx - 2), j0 = Math.min(Math.floor(fj), ty - 2), k0 = Math.min(Math.floor(fk), tz - 2);
    const u = fi - i0, w = fj - j0, t = fk - k0;
    let m = 0;
    for (let c = 0; c < 8; c++) {
      const di = c & 1, dj = (c >> 1) & 1, dk = (c >> 2) & 1;
      const l = ad[i0 + di + tx * (j0 + dj + ty * (k0 + dk))];
      const x = (di ? u : 1 - u) * (dj ? w : 1 - w) * (dk ? t : 1 - t) * (l === 0 ? alpha : 1);
      let f = -1;
      for (let s = 0; s < m; s++) if (lbl[s] === l) { f = s; break; }
      if (f < 0) { lbl[m] = l; wt[m] = x; m++; } else wt[f] += x;
    }
    let b = 0;
    for (let s = 1; s < m; s++) if (wt[s] > wt[b]) b = s;
    out[i] = lbl[b];
  }
  console.log(`2 mm AAL3, label-wise linear, background × ${alpha}: mean Dice ${labelDice(out, truth.atlas).mean.toFixed(4)}`);
}

/** The true template point of every fine voxel (exact, not through the coarse map: the difference is far below a voxel). */
function pointsOnFine(): [Float32Array, Float32Array, Float32Array] {
  const out = [0, 1, 2].map(() => new Float32Array(n)) as [Float32Array, Float32Array, Float32Array];
  const [nx, ny, nz] = fine.size;
  let s = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, s++) {
    voxelToPoint(truth.t1Grid, i, j, k, q);
    truth.templatePoint(q, p);
    out[0][s] = p[0]; out[1][s] = p[1]; out[2][s] = p[2];
  }
  return out;
}
