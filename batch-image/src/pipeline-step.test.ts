import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { roiFeaturesSchema } from '../../shared/domain/roi-features.js';
import { tinyNiftiGz } from '../../test/local/nifti-fixture.js';
import { FAST_REGISTRATION, writeTinySession, type TinySession } from '../../test/pipeline/support/tiny-session.js';
import { writeFile } from 'node:fs/promises';
import { runPreprocessing } from './pipeline-step.js';

let work: string;
let session: TinySession;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'adni-step-'));
  session = await writeTinySession(path.join(work, 'session'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function emptyOut(): Promise<string> {
  const out = path.join(work, `out-${n++}`);
  await mkdir(out);
  return out;
}

describe('runPreprocessing (batch image step)', () => {
  test('runs the full pipeline with the template from ADNI_TEMPLATE_DIR and returns the uploadable outputs', async () => {
    // Prepare
    const outDir = await emptyOut();
    // Act
    const { outputs, attachments } = await runPreprocessing({ mriPath: session.mri, petPath: session.pet, outDir, env: { ADNI_TEMPLATE_DIR: session.templateDir }, registration: FAST_REGISTRATION });
    // Assess
    expect(Object.keys(outputs)).toEqual(['mri_brain', 'brain_mask', 'pet_suvr', 'atlas_in_t1', 'roi_features', 'roi_features_tsv', 'qc', 'provenance']);
    for (const [name, file] of Object.entries(outputs)) expect(path.dirname(file)).toBe(name === 'qc' ? path.join(outDir, 'qc') : outDir);
    // The QC page's montages go with it, and every image it links to is among them.
    expect(attachments!.length).toBeGreaterThan(0);
    for (const file of attachments!) expect(path.dirname(file)).toBe(path.join(outDir, 'qc'));
    const linked = [...(await readFile(outputs.qc, 'utf8')).matchAll(/src="([^"]+\.png)"/g)].map((m) => m[1]);
    expect(linked.length).toBeGreaterThan(0);
    for (const src of linked) expect(attachments).toContain(path.join(outDir, 'qc', src));
    const features = roiFeaturesSchema.parse(JSON.parse(await readFile(outputs.roi_features, 'utf8')));
    expect(features.pipeline.template).toBe('tiny-test-bundle');
    expect(features.regions.map((r) => r.name)).toEqual(['Right_half', 'Left_half']);
  }, 120_000);

  test('a 4×4×4 upload is refused as an input problem in full mode, leaving the output folder empty', async () => {
    const dir = await emptyOut();
    const mri = path.join(dir, '..', `tiny-${n}.nii.gz`);
    await writeFile(mri, tinyNiftiGz({ seed: 1 }));
    const run = runPreprocessing({ mriPath: mri, petPath: session.pet, outDir: dir, env: { ADNI_TEMPLATE_DIR: session.templateDir } });
    await expect(run).rejects.toMatchObject({ name: 'InputValidationError', message: expect.stringMatching(/^MRI: 4×4×4 voxels .* too small for a brain image/) });
    expect(await readdir(dir)).toEqual([]);
  });

  test.each([
    ['ADNI_PIPELINE', { ADNI_PIPELINE: 'fast' }, 'ADNI_PIPELINE must be one of full, validate-only (got "fast")'],
    ['ADNI_SUVR_REFERENCE', { ADNI_SUVR_REFERENCE: 'liver' }, 'ADNI_SUVR_REFERENCE must be one of wholeCerebellum, cerebellarGray, pons (got "liver")'],
  ])('refuses an unknown %s', async (_name, env, message) => {
    const outDir = await emptyOut();
    await expect(runPreprocessing({ mriPath: session.mri, petPath: session.pet, outDir, env })).rejects.toThrow(message);
  });

  test('validate-only copies the inputs through with a placeholder roi_features.json', async () => {
    const outDir = await emptyOut();
    const { outputs } = await runPreprocessing({ mriPath: session.mri, petPath: session.pet, outDir, env: { ADNI_PIPELINE: 'validate-only' } });
    expect(await readFile(outputs.mri_brain)).toEqual(await readFile(session.mri));
    expect(JSON.parse(await readFile(outputs.roi_features, 'utf8'))).toMatchObject({ placeholder: true });
  });
});
