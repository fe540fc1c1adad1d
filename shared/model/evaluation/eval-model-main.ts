/**
 * `npm run eval:model`: re-evaluates the committed ONNX model in Node (no PyTorch) on the held-out test
 * patients of the cohort it was trained on, regenerated from model.json (patients, cohort seed, split seed),
 * against LOCF and per-patient linear trend. Exits 1 when the model does not beat both everywhere.
 *
 *   npm run eval:model                                  # the recorded test split
 *   npm run eval:model -- --patients 1000 --cohort-seed 99 --split all   # a fresh simulated cohort
 *   npm run eval:model -- --adnimerge ADNIMERGE.csv --split all          # real data, if you have it
 *   npm run eval:model -- --json out.json
 *   npm run eval:model -- --drop imaging                # ablation: the model without MRI and PET (masks only)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseCohortCsv } from '../cohort/cohort-csv.js';
import { simulateCohort } from '../cohort/simulate-cohort.js';
import type { PatientHistory } from '../patient-history.js';
import { createPredictor } from '../predictor.js';
import { evaluateModel } from './evaluate-model.js';
import { metricsTable } from './format-metrics.js';
import { beatsBaselines, type EvaluationMetrics } from './score-forecasts.js';

const ArgsSchema = z.object({
  patients: z.coerce.number().int().min(1).max(1_000_000).optional(),
  'cohort-seed': z.coerce.number().int().min(0).optional(),
  split: z.enum(['train', 'val', 'test', 'all']).default('test'),
  adnimerge: z.string().min(1).optional(),
  json: z.string().min(1).optional(),
  'model-dir': z.string().min(1).optional(),
  drop: z.enum(['imaging', 'amyloid', 'mri']).optional(),
});

/** Ablations: the model's input without a modality, as a session without that scan would reach it. */
const DROPS: Record<'imaging' | 'amyloid' | 'mri', (h: PatientHistory) => PatientHistory> = {
  imaging: (h) => ({ ...h, sessions: h.sessions.map(({ imaging: _i, roi: _r, ...s }) => s) }),
  amyloid: (h) => ({ ...h, sessions: h.sessions.map((s) => ({ ...s, imaging: { ...s.imaging, amyloidSuvr: undefined } })) }),
  mri: (h) => ({ ...h, sessions: h.sessions.map((s) => ({ ...s, imaging: s.imaging?.amyloidSuvr === undefined ? {} : { amyloidSuvr: s.imaging.amyloidSuvr } })) }),
};

async function main() {
  const { values } = parseArgs({
    options: { drop: { type: 'string' }, patients: { type: 'string' }, 'cohort-seed': { type: 'string' }, split: { type: 'string' }, adnimerge: { type: 'string' }, json: { type: 'string' }, 'model-dir': { type: 'string' } },
  });
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  const args = parsed.data;
  const predictor = await createPredictor({ device: 'cpu', modelDir: args['model-dir'], threads: 2 });
  const training = predictor.spec.trainingData as { source: string; patients?: number; cohortSeed?: number };
  const split = predictor.spec.split;
  const patients = args.patients ?? training.patients;
  const cohortSeed = args['cohort-seed'] ?? training.cohortSeed;
  let rows;
  let data: string;
  if (args.adnimerge) {
    rows = parseCohortCsv(await readFile(args.adnimerge, 'utf8'));
    data = `ADNIMERGE-format file ${args.adnimerge}`;
  } else {
    if (patients === undefined || cohortSeed === undefined) throw new Error('model.json does not record the simulated cohort; pass --patients and --cohort-seed');
    rows = simulateCohort({ patients, seed: cohortSeed });
    data = `SIMULATED cohort (adni cohort --patients ${patients} --seed ${cohortSeed})`;
  }
  const started = performance.now();
  const result = await evaluateModel({ predictor, rows, split: args.split, splitSeed: split?.seed, ...(args.drop ? { modelInput: DROPS[args.drop] } : {}) });
  const seconds = (performance.now() - started) / 1000;
  const beats = beatsBaselines(result.metrics);
  if (args.drop) console.log(`ablation: the model's input without ${args.drop} (baselines unchanged)`);
  console.log(`${data}, split ${args.split}: ${result.patients} patients, ${result.examples} forecasts, ${seconds.toFixed(1)} s (onnxruntime-node, ${predictor.device})\n`);
  console.log(metricsTable(result.metrics));
  const recorded = predictor.spec.testMetrics as EvaluationMetrics | undefined;
  if (recorded && args.split === 'test' && !args.drop && !args.adnimerge && args.patients === undefined && args['cohort-seed'] === undefined) {
    console.log(`\nlargest difference from train.py's PyTorch test MAE in model.json: ${maxMaeDifference(result.metrics, recorded).toExponential(2)}`);
  }
  console.log(`\nmodel beats LOCF and linear trend at every score and horizon: ${beats}`);
  if (args.json) await writeFile(args.json, `${JSON.stringify({ data, split: args.split, drop: args.drop ?? null, ...result, beatsBaselines: beats, seconds }, null, 2)}\n`);
  await predictor.release();
  process.exitCode = beats ? 0 : 1;
}

function maxMaeDifference(a: EvaluationMetrics, b: EvaluationMetrics): number {
  let max = 0;
  for (const [score, perHorizon] of Object.entries(a)) {
    for (const [horizon, m] of Object.entries(perHorizon)) {
      const other = b[score as keyof EvaluationMetrics]?.[horizon];
      if (other) max = Math.max(max, Math.abs(m.mae.model - other.mae.model), Math.abs(m.mae.locf - other.mae.locf), Math.abs(m.mae.linear - other.mae.linear));
    }
  }
  return max;
}

main().catch((error: unknown) => {
  console.error(`eval:model: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
