/**
 * N4 on files: read and validate a T1 (and optional mask on the same grid), correct it, write the
 * corrected image (and optionally the field) atomically. What `adni n4` runs.
 */
import { resolve } from 'node:path';
import { gridOf, sameGrid } from '../image/grid.js';
import { readNifti } from '../io/read-nifti.js';
import { writeNifti } from '../io/write-nifti.js';
import { n4BiasFieldCorrection, type N4Options } from './n4.js';

/** Options of {@link correctBiasFieldFile}. */
export interface CorrectFileOptions {
  input: string;
  output: string;
  /** Mask image (non-zero = used for the fit), on the input's grid. */
  mask?: string;
  /** Where to write the multiplicative field (optional). */
  field?: string;
  n4?: Omit<N4Options, 'mask'>;
}

/** What {@link correctBiasFieldFile} did. */
export interface CorrectFileResult {
  size: number[];
  iterations: number[];
  fitVoxels: number;
  /** Wall time of the N4 computation itself (no I/O), ms. */
  n4Ms: number;
}

/**
 * Reads `input` (3-D), runs N4 and writes `output`. Input problems throw PipelineInputError before any
 * work; nothing is written unless everything succeeded.
 *
 * @example
 * await correctBiasFieldFile({ input: 't1.nii.gz', output: 't1_n4.nii.gz', mask: 'brain.nii.gz' });
 */
export async function correctBiasFieldFile(o: CorrectFileOptions): Promise<CorrectFileResult> {
  const outputs = [o.output, o.field].filter((p): p is string => !!p).map((p) => resolve(p));
  if (outputs.some((p) => p === resolve(o.input) || (o.mask && p === resolve(o.mask)))) throw new Error('an output path is the same as an input; choose another --out');
  if (o.field && resolve(o.field) === resolve(o.output)) throw new Error('--field and --out name the same file');
  const { image } = await readNifti(o.input, { expect: 't1', label: 'input image' });
  let mask: ArrayLike<number> | undefined;
  if (o.mask) {
    const m = await readNifti(o.mask, { expect: 'mask', label: 'mask' });
    if (!sameGrid(gridOf(m.image), gridOf(image))) throw new Error('the mask is not on the input image grid (size, spacing, origin and direction must match)');
    mask = m.image.data as ArrayLike<number>;
  }
  const started = performance.now();
  const result = n4BiasFieldCorrection(image, { ...o.n4, mask });
  const n4Ms = performance.now() - started;
  await writeNifti(result.corrected, o.output);
  if (o.field) await writeNifti(result.biasField, o.field);
  return { size: [...image.size], iterations: result.iterations, fitVoxels: result.fitVoxels, n4Ms };
}
