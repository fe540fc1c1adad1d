/**
 * Writes a generated phantom to disk:
 *
 *   DIR/phantom.json                   what is where, seed, generator version
 *   DIR/template/                      a template bundle (template.json + NIfTI + atlas.tsv), the
 *                                      same format as the real MNI152/AAL3 bundle (`--template-dir`)
 *   DIR/subject/mri.nii.gz             the subject T1 (warped, biased, noisy)
 *   DIR/subject/pet.nii.gz             the PET (own 2 mm grid and pose; 4-D with several frames)
 *   DIR/ground_truth/                  brain_mask, atlas, ref_* masks, bias_field, mri_unbiased (all on
 *                                      the subject T1 grid), regional_suvr.json, transforms.json
 *
 * Every image goes through the pipeline's atomic NIfTI writer; the bytes are a function of the seed.
 */
import { mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Image } from 'itk-wasm';
import { componentTypeOf, makeImage, type VoxelArray } from '../image/allocate.js';
import type { Grid3 } from '../image/grid.js';
import { writeNifti } from '../io/write-nifti.js';
import { PHANTOM_REGIONS } from './anatomy.js';
import type { Phantom } from './generate-phantom.js';
import { warpAffine4x4 } from './warp.js';

/** Version of the phantom layout and model (bump when either changes). */
export const PHANTOM_VERSION = 1;

/** Paths written by {@link writePhantom}, relative to the output folder. */
export const PHANTOM_LAYOUT = {
  manifest: 'phantom.json',
  templateDir: 'template',
  mri: 'subject/mri.nii.gz',
  pet: 'subject/pet.nii.gz',
  truth: {
    brainMask: 'ground_truth/brain_mask.nii.gz',
    atlas: 'ground_truth/atlas.nii.gz',
    wholeCerebellum: 'ground_truth/ref_whole_cerebellum.nii.gz',
    cerebellarGray: 'ground_truth/ref_cerebellar_gray.nii.gz',
    pons: 'ground_truth/ref_pons.nii.gz',
    biasField: 'ground_truth/bias_field.nii.gz',
    mriUnbiased: 'ground_truth/mri_unbiased.nii.gz',
    regionalSuvr: 'ground_truth/regional_suvr.json',
    transforms: 'ground_truth/transforms.json',
  },
} as const;

/** The template bundle's `template.json`. */
export const PHANTOM_TEMPLATE_JSON = {
  name: 'adni-phantom-2mm',
  space: 'adni-phantom',
  t1: 't1.nii.gz',
  brainMask: 'brain_mask.nii.gz',
  atlas: { name: 'adni-phantom-lobes', labels: 'atlas.nii.gz', lut: 'atlas.tsv' },
  referenceRegions: {
    wholeCerebellum: 'ref_whole_cerebellum.nii.gz',
    cerebellarGray: 'ref_cerebellar_gray.nii.gz',
    pons: 'ref_pons.nii.gz',
  },
  centiloid: { target: 'centiloid_target.nii.gz', reference: 'wholeCerebellum' },
} as const;

/** Absolute paths of what {@link writePhantom} wrote. */
export interface WrittenPhantom {
  dir: string;
  templateDir: string;
  mri: string;
  pet: string;
  groundTruthDir: string;
}

const image = (grid: Grid3, data: VoxelArray, name: string) => makeImage(grid, { data, name, componentType: componentTypeOf(data) });

function pet4d(grid: Grid3, frames: Float32Array[]): Image {
  const n = frames[0].length;
  const all = new Float32Array(n * frames.length);
  frames.forEach((f, i) => all.set(f, i * n));
  const direction = new Float64Array(16);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) direction[r * 4 + c] = grid.direction[r * 3 + c];
  direction[15] = 1;
  return {
    imageType: { dimension: 4, componentType: 'float32', pixelType: 'Scalar', components: 1 },
    name: 'pet',
    origin: [...grid.origin, 0],
    spacing: [...grid.spacing, 1],
    direction,
    size: [...grid.size, frames.length],
    metadata: new Map(),
    data: all,
  } as unknown as Image;
}

const gridJson = (g: Grid3) => ({ size: g.size, spacing: g.spacing, origin: g.origin, direction: Array.from(g.direction) });
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Checks that `dir` can take a phantom (absent, or an empty folder) before any heavy work; resolves to
 * true when it exists (empty). Throws a clear error otherwise.
 *
 * @example
 * await checkPhantomTarget('/tmp/new-phantom'); // false: will be created
 */
export async function checkPhantomTarget(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    if (error.code === 'ENOTDIR') throw new Error('the phantom output path exists and is not a folder');
    throw error;
  });
  if (entries && entries.length > 0) throw new Error('the phantom output folder is not empty; choose a new or empty folder');
  return entries !== null;
}

/**
 * Writes `phantom` into `dir` (created). Written into a sibling temporary folder first and renamed at
 * the end, so an interrupted run never leaves a half phantom under `dir`. `dir` must not exist yet or
 * be empty: a phantom never overwrites anything.
 *
 * @example
 * const written = await writePhantom(generatePhantom({ seed: 3 }), '/tmp/phantom');
 * // npx adni preprocess --mri written.mri --pet written.pet --template-dir written.templateDir --out ...
 */
