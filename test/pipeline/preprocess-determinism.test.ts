import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { preprocess } from '../../shared/pipeline/preprocess.js';
import { FAST_REGISTRATION, writeTinySession, type TinySession } from './support/tiny-session.js';

let work: string;
let session: TinySession;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adni-pp-det-'));
  session = await writeTinySession(join(work, 'session'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('preprocess is deterministic', () => {
  test('is idempotent: two runs on the same inputs give the same roi_features.json (apart from timings) and the same images', async () => {
    // Act
    const run = (name: string) => preprocess({ mriPath: session.mri, petPath: session.pet, outDir: join(work, name), templateDir: session.templateDir, registration: FAST_REGISTRATION });
    const first = await run('a');
    const second = await run('b');
    // Assess
    const features = async (file: string) => {
      const json = JSON.parse(await readFile(file, 'utf8'));
      delete json.timingsMs;
      return json;
    };
    expect(await features(second.outputs.roi_features)).toEqual(await features(first.outputs.roi_features));
    for (const name of ['mri_brain', 'brain_mask', 'pet_suvr', 'atlas_in_t1', 'roi_features_tsv'] as const) {
      expect((await readFile(second.outputs[name])).equals(await readFile(first.outputs[name])), name).toBe(true);
    }
  }, 120_000);
});
