/**
 * The preprocessing pipeline (issue 3), end to end on one T1 + PET:
 *   read + validate → N4 → template→subject affine + B-spline (worker A) ∥ PET frame averaging +
 *   PET→T1 rigid (worker B) → warp brain mask / atlas / reference regions → refine brain mask →
 *   N4 inside the mask → SUVR → ROI features → QC report + provenance.
 * Every output is on the input T1 grid. Outputs are staged in a hidden sibling folder and renamed into
 * place at the end: a failure leaves nothing behind.
 */
import { realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Image } from 'itk-wasm';
import { ROI_FEATURES_SCHEMA_VERSION, roiFeaturesSchema, type RoiFeatures } from '../domain/roi-features.js';
import { refineBrainMask } from './brain/refine-mask.js';
import { regionFeatures, regionsTsv } from './features/roi-features.js';
import { gridOf, voxelVolumeMm3, type Affine12 } from './image/grid.js';
import { makeImage } from './image/allocate.js';
import { resample } from './image/resample.js';
import { readNifti, writeNifti, PipelineInputError } from './io/index.js';
import { otsuThreshold } from './mask/otsu.js';
import { n4BiasFieldCorrection } from './n4/index.js';
import { writeQcReport } from './qc/report.js';
import { linearMatrix, type ElastixTransform } from './registration/elastix-transform.js';
import { coarseGridFor, coordinateImages, OUTSIDE, sampleThroughPointMap } from './registration/point-map.js';
import { RegistrationWorker } from './registration/registration-worker.js';
import { downsampleForRegistration, type Grid } from './registration/volume.js';
import { stageOutputDir } from './steps/output-dir.js';
import { fileDigest, libraryVersions } from './steps/provenance.js';
import { centiloid, type CentiloidTracer } from './suvr/centiloid.js';
import { computeSuvr, meanInMask } from './suvr/suvr.js';
import { loadTemplateBundle, TemplateBundleError, type ReferenceRegion } from './template-bundle.js';

/** Name and version written into roi_features.json and provenance.json. */
export const PIPELINE = { name: 'adni-preprocess', version: '1.0.0' } as const;

/** Registration knobs (defaults tuned for speed at 2 mm; see docs/BENCHMARKS.md). */
export interface RegistrationSettings {
  /** Grid spacing registrations run at (mm). */
  spacingMm: number;
  affine: { resolutions: number; iterations: number; samples: number };
  bspline: { resolutions: number; iterations: number; samples: number; finalGridSpacingMm: number };
  rigid: { resolutions: number; iterations: number; samples: number };
  /** PET frame realignment (frames of one scan are close: fewer levels; 100 iterations left the 2 mm real case at 1.2 % median SUVR error, 150 at 0.75 %). */
  frames: { resolutions: number; iterations: number; samples: number };
}

/** Defaults of {@link RegistrationSettings}. */
export const DEFAULT_REGISTRATION: RegistrationSettings = {
  spacingMm: 2,
  affine: { resolutions: 3, iterations: 150, samples: 2048 },
  bspline: { resolutions: 3, iterations: 100, samples: 2048, finalGridSpacingMm: 16 },
  // PET→T1 runs beside the (longer) template registration, so its extra accuracy costs no wall time:
  // on the phantom, 100 iterations × 2048 samples left ~0.4 mm of error and ±2 % left/right SUVR bias.
  rigid: { resolutions: 3, iterations: 250, samples: 4096 },
  frames: { resolutions: 2, iterations: 150, samples: 2048 },
};

/** Options of {@link preprocess}. */
export interface PreprocessOptions {
  mriPath: string;
  petPath: string;
  /** Output folder: must not exist or be empty. */
  outDir: string;
  /** Template bundle folder (template.json). */
  templateDir: string;
  /** SUVR reference region (default wholeCerebellum). */
  reference?: ReferenceRegion;
  /** Tracer for Centiloid (needs a bundle with Centiloid VOIs). */
  tracer?: CentiloidTracer;
  patientId?: string;
  sessionDate?: string;
  registration?: Partial<RegistrationSettings>;
  signal?: AbortSignal;
  /** Progress lines (step names), e.g. for a CLI; no patient data. */
  onStep?: (step: string) => void;
}