export async function writePhantom(phantom: Phantom, dir: string): Promise<WrittenPhantom> {
  const target = resolve(dir);
  const existing = await checkPhantomTarget(target);
  const temp = `${target}.partial-${process.pid}`;
  await rm(temp, { recursive: true, force: true });
  try {
    await writeInto(phantom, temp);
    if (existing) await rmdir(target);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return {
    dir: target,
    templateDir: join(target, PHANTOM_LAYOUT.templateDir),
    mri: join(target, PHANTOM_LAYOUT.mri),
    pet: join(target, PHANTOM_LAYOUT.pet),
    groundTruthDir: join(target, 'ground_truth'),
  };
}

async function writeInto(ph: Phantom, dir: string): Promise<void> {
  const L = PHANTOM_LAYOUT;
  const t = ph.template, tg = t.grid;
  const tdir = join(dir, L.templateDir);
  await mkdir(tdir, { recursive: true });
  const T = PHANTOM_TEMPLATE_JSON;
  await writeFile(join(tdir, 'template.json'), json(T));
  await writeFile(join(tdir, T.atlas.lut), `index\tname\n${PHANTOM_REGIONS.map((r) => `${r.index}\t${r.name}`).join('\n')}\n`);
  await writeNifti(image(tg, t.t1, 't1'), join(tdir, T.t1));
  await writeNifti(image(tg, t.brainMask, 'brain_mask'), join(tdir, T.brainMask));
  await writeNifti(image(tg, t.atlas, 'atlas'), join(tdir, T.atlas.labels));
  await writeNifti(image(tg, t.wholeCerebellum, 'ref_whole_cerebellum'), join(tdir, T.referenceRegions.wholeCerebellum));
  await writeNifti(image(tg, t.cerebellarGray, 'ref_cerebellar_gray'), join(tdir, T.referenceRegions.cerebellarGray));
  await writeNifti(image(tg, t.pons, 'ref_pons'), join(tdir, T.referenceRegions.pons));
  await writeNifti(image(tg, t.centiloidTarget, 'centiloid_target'), join(tdir, T.centiloid.target));

  const s = ph.subject, g = s.grid, m = s.mri;
  await writeNifti(image(g, m.mri, 'mri'), join(dir, L.mri));
  const pet = s.pet;
  await writeNifti(pet.frames.length === 1 ? image(pet.grid, pet.frames[0], 'pet') : pet4d(pet.grid, pet.frames), join(dir, L.pet));

  await writeNifti(image(g, m.brainMask, 'brain_mask'), join(dir, L.truth.brainMask));
  await writeNifti(image(g, m.atlas, 'atlas'), join(dir, L.truth.atlas));
  await writeNifti(image(g, m.wholeCerebellum, 'ref_whole_cerebellum'), join(dir, L.truth.wholeCerebellum));
  await writeNifti(image(g, m.cerebellarGray, 'ref_cerebellar_gray'), join(dir, L.truth.cerebellarGray));
  await writeNifti(image(g, m.pons, 'ref_pons'), join(dir, L.truth.pons));
  await writeNifti(image(g, s.biasField, 'bias_field'), join(dir, L.truth.biasField));
  await writeNifti(image(g, m.unbiased, 'mri_unbiased'), join(dir, L.truth.mriUnbiased));

  const tr = ph.truth;
  await writeFile(join(dir, L.truth.regionalSuvr), json({
    description: 'Regional SUVR a perfect pipeline measures: noise-free PET frame 0 through the true pose onto the T1 grid, true atlas regions, true reference regions (ground_truth/ref_*).',
    referenceMeans: tr.referenceMeans,
    regions: tr.regions,
  }));
  const w = tr.warp;
  await writeFile(join(dir, L.truth.transforms), json({
    convention: 'ITK/LPS physical millimetres; matrices row-major',
    subjectToTemplate: {
      formula: 'p_template = center + matrix·(q − center) + translation + d(q); d_axis(q) = amplitudeMm·sin(waveVector·q + phase)',
      center: w.center,
      matrix: w.matrix,
      translation: w.translation,
      rotationDeg: w.rotationDeg,
      scale: w.scale,
      affine4x4: warpAffine4x4(w),
      displacement: w.waves,
    },
    petToSubject: {
      formula: 'q_subject = rotation·p_pet + translation (per frame; frame 0 is the SUVR reference pose)',
      frames: pet.poses.map((p) => ({
        rotation: p.rotation,
        translation: p.translation,
        rotationDeg: p.rotationDeg,
        affine4x4: [...p.rotation.slice(0, 3), p.translation[0], ...p.rotation.slice(3, 6), p.translation[1], ...p.rotation.slice(6, 9), p.translation[2], 0, 0, 0, 1],
      })),
    },
    biasField: { formula: 'b(q) = exp(scale·(linear·u + uᵀ·quadratic·u)), u = (q − center)/100 mm; mri = mri_unbiased·b', ...tr.bias },
    grids: { template: gridJson(tg), subjectT1: gridJson(g), pet: gridJson(pet.grid) },
  }));
  await writeFile(join(dir, L.manifest), json({
    generator: 'adni phantom',
    version: PHANTOM_VERSION,
    seed: ph.seed,
    templateDir: L.templateDir,
    subject: { mri: L.mri, pet: L.pet, petFrames: pet.frames.length },
    groundTruth: L.truth,
  }));
}
