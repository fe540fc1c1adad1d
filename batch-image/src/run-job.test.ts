import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { MemoryLogger, RecordingStatusSink } from '../../test/support/recorders.js';
import { tinyNiftiGz } from '../../test/local/nifti-fixture.js';
import { runJob } from './run-job.js';
import { runPreprocessing } from './pipeline-step.js';

const session = { patientId: 'P1', sessionDate: '2024-01-01' };
const request: PreprocessJobRequest = {
  ...session,
  jobName: 'adni-test-0123456789ab',
  fingerprint: '0123456789abcdef',
  inputBucket: 'local',
  mriKey: rawKey(session, 'mri'),
  petKey: rawKey(session, 'pet'),
  outputBucket: 'local',
  outputPrefix: preprocessedPrefix(session),
};

async function setup(inputs: { mri?: Uint8Array | string; pet?: Uint8Array | string }) {
  const store = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-job-store-')) });
  if (inputs.mri !== undefined) await store.put(request.mriKey, inputs.mri);
  if (inputs.pet !== undefined) await store.put(request.petKey, inputs.pet);
  const tempRoot = await mkdtemp(path.join(tmpdir(), 'adni-job-tmp-'));
  const status = new RecordingStatusSink();
  // Tiny fixtures: the step validates and copies (pipeline-step.test.ts runs the full pipeline).
  const preprocess: Parameters<typeof runJob>[0]['preprocess'] = (input) => runPreprocessing({ ...input, env: { ADNI_PIPELINE: 'validate-only' } });
  const run = (extra: Partial<Parameters<typeof runJob>[0]> = {}) =>
    runJob({ request, inputStore: store, outputStore: store, status, logger: new MemoryLogger(), tempRoot, jobId: 'j1', preprocess, ...extra });
  return { store, status, tempRoot, run };
}

describe('runJob', () => {
  it('uploads the outputs under the output prefix and reports in-progress then completed', async () => {
    // Prepare
    const { store, status, tempRoot, run } = await setup({ mri: tinyNiftiGz({ seed: 1 }), pet: tinyNiftiGz({ seed: 2 }) });
    // Act
    const result = await run();
    // Assess
    expect(result).toEqual({
      ok: true,
      outputs: {
        mri_brain: 'preprocessed/P1/2024-01-01/mri_brain.nii.gz',
        pet_suvr: 'preprocessed/P1/2024-01-01/pet_suvr.nii.gz',
        roi_features: 'preprocessed/P1/2024-01-01/roi_features.json',
      },
    });
    expect(Buffer.from(await store.get('preprocessed/P1/2024-01-01/mri_brain.nii.gz'))).toEqual(tinyNiftiGz({ seed: 1 }));
    expect(JSON.parse(new TextDecoder().decode(await store.get('preprocessed/P1/2024-01-01/roi_features.json')))).toMatchObject({ placeholder: true });
    expect(status.updates.map((u) => u.status)).toEqual(['in-progress', 'completed']);
    expect(status.updates[1]).toMatchObject({ jobId: 'j1', outputs: result.ok ? result.outputs : {} });
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('uploads QC attachments under their relative path before the named outputs', async () => {
    // Prepare
    const { store, status, run } = await setup({ mri: tinyNiftiGz({ seed: 1 }), pet: tinyNiftiGz({ seed: 2 }) });
    const preprocess: Parameters<typeof runJob>[0]['preprocess'] = async ({ outDir }) => {
      await mkdir(path.join(outDir, 'qc'));
      await writeFile(path.join(outDir, 'qc', 'index.html'), '<img src="mask.png">');
      await writeFile(path.join(outDir, 'qc', 'mask.png'), 'png');
      return { outputs: { qc: path.join(outDir, 'qc', 'index.html') }, attachments: [path.join(outDir, 'qc', 'mask.png')] };
    };
    // Act
    const result = await run({ preprocess });
    // Assess
    expect(result).toEqual({ ok: true, outputs: { qc: 'preprocessed/P1/2024-01-01/qc/index.html' } });
    expect((await store.list('preprocessed/P1/2024-01-01/')).map((h) => h.key).sort()).toEqual([
      'preprocessed/P1/2024-01-01/qc/index.html',
      'preprocessed/P1/2024-01-01/qc/mask.png',
    ]);
    expect(status.updates.at(-1)?.outputs).toEqual({ qc: 'preprocessed/P1/2024-01-01/qc/index.html' });
  });

  it.each([
    ['a corrupt MRI', { mri: 'not gzip at all', pet: tinyNiftiGz() }, 'MRI input is not gzip-compressed'],
    ['a PET that is gzip but not NIfTI', { mri: tinyNiftiGz(), pet: new Uint8Array([0x1f, 0x8b, 0, 0]) }, 'PET input is not a valid gzip stream'],
    ['a missing PET', { mri: tinyNiftiGz() }, 'PET input raw/'],
  ])('reports failed with a clear reason for %s, uploads nothing and cleans up', async (_name, inputs, reason) => {
    const { store, status, tempRoot, run } = await setup(inputs);
    const result = await run();
    expect(result.ok).toBe(false);
    expect(status.updates.map((u) => u.status)).toEqual(['in-progress', 'failed']);
    expect(status.updates[1].reason).toContain(reason);
    expect(await store.list('preprocessed/')).toEqual([]);
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('names an unexpected pipeline error without a stack trace', async () => {
    const { status, run } = await setup({ mri: tinyNiftiGz(), pet: tinyNiftiGz() });
    const result = await run({ preprocess: async () => { throw new RangeError('volume too large'); } });
    expect(result).toEqual({ ok: false, reason: 'RangeError: volume too large' });
    expect(status.updates[1].reason).not.toMatch(/\n\s+at /);
  });

  it('stops between steps when aborted and reports failed', async () => {
    const { status, run } = await setup({ mri: tinyNiftiGz(), pet: tinyNiftiGz() });
    const controller = new AbortController();
    controller.abort();
    const result = await run({ signal: controller.signal });
    expect(result).toEqual({ ok: false, reason: 'job was stopped before it finished' });
    expect(status.updates.at(-1)?.status).toBe('failed');
  });
});
