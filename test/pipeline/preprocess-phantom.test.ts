import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { roiFeaturesSchema, type RoiFeatures } from '../../shared/domain/roi-features.js';
import { gridOf, sameGrid } from '../../shared/pipeline/image/grid.js';
import { readNifti } from '../../shared/pipeline/io/index.js';
import { generatePhantom, writePhantom, PHANTOM_LAYOUT, type WrittenPhantom } from '../../shared/pipeline/phantom/index.js';
import { preprocess, OUTPUT_FILES, type PreprocessResult } from '../../shared/pipeline/preprocess.js';
import { dice, labelDice } from './support/scores.js';

// One phantom (known warp, bias, PET pose, uptake), one full pipeline run; every check reads its outputs.
describe('preprocess on the synthetic phantom', () => {
  let work: string;
  let phantom: WrittenPhantom;
  let run: PreprocessResult;

  beforeAll(async () => {
    // Prepare
    work = await mkdtemp(join(tmpdir(), 'adni-pp-phantom-'));
    phantom = await writePhantom(generatePhantom({ seed: 3, petFrames: 2 }), join(work, 'phantom'));
    // Act
    run = await preprocess({ mriPath: phantom.mri, petPath: phantom.pet, outDir: join(work, 'out'), templateDir: phantom.templateDir, tracer: 'pib' });
  }, 300_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  test('writes every output, all images on the input T1 grid', async () => {
    const t1 = await readNifti(phantom.mri, { expect: 't1' });
    for (const name of ['mri_brain', 'brain_mask', 'pet_suvr', 'atlas_in_t1'] as const) {
      const image = await readNifti(run.outputs[name], { expect: 'any3d', allowEmpty: true });
      expect(sameGrid(gridOf(image.image), gridOf(t1.image)), name).toBe(true);
    }
    expect(Object.keys(run.outputs).sort()).toEqual(Object.keys(OUTPUT_FILES).sort());
  });

  test('brain mask Dice ≥ 0.95 against the true mask', async () => {
    const truth = await readNifti(join(phantom.dir, PHANTOM_LAYOUT.truth.brainMask), { expect: 'mask' });
    const mask = await readNifti(run.outputs.brain_mask, { expect: 'mask' });
    expect(dice(mask.image.data as Uint8Array, truth.image.data as ArrayLike<number>)).toBeGreaterThanOrEqual(0.95);
  });

  test('mean atlas Dice ≥ 0.85 against the true labels', async () => {
    const truth = await readNifti(join(phantom.dir, PHANTOM_LAYOUT.truth.atlas), { expect: 'labels' });
    const atlas = await readNifti(run.outputs.atlas_in_t1, { expect: 'labels' });
    expect(labelDice(atlas.image.data as ArrayLike<number>, truth.image.data as ArrayLike<number>).mean).toBeGreaterThanOrEqual(0.85);
  });

  test('every regional SUVR within 3 % of what a perfect pipeline measures', async () => {
    const truth = JSON.parse(await readFile(join(phantom.dir, PHANTOM_LAYOUT.truth.regionalSuvr), 'utf8')) as { regions: { index: number; suvr: { wholeCerebellum: number } }[] };
    const features = run.features;
    const errors = truth.regions.map((t) => {
      const r = features.regions.find((x) => x.index === t.index);
      return Math.abs((r?.suvrMean ?? Number.NaN) / t.suvr.wholeCerebellum - 1);
    });
    expect(errors.length).toBeGreaterThan(5);
    for (const e of errors) expect(e).toBeLessThan(0.03);
  });

  test('roi_features.json matches the versioned schema, the TSV and the returned features', async () => {
    const json = JSON.parse(await readFile(run.outputs.roi_features, 'utf8')) as unknown;
    const features: RoiFeatures = roiFeaturesSchema.parse(json);
    expect(features).toEqual(run.features);
    expect(features.pipeline).toMatchObject({ name: 'adni-preprocess', template: 'adni-phantom-2mm', reference: 'wholeCerebellum' });
    expect(features.global.gaainSuvr).toBeGreaterThan(1);
    expect(features.global.centiloid).toBeCloseTo(93.7 * features.global.gaainSuvr! - 94.6, 6);
    const tsv = (await readFile(run.outputs.roi_features_tsv, 'utf8')).trim().split('\n');
    expect(tsv[0]).toBe('index\tlabel_name\tvolume_mm3\tt1_mean\tsuvr_mean');
    expect(tsv).toHaveLength(features.regions.length + 1);
    expect(tsv[1].split('\t').slice(0, 2)).toEqual([String(features.regions[0].index), features.regions[0].name]);
  });

  test('QC report: index.html shows four PNG montages; provenance has input checksums and timings', async () => {
    const html = await readFile(run.outputs.qc, 'utf8');
    const images = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    expect(images).toEqual(['brain_mask.png', 'atlas.png', 'suvr.png', 'n4_field.png']);
    for (const png of images) {
      const bytes = await readFile(join(run.outDir, 'qc', png));
      expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    }
    const provenance = JSON.parse(await readFile(run.outputs.provenance, 'utf8'));
    expect(provenance.inputs.mri.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(provenance.inputs.pet.frames).toBe(2);
    expect(provenance.libraries['@itk-wasm/elastix']).toMatch(/^\d/);
    expect(provenance.timingsMs.total).toBeGreaterThan(0);
  });
});