/** Result of {@link preprocess}. */
export interface PreprocessResult {
  /** Final output folder. */
  outDir: string;
  /** Output files by name (absolute paths). */
  outputs: Record<string, string>;
  /** Wall time per step (ms); overlapping steps each count their own time; `total` is the wall. */
  timingsMs: Record<string, number>;
  /** QC figures (also in qc/index.html and provenance.json). */
  qc: Record<string, number>;
  features: RoiFeatures;
}

/** Output file names (the contract of issue 3). */
export const OUTPUT_FILES = {
  mri_brain: 'mri_brain.nii.gz',
  brain_mask: 'brain_mask.nii.gz',
  pet_suvr: 'pet_suvr.nii.gz',
  atlas_in_t1: 'atlas_in_t1.nii.gz',
  roi_features: 'roi_features.json',
  roi_features_tsv: 'roi_features.tsv',
  qc: 'qc/index.html',
  provenance: 'provenance.json',
} as const;

/**
 * Runs the whole pipeline and writes every output into `outDir` (all on the T1 grid).
 *
 * @example
 * const { outputs, features } = await preprocess({ mriPath: 't1.nii.gz', petPath: 'pet.nii.gz', outDir: 'out', templateDir: 'bundle' });
 * features.global.referenceMean;
 */
export async function preprocess(options: PreprocessOptions): Promise<PreprocessResult> {
  const wall = performance.now();
  const timingsMs: Record<string, number> = {};
  const step = async <T>(name: string, run: () => Promise<T> | T): Promise<T> => {
    options.signal?.throwIfAborted();
    options.onStep?.(name);
    const t0 = performance.now();
    const value = await run();
    timingsMs[name] = Math.round(performance.now() - t0);
    return value;
  };
  const reference = options.reference ?? 'wholeCerebellum';
  const settings: RegistrationSettings = { ...DEFAULT_REGISTRATION, ...options.registration };

  // 1. Validate everything before heavy work (and before creating any output).
  const { t1, pet, bundle } = await step('read', async () => {
    // allSettled: a failed read must not leave the other one running behind the error.
    // Real paths: itk-wasm mounts the file's folder, so a symlink to elsewhere would not resolve.
    const [mriPath, petPath] = await Promise.all([options.mriPath, options.petPath].map((p) => realpath(p).catch(() => p)));
    const [t1s, pets] = await Promise.allSettled([readNifti(mriPath, { expect: 't1', label: 'T1' }), readNifti(petPath, { expect: 'pet', label: 'PET' })]);
    if (t1s.status === 'rejected') throw t1s.reason;
    if (pets.status === 'rejected') throw pets.reason;
    const [t1r, petr] = [t1s.value, pets.value];
    checkRegistrable(t1r.image, 'T1');
    checkRegistrable(petr.image, 'PET');
    const b = await loadTemplateBundle(options.templateDir);
    return { t1: t1r, pet: petr, bundle: b };
  });
  if (options.tracer && !bundle.centiloidTarget) {
    throw new TemplateBundleError(`--tracer ${options.tracer} needs Centiloid VOIs, and the template bundle "${bundle.manifest.name}" has none`);
  }
  const staged = await stageOutputDir(options.outDir);
  const workerA = new RegistrationWorker();
  const workerB = new RegistrationWorker();
  try {
    const t1Image = t1.image;
    const grid = gridOf(t1Image);
    const size = grid.size;

    // 2. N4 on the whole head (Otsu foreground) for registration.
    const n4Head = await step('n4', () => n4BiasFieldCorrection(t1Image));
    const t1Reg = downsampleForRegistration(n4Head.corrected, { targetSpacingMm: settings.spacingMm });

    // A template finer than the registration spacing (e.g. a 1 mm bundle for a 1 mm subject) registers
    // from a block-averaged copy, like the subject: the transform is physical, so the full-resolution
    // atlas and masks are still sampled through it; a 2 mm bundle is used as it is.
    const templateForReg = downsampleForRegistration(bundle.t1, { targetSpacingMm: settings.spacingMm });

    // 3 ∥ 4–5. Template→subject (A) and PET frames + PET→T1 rigid (B), concurrently.
    const templateReg = timed(timingsMs, 'templateRegistration', () =>
      workerA.run('registerAffineBSpline', {
        fixed: t1Reg,
        moving: templateForReg,
        affine: settings.affine,
        bspline: settings.bspline,
      }),
    );
    const petReg = (async () => {
      const frames = await timed(timingsMs, 'petFrames', () => workerB.run('realignAndAverageFrames', { pet: pet.image, map: settings.frames }));
      const rigid = await timed(timingsMs, 'petToT1', () =>
        workerB.run('registerRigid', { fixed: t1Reg, moving: frames.mean, map: settings.rigid }),
      );
      return { frames, rigid };
    })();
    const [deformable, { frames, rigid }] = await Promise.all([templateReg, petReg]);
    options.signal?.throwIfAborted();

    // 3/6/7. Template images onto the T1 grid: transformix maps the template's coordinates onto a
    // ~2 mm copy of the T1 grid (x in A, y and z in B), every image is then sampled in one TS pass.
    const centiloidRef = bundle.manifest.centiloid?.reference ?? 'wholeCerebellum';
    const warped = await step('warpTemplate', async () => {
      const coarse = coarseGridFor(grid, settings.spacingMm);
      const coarseGrid: Grid = { size: [...coarse.grid.size], spacing: [...coarse.grid.spacing], origin: [...coarse.grid.origin], direction: Array.from(coarse.grid.direction) };
      // Coordinates are linear in the voxel index, so the registration copy's grid maps them exactly.
      const coordinates = coordinateImages(gridOf(templateForReg));
      const warpCoordinate = (worker: RegistrationWorker, image: Image) =>
        worker.run('applyTransform', { moving: image, transform: deformable.transform, grid: coarseGrid, interpolation: 'linear', defaultValue: OUTSIDE }).then((r) => r.image.data as Float32Array);
      const map = (await Promise.all([warpCoordinate(workerA, coordinates[0]), warpCoordinate(workerB, coordinates[1]), warpCoordinate(workerB, coordinates[2])])) as [Float32Array, Float32Array, Float32Array];
      const sources: { data: ArrayLike<number>; interpolation: 'linear' | 'nearest' | 'label' }[] = [
        { data: bundle.brainMask.data as ArrayLike<number>, interpolation: 'linear' },
        // On a T1 grid finer than the atlas, label-wise linear interpolation follows boundaries better
        // (1 mm real case: mean AAL3 Dice 0.825 vs 0.811 nearest); on a like grid nearest is better (2 mm: 0.924 vs 0.907).
        // Best of all is an atlas as fine as the subject: a 1 mm bundle for a 1 mm T1 (docs/BENCHMARKS.md).
        { data: bundle.atlas.data as ArrayLike<number>, interpolation: Math.min(...grid.spacing) < 0.75 * Math.min(...gridOf(bundle.t1).spacing) ? 'label' : 'nearest' },
        { data: bundle.referenceRegions[reference].data as ArrayLike<number>, interpolation: 'linear' },
      ];
      if (bundle.centiloidTarget) sources.push({ data: bundle.centiloidTarget.data as ArrayLike<number>, interpolation: 'linear' });
      if (bundle.centiloidTarget && centiloidRef !== reference) sources.push({ data: bundle.referenceRegions[centiloidRef].data as ArrayLike<number>, interpolation: 'linear' });
      const [mask, atlas, ref, ...rest] = sampleThroughPointMap({ map, coarse, fine: grid, template: gridOf(bundle.t1), images: sources });
      return { mask, atlas, ref, gaainTarget: bundle.centiloidTarget ? rest[0] : undefined, gaainRef: bundle.centiloidTarget && centiloidRef !== reference ? rest[1] : undefined };
    });
    const petInT1 = await step('petResample', () => {
      const m = linearMatrix(rigid.transform.parameterObject[0]);
      return resample(frames.mean.data as Float32Array, gridOf(frames.mean), grid, { targetToSource: Float64Array.from(m.slice(0, 12)) as Affine12, interpolation: 'linear' });
    });

    // 3. Brain mask refinement, then N4 again inside it (as sMRIPrep).
    const brain = await step('brainMask', () => refineBrainMask({ probability: warped.mask, t1: n4Head.corrected.data as Float32Array, size, spacing: grid.spacing }));
    const n4Brain = await step('n4Masked', () => n4BiasFieldCorrection(t1Image, { mask: brain.mask }));
    const t1Corrected = n4Brain.corrected.data as Float32Array;
    const mriBrain = new Float32Array(t1Corrected.length);
    for (let i = 0; i < mriBrain.length; i++) mriBrain[i] = brain.mask[i] ? t1Corrected[i] : 0;

    // 6. SUVR.
    const suvrStep = await step('suvr', () => {
      const refMask = binarise(warped.ref);
      const s = computeSuvr({ pet: petInT1, reference: refMask });
      let gaainSuvr: number | undefined;
      if (warped.gaainTarget) {
        const target = binarise(warped.gaainTarget);
        const refForGaain = warped.gaainRef ? binarise(warped.gaainRef) : refMask;
        gaainSuvr = meanInMask(petInT1, target) / meanInMask(petInT1, refForGaain);
        if (!Number.isFinite(gaainSuvr)) gaainSuvr = undefined;
      }
      return { ...s, gaainSuvr, referenceMask: refMask };
    });

    // 7–8. Atlas labels and ROI features.
    const labels = await step('features', () => {
      const max = Math.max(...bundle.lut.keys());
      const out = max <= 32767 ? new Int16Array(warped.atlas.length) : new Int32Array(warped.atlas.length);
      for (let i = 0; i < out.length; i++) out[i] = Math.round(warped.atlas[i]);
      return out;
    });
    const vox = voxelVolumeMm3(grid);
    let maskVoxels = 0;
    for (let i = 0; i < brain.mask.length; i++) maskVoxels += brain.mask[i];
    const csfSplit = otsuThreshold(t1Corrected, { mask: brain.mask });
    let tissueVoxels = 0;
    for (let i = 0; i < brain.mask.length; i++) if (brain.mask[i] && t1Corrected[i] > csfSplit) tissueVoxels++;
    const regions = regionFeatures({ labels, t1: t1Corrected, suvr: suvrStep.suvr, lut: bundle.lut, voxelVolumeMm3: vox });

    const qc = {
      brainMaskVolumeMm3: maskVoxels * vox,
      brainMaskAirVoxelsRemoved: brain.airVoxels,
      brainMaskHolesFilled: brain.filledVoxels,
      n4FieldMin: minMax(n4Brain.biasField.data as Float32Array).min,
      n4FieldMax: minMax(n4Brain.biasField.data as Float32Array).max,
      petFrames: frames.frames,
      petMaxFrameMotionMm: Math.max(...frames.motionMm),
      petToT1TranslationMm: translationOf(rigid.transform),
      referenceVoxels: suvrStep.referenceVoxels,
      atlasRegionsPresent: regions.filter((r) => r.volumeMm3 > 0).length,
    };

    // Outputs.
    const out = staged.path;
    await step('write', async () => {
      await Promise.all([
        writeNifti(makeImage(grid, { data: mriBrain, name: 'mri_brain' }), join(out, OUTPUT_FILES.mri_brain)),
        writeNifti(makeImage(grid, { data: brain.mask, componentType: 'uint8', name: 'brain_mask' }), join(out, OUTPUT_FILES.brain_mask)),
        writeNifti(makeImage(grid, { data: suvrStep.suvr, name: 'pet_suvr' }), join(out, OUTPUT_FILES.pet_suvr)),
        writeNifti(makeImage(grid, { data: labels, componentType: labels instanceof Int16Array ? 'int16' : 'int32', name: 'atlas' }), join(out, OUTPUT_FILES.atlas_in_t1)),
      ]);
      await writeQcReport({
        dir: join(out, 'qc'),
        grid,
        t1: t1Corrected,
        brainMask: brain.mask,
        atlas: labels,
        suvr: suvrStep.suvr,
        biasField: n4Brain.biasField.data as Float32Array,
        figures: Object.fromEntries(Object.entries(qc).map(([k, v]) => [k, Number.isInteger(v) ? v : Number(v.toFixed(4))])),
        title: `Preprocessing QC (${PIPELINE.name} ${PIPELINE.version})`,
      });
    });
    timingsMs.total = Math.round(performance.now() - wall);

    const features: RoiFeatures = roiFeaturesSchema.parse({
      schemaVersion: ROI_FEATURES_SCHEMA_VERSION,
      ...(options.patientId ? { patientId: options.patientId } : {}),
      ...(options.sessionDate ? { sessionDate: options.sessionDate } : {}),
      pipeline: { ...PIPELINE, template: bundle.manifest.name, atlas: bundle.manifest.atlas.name, reference },
      global: {
        icvMm3: maskVoxels * vox,
        brainVolumeMm3: tissueVoxels * vox,
        referenceRegion: reference,
        referenceMean: suvrStep.referenceMean,
        ...(suvrStep.gaainSuvr !== undefined ? { gaainSuvr: suvrStep.gaainSuvr } : {}),
        ...(suvrStep.gaainSuvr !== undefined && options.tracer ? { centiloid: centiloid(suvrStep.gaainSuvr, options.tracer), tracer: options.tracer } : {}),
      },
      regions,
      timingsMs,
    });
    await writeFile(join(out, OUTPUT_FILES.roi_features), `${JSON.stringify(features, null, 2)}\n`);
    await writeFile(join(out, OUTPUT_FILES.roi_features_tsv), regionsTsv(regions));
    const [mriDigest, petDigest] = await Promise.all([fileDigest(options.mriPath), fileDigest(options.petPath)]);
    const provenance = {
      pipeline: PIPELINE,
      inputs: {
        mri: { ...mriDigest, size: t1Image.size, spacing: t1Image.spacing, warnings: t1.info.warnings },
        pet: { ...petDigest, size: pet.image.size, spacing: pet.image.spacing, frames: pet.info.frames, warnings: pet.info.warnings },
      },
      template: { name: bundle.manifest.name, space: bundle.manifest.space, atlas: bundle.manifest.atlas.name, regions: bundle.lut.size },
      parameters: {
        reference,
        tracer: options.tracer ?? null,
        n4: { shrinkFactor: 4, maxIterations: [50, 50, 50, 50], splineDistanceMm: 200, firstPassMask: 'otsu', secondPassMask: 'brain' },
        registration: settings,
        elastixMaps: { templateToSubject: deformable.parameterMaps, petToT1: rigid.parameterMap },
        brainMask: { threshold: 0.5, airFraction: 0.02, largestComponent: true, fillHoles: true },
      },
      qc,
      timingsMs,
      libraries: libraryVersions(),
    };
    await writeFile(join(out, OUTPUT_FILES.provenance), `${JSON.stringify(provenance, null, 2)}\n`);
    options.signal?.throwIfAborted();
    const finalDir = await staged.commit();
    const outputs = Object.fromEntries(Object.entries(OUTPUT_FILES).map(([k, f]) => [k, join(finalDir, f)]));
    return { outDir: finalDir, outputs, timingsMs, qc, features };
  } catch (error) {
    await staged.discard();
    throw error;
  } finally {
    await Promise.all([workerA.close(), workerB.close()]);
  }
}

