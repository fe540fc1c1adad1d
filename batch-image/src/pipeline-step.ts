import { copyFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../../shared/ports/observability.js';
import { silentLogger } from '../../shared/ports/observability.js';
import type { RegistrationSettings } from '../../shared/pipeline/preprocess.js';
import { checkNiftiInput, InputValidationError } from './nifti-check.js';

export interface PreprocessingInput {
  /** Local path of the downloaded MRI (`.nii.gz`). */
  mriPath: string;
  /** Local path of the downloaded PET (`.nii.gz`). */
  petPath: string;
  /** Empty folder for the outputs. */
  outDir: string;
  logger?: Logger;
  signal?: AbortSignal;
  /** Environment (default `process.env`): ADNI_PIPELINE, ADNI_TEMPLATE_DIR, ADNI_DATA_DIR, ADNI_SUVR_REFERENCE. */
  env?: NodeJS.ProcessEnv;
  /** Registration overrides (tests on tiny fixtures use fewer iterations). */
  registration?: Partial<RegistrationSettings>;
}

export interface PreprocessingResult {
  /**
   * Output file paths by name, inside `outDir`; each is uploaded as `{outputPrefix}{path relative to outDir}`
   * and named in the job's status (FHIR Task output).
   */
  outputs: Record<string, string>;
  /** Further files inside `outDir` uploaded the same way but not named in the status (the QC montages). */
  attachments?: string[];
}

/** `ADNI_PIPELINE`: `full` (default) runs the preprocessing pipeline; `validate-only` checks and copies. */
export const PIPELINE_MODES = ['full', 'validate-only'] as const;
const REFERENCES = ['wholeCerebellum', 'cerebellarGray', 'pons'] as const;

/**
 * The preprocessing step the batch image runs: the whole pipeline of issue 3 (N4, brain extraction,
 * PET→T1, SUVR, atlas ROI features, QC, provenance; see shared/pipeline/preprocess.ts) on the job's
 * T1 and PET. The template bundle is `ADNI_TEMPLATE_DIR`, else the synthetic phantom bundle generated
 * once under `ADNI_DATA_DIR` (or the temp dir). The outputs uploaded are the pipeline's files at the
 * top level (NIfTI, roi_features.json/.tsv, provenance.json); the qc/ folder stays local.
 *
 * `ADNI_PIPELINE=validate-only` is for plumbing tests of the stack with tiny fixtures that no
 * registration could use: it validates both inputs as gzip NIfTI and copies them through, with a
 * `roi_features.json` that says `"placeholder": true`. It is never the default.
 *
 * @example
 * const { outputs } = await runPreprocessing({ mriPath, petPath, outDir });
 * outputs.mri_brain // '/tmp/job/out/mri_brain.nii.gz'
 */
export async function runPreprocessing(input: PreprocessingInput): Promise<PreprocessingResult> {
  const env = input.env ?? process.env;
  const mode = env.ADNI_PIPELINE || 'full';
  if (!(PIPELINE_MODES as readonly string[]).includes(mode)) {
    throw new InputValidationError(`ADNI_PIPELINE must be one of ${PIPELINE_MODES.join(', ')} (got "${mode}")`);
  }
  const reference = env.ADNI_SUVR_REFERENCE || 'wholeCerebellum';
  if (!(REFERENCES as readonly string[]).includes(reference)) {
    throw new InputValidationError(`ADNI_SUVR_REFERENCE must be one of ${REFERENCES.join(', ')} (got "${reference}")`);
  }
  // Input checks first, in every mode: gzip + header, then the reader's decompression and size limits
  // (one streaming pass, nothing kept), so a wrong upload or a bomb fails before any heavy work.
  const mriFormat = await checkNiftiInput(input.mriPath, 'MRI', 't1');
  const petFormat = await checkNiftiInput(input.petPath, 'PET', 'pet');
  input.signal?.throwIfAborted();
  if (mode === 'validate-only') return validateOnly(input, { mri: mriFormat, pet: petFormat });

  const logger = input.logger ?? silentLogger;
  const [{ preprocess, OUTPUT_FILES }, { resolveTemplateDir }, io, bundle, suvr] = await Promise.all([
    import('../../shared/pipeline/preprocess.js'),
    import('../../shared/pipeline/steps/default-template.js'),
    import('../../shared/pipeline/io/index.js'),
    import('../../shared/pipeline/template-bundle.js'),
    import('../../shared/pipeline/suvr/suvr.js'),
  ]);
  const template = await resolveTemplateDir({ env, dataDir: env.ADNI_DATA_DIR || path.join(tmpdir(), 'adni-data') });
  logger.info('preprocessing started', { template: template.source });
  try {
    const result = await preprocess({
      mriPath: input.mriPath,
      petPath: input.petPath,
      outDir: input.outDir,
      templateDir: template.dir,
      reference: reference as (typeof REFERENCES)[number],
      signal: input.signal,
      registration: input.registration,
    });
    logger.info('preprocessing finished', { timingsMs: result.timingsMs, qc: result.qc });
    const uploaded = ['mri_brain', 'brain_mask', 'pet_suvr', 'atlas_in_t1', 'roi_features', 'roi_features_tsv', 'qc', 'provenance'] as const;
    const outputs = Object.fromEntries(uploaded.map((k) => [k, path.join(result.outDir, OUTPUT_FILES[k])]));
    // The QC page loads its montages by relative path: they travel with it under the same prefix.
    const qcDir = path.dirname(outputs.qc);
    const attachments = (await readdir(qcDir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name))
      .filter((file) => file !== outputs.qc)
      .sort();
    return { outputs, attachments };
  } catch (error) {
    // Problems with the inputs (or the configured template) are the user's to fix: say so plainly.
    if (error instanceof io.PipelineInputError || error instanceof bundle.TemplateBundleError || error instanceof suvr.SuvrError) {
      throw new InputValidationError(error.message.replace(/^T1:/, 'MRI:'));
    }
    throw error;
  }
}

async function validateOnly(input: PreprocessingInput, formats: { mri: string; pet: string }): Promise<PreprocessingResult> {
  const outputs = {
    mri_brain: path.join(input.outDir, 'mri_brain.nii.gz'),
    pet_suvr: path.join(input.outDir, 'pet_suvr.nii.gz'),
    roi_features: path.join(input.outDir, 'roi_features.json'),
  };
  await copyFile(input.mriPath, outputs.mri_brain);
  await copyFile(input.petPath, outputs.pet_suvr);
  const features = {
    placeholder: true,
    note: 'ADNI_PIPELINE=validate-only: the inputs were validated and copied unchanged; no ROI features were computed',
    inputs: formats,
  };
  await writeFile(outputs.roi_features, `${JSON.stringify(features, null, 2)}\n`);
  (input.logger ?? silentLogger).warn('validate-only preprocessing: inputs copied unchanged', formats);
  return { outputs };
}
