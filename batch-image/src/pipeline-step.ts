import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../shared/ports/observability.js';
import { silentLogger } from '../../shared/ports/observability.js';
import { assertGzipNifti } from './nifti-check.js';

export interface PreprocessingInput {
  /** Local path of the downloaded MRI (`.nii.gz`). */
  mriPath: string;
  /** Local path of the downloaded PET (`.nii.gz`). */
  petPath: string;
  /** Empty folder for the outputs. */
  outDir: string;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface PreprocessingResult {
  /** Output file paths by name; each is uploaded as `{outputPrefix}{file name}`. */
  outputs: Record<string, string>;
}

/**
 * The preprocessing step the batch image runs.
 *
 * PLACEHOLDER (issue 2): validates that both inputs are gzip NIfTI and passes them through unchanged
 * as `mri_brain.nii.gz` / `pet_suvr.nii.gz`, with a `roi_features.json` that says `"placeholder": true`.
 * The real pipeline (skull strip, registration, SUVR, atlas ROI features) replaces this body.
 *
 * @example
 * const { outputs } = await runPreprocessing({ mriPath, petPath, outDir });
 * outputs.mri_brain // '/tmp/job/out/mri_brain.nii.gz'
 */
export async function runPreprocessing(input: PreprocessingInput): Promise<PreprocessingResult> {
  const logger = input.logger ?? silentLogger;
  const mriFormat = await assertGzipNifti(input.mriPath, 'MRI');
  const petFormat = await assertGzipNifti(input.petPath, 'PET');
  input.signal?.throwIfAborted();
  const outputs = {
    mri_brain: path.join(input.outDir, 'mri_brain.nii.gz'),
    pet_suvr: path.join(input.outDir, 'pet_suvr.nii.gz'),
    roi_features: path.join(input.outDir, 'roi_features.json'),
  };
  await copyFile(input.mriPath, outputs.mri_brain);
  await copyFile(input.petPath, outputs.pet_suvr);
  const features = {
    placeholder: true,
    note: 'pass-through placeholder: the inputs were validated and copied unchanged; no ROI features were computed',
    inputs: { mri: mriFormat, pet: petFormat },
  };
  await writeFile(outputs.roi_features, `${JSON.stringify(features, null, 2)}\n`);
  logger.warn('placeholder preprocessing: inputs copied unchanged', { mri: mriFormat, pet: petFormat });
  return { outputs };
}
