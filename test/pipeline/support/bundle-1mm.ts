/**
 * A 1 mm MNI152 + AAL3 template bundle, built at test time from ../shared/data (never copied into the
 * repo), for 1 mm subjects. The ready bundle `bundles/mni152-aal3-2mm` holds the 2 mm AAL3 and brain
 * mask: sampled onto a 1 mm T1 even through a perfect warp they reach only mean AAL3 Dice 0.835 and
 * brain Dice 0.970 against the 1 mm originals (bench/pipeline-ceiling.ts), so the atlas resolution,
 * not the registration, caps a 1 mm subject. This bundle puts everything on the AAL3 1 mm grid
 * (181×217×181): AAL3 1 mm as it is, the MNI152 1 mm brain mask (same lattice, read exactly), and,
 * where ../shared/data has only 2 mm files, their trilinear upsampling: the MNI152 T1 with skull
 * (the only MNI152 T1 with skull there is 2 mm), the reference regions and the Centiloid target
 * (upsampled, then ≥ 0.5: the pipeline's own rule for warped masks; uint8 keeps the bundle quick to read).
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import { gridOf, imageOnGrid } from '../../../shared/pipeline/registration/volume.js';
import { REAL_BUNDLE, SHARED_DATA } from './real-case.js';
import { linearAt, nearestAt, sampler, voxelToPoint } from './sample.js';

/**
 * Writes the 1 mm bundle into `out` (a `--template-dir`) and returns `out`.
 *
 * @example
 * const templateDir = await makeBundle1mm(join(work, 'bundle-1mm'));
 */
export async function makeBundle1mm(out: string): Promise<string> {
  await mkdir(out, { recursive: true });
  const atlas = await readImageNode(join(SHARED_DATA, 'aal3', 'AAL3v1_1mm.nii.gz'));
  const grid = gridOf(atlas);
  const [nx, ny, nz] = grid.size;
  const n = nx * ny * nz;
  const onGrid = async (path: string, how: 'linear' | 'nearest', type: 'float32' | 'uint8' | 'int16'): Promise<Float32Array | Uint8Array | Int16Array> => {
    const src = await readImageNode(path);
    const s = sampler(gridOf(src), src.data as ArrayLike<number>);
    const o = type === 'uint8' ? new Uint8Array(n) : type === 'int16' ? new Int16Array(n) : new Float32Array(n);
    const p = [0, 0, 0];
    let v = 0;
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) {
      voxelToPoint(grid, i, j, k, p);
      const x = how === 'linear' ? linearAt(s, p[0], p[1], p[2]) : nearestAt(s, p[0], p[1], p[2]);
      o[v] = type === 'float32' ? x : Math.round(x);
    }
    return o;
  };
  const write = async (name: string, data: Float32Array | Uint8Array | Int16Array) => writeImageNode(imageOnGrid(grid, data, name), join(out, name), { useCompression: true });
  await writeImageNode(atlas, join(out, 'atlas.nii.gz'), { useCompression: true });
  await copyFile(join(REAL_BUNDLE, 'atlas.tsv'), join(out, 'atlas.tsv'));
  await write('t1.nii.gz', await onGrid(join(SHARED_DATA, 'mni152-2mm', 'MNI152_T1_2mm.nii.gz'), 'linear', 'int16'));
  await write('brain_mask.nii.gz', await onGrid(join(SHARED_DATA, 'mni152-2mm', 'MNI152_T1_1mm_Brain_Mask.nii.gz'), 'nearest', 'uint8'));
  for (const f of ['ref_whole_cerebellum', 'ref_cerebellar_gray', 'ref_pons', 'centiloid_target']) {
    await write(`${f}.nii.gz`, await onGrid(join(REAL_BUNDLE, `${f}.nii.gz`), 'linear', 'uint8'));
  }
  const manifest = {
    name: 'MNI152NLin6Asym-1mm_AAL3v1',
    space: 'MNI152NLin6Asym',
    t1: 't1.nii.gz',
    brainMask: 'brain_mask.nii.gz',
    atlas: { name: 'AAL3v1', labels: 'atlas.nii.gz', lut: 'atlas.tsv' },
    referenceRegions: { wholeCerebellum: 'ref_whole_cerebellum.nii.gz', cerebellarGray: 'ref_cerebellar_gray.nii.gz', pons: 'ref_pons.nii.gz' },
    centiloid: { target: 'centiloid_target.nii.gz', reference: 'wholeCerebellum' },
  };
  await writeFile(join(out, 'template.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return out;
}
