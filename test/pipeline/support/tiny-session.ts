/**
 * A tiny, fast synthetic session for failure-path tests: an ellipsoid "head" (scalp shell, brain,
 * cerebellum blob) as T1 and PET, and a matching template bundle, all 32³ voxels of 3 mm. Enough for
 * every pipeline step to run in seconds; not an accuracy fixture.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeNifti1 } from '../../../shared/pipeline/io/encode-nifti.js';
import type { RegistrationSettings } from '../../../shared/pipeline/preprocess.js';

/** Few iterations and samples: the tiny session tests paths and contracts, not accuracy. */
export const FAST_REGISTRATION: Partial<RegistrationSettings> = {
  affine: { resolutions: 2, iterations: 30, samples: 800 },
  bspline: { resolutions: 1, iterations: 15, samples: 800, finalGridSpacingMm: 32 },
  rigid: { resolutions: 2, iterations: 30, samples: 800 },
  frames: { resolutions: 1, iterations: 20, samples: 800 },
};

const N = 32;
const SP = 3;

/** Options of {@link writeTinySession}. */
export interface TinySessionOptions {
  /** Leave the Centiloid VOIs out of template.json. */
  withoutCentiloid?: boolean;
  /** Shift of the subject head (mm) relative to the template. */
  shiftMm?: [number, number, number];
}

/** Paths written by {@link writeTinySession}. */
export interface TinySession {
  mri: string;
  pet: string;
  templateDir: string;
}

function volume(fn: (x: number, y: number, z: number) => number): Float32Array {
  const out = new Float32Array(N * N * N);
  let i = 0;
  for (let k = 0; k < N; k++) for (let j = 0; j < N; j++) for (let l = 0; l < N; l++, i++) {
    out[i] = fn((l - N / 2) * SP, (j - N / 2) * SP, (k - N / 2) * SP);
  }
  return out;
}

/** A gzipped NIfTI-1 float32 volume of the tiny grid. */
export function tinyNifti(data: Float32Array | Uint8Array, datatype: 16 | 2 = 16): Buffer {
  const half = (N / 2) * SP;
  return gzipSync(encodeNifti1({
    size: [N, N, N],
    datatype,
    data,
    spacing: [SP, SP, SP, 1],
    sform: { code: 2, rows: [[SP, 0, 0, -half], [0, SP, 0, -half], [0, 0, SP, -half]] },
    qform: { code: 0, quatern: [0, 0, 0], offset: [0, 0, 0] },
  }));
}

const r2 = (x: number, y: number, z: number, a: number, b: number, c: number) => (x / a) ** 2 + (y / b) ** 2 + (z / c) ** 2;

/**
 * Writes mri.nii.gz, pet.nii.gz and template/ into `dir`.
 *
 * @example
 * const s = await writeTinySession(dir);
 * await preprocess({ mriPath: s.mri, petPath: s.pet, templateDir: s.templateDir, outDir });
 */
export async function writeTinySession(dir: string, options: TinySessionOptions = {}): Promise<TinySession> {
  const [sx, sy, sz] = options.shiftMm ?? [3, -4, 2];
  const head = (x: number, y: number, z: number) => {
    const h = r2(x, y, z, 40, 44, 38);
    if (h > 1) return 0;
    if (h > 0.75) return 300; // scalp and skull
    return r2(x, y + 20, z + 20, 14, 10, 8) <= 1 ? 700 : 900 - 200 * r2(x, y, z, 30, 34, 28);
  };
  const uptake = (x: number, y: number, z: number) => {
    const h = r2(x, y, z, 40, 44, 38);
    if (h > 1) return 0;
    if (h > 0.75) return 100;
    return r2(x, y + 20, z + 20, 14, 10, 8) <= 1 ? 1000 : 1500;
  };
  const tdir = join(dir, 'template');
  await mkdir(tdir, { recursive: true });
  const mri = join(dir, 'mri.nii.gz');
  const pet = join(dir, 'pet.nii.gz');
  await writeFile(mri, tinyNifti(volume((x, y, z) => head(x - sx, y - sy, z - sz))));
  await writeFile(pet, tinyNifti(volume((x, y, z) => uptake(x - sx, y - sy, z - sz))));
  const mask = (fn: (x: number, y: number, z: number) => boolean) => Uint8Array.from(volume((x, y, z) => (fn(x, y, z) ? 1 : 0)));
  await writeFile(join(tdir, 't1.nii.gz'), tinyNifti(volume(head)));
  await writeFile(join(tdir, 'brain.nii.gz'), tinyNifti(mask((x, y, z) => r2(x, y, z, 40, 44, 38) <= 0.75), 2));
  await writeFile(join(tdir, 'atlas.nii.gz'), tinyNifti(mask((x, y, z) => r2(x, y, z, 40, 44, 38) <= 0.75).map((v, i) => (v ? 1 + (i % N < N / 2 ? 0 : 1) : 0)), 2));
  await writeFile(join(tdir, 'cb.nii.gz'), tinyNifti(mask((x, y, z) => r2(x, y + 20, z + 20, 14, 10, 8) <= 1), 2));
  await writeFile(join(tdir, 'atlas.tsv'), 'index\tname\n1\tRight_half\n2\tLeft_half\n');
  const manifest = {
    name: 'tiny-test-bundle',
    t1: 't1.nii.gz',
    brainMask: 'brain.nii.gz',
    atlas: { name: 'halves', labels: 'atlas.nii.gz', lut: 'atlas.tsv' },
    referenceRegions: { wholeCerebellum: 'cb.nii.gz', cerebellarGray: 'cb.nii.gz', pons: 'cb.nii.gz' },
    ...(options.withoutCentiloid ? {} : { centiloid: { target: 'brain.nii.gz', reference: 'wholeCerebellum' } }),
  };
  await writeFile(join(tdir, 'template.json'), JSON.stringify(manifest, null, 2));
  return { mri, pet, templateDir: tdir };
}