async function timed<T>(timings: Record<string, number>, name: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const v = await run();
  timings[name] = Math.round(performance.now() - t0);
  return v;
}

/** Registration needs a volume: at least 16 voxels and 48 mm along each axis. */
function checkRegistrable(image: Image, what: string): void {
  for (let a = 0; a < 3; a++) {
    if (image.size[a] < 16 || image.size[a] * image.spacing[a] < 48) {
      throw new PipelineInputError('WRONG_DIMENSIONALITY', `${what}: ${image.size.slice(0, 3).join('×')} voxels of ${image.spacing.slice(0, 3).map((s) => +s.toFixed(2)).join('×')} mm is too small for a brain image (need ≥ 16 voxels and ≥ 48 mm per axis)`, what.toLowerCase());
    }
  }
}

function binarise(p: Float32Array, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] >= threshold ? 1 : 0;
  return out;
}

function minMax(d: Float32Array): { min: number; max: number } {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < d.length; i++) { if (d[i] < min) min = d[i]; if (d[i] > max) max = d[i]; }
  return { min, max };
}

function translationOf(t: ElastixTransform): number {
  const p = (t.parameterObject[0].TransformParameters ?? []).map(Number);
  return Math.hypot(p[3] ?? 0, p[4] ?? 0, p[5] ?? 0);
}
