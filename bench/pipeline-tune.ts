/**
 * `npx tsx bench/pipeline-tune.ts [--bundle 1mm|2mm] [--seed N] [--reg '{"bspline":{"iterations":80}}']`:
 * one pipeline run on the 1 mm real-anatomy bench case (default seed 7) with the 2 mm bundle (default)
 * or the 1 mm one (test/pipeline/support/bundle-1mm.ts) and registration overrides (merged per stage
 * into DEFAULT_REGISTRATION), scored against the ground truth. Prints one JSON line: brain Dice, mean
 * AAL3 Dice, median regional SUVR error, total / registration / warp ms and the 1-minute load before and
 * after. For trying settings; `npm run bench:pipeline` is the benchmark of record.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { reg: { type: 'string' }, seed: { type: 'string' }, bundle: { type: 'string' } } });
const { makeRealCase, REAL_BUNDLE } = await import('../test/pipeline/support/real-case.js');
const { preprocess, DEFAULT_REGISTRATION } = await import('../shared/pipeline/preprocess.js');
const { readNifti } = await import('../shared/pipeline/io/index.js');
const { dice, labelDice, median } = await import('../test/pipeline/support/scores.js');
const override = values.reg ? JSON.parse(values.reg) : {};
const registration = Object.fromEntries(Object.entries(override).map(([k, v]) => [k, { ...(DEFAULT_REGISTRATION as never)[k], ...(v as object) }]));
const work = await mkdtemp(path.join(os.tmpdir(), 'adni-tune-'));
const truth = await makeRealCase({ out: path.join(work, 'case'), seed: Number(values.seed ?? 7), t1SpacingMm: 1, pet4d: true, flipPetAxis: true });
const { makeBundle1mm } = await import('../test/pipeline/support/bundle-1mm.js');
const templateDir = values.bundle === '1mm' ? await makeBundle1mm(path.join(work, 'bundle-1mm')) : REAL_BUNDLE;
const load0 = os.loadavg()[0];
const result = await preprocess({ mriPath: truth.t1Path, petPath: truth.petPath, outDir: path.join(work, 'out'), templateDir, registration });
const mask = await readNifti(result.outputs.brain_mask, { expect: 'mask' });
const atlas = await readNifti(result.outputs.atlas_in_t1, { expect: 'labels' });
const errors: number[] = [];
for (const r of result.features.regions) {
  const t = truth.suvr.get(r.index);
  if (t !== undefined && r.suvrMean !== null) errors.push(Math.abs(r.suvrMean / t - 1));
}
const t = result.timingsMs;
console.log(JSON.stringify({ bundle: values.bundle ?? '2mm', reg: override, read: t.read, brainDice: +dice(mask.image.data as Uint8Array, truth.brainMask).toFixed(4), atlasDice: +labelDice(atlas.image.data as ArrayLike<number>, truth.atlas).mean.toFixed(4), suvrErrPct: +(median(errors) * 100).toFixed(2), total: t.total, templateReg: t.templateRegistration, warp: t.warpTemplate, load: [load0, os.loadavg()[0]].map((x) => +x.toFixed(1)) }));
await rm(work, { recursive: true, force: true });
