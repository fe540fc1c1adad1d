import { cohortHistories } from '../cohort/cohort-history-source.js';
import type { CohortRow } from '../cohort/simulate-cohort.js';
import type { PatientHistory } from '../patient-history.js';
import type { Predictor, ProgressionForecast } from '../predictor.js';
import { buildExamples } from './examples.js';
import { scoreForecasts, type EvaluationMetrics } from './score-forecasts.js';
import { splitOf, type Split } from './split.js';

export interface EvaluateModelOptions {
  predictor: Pick<Predictor, 'predict' | 'spec'>;
  /** ADNIMERGE-format rows (a regenerated simulated cohort or real data). */
  rows: readonly CohortRow[];
  /** Which patients to score: one part of the train.py split (with `splitSeed`), or `all` for a fresh cohort. */
  split: Split | 'all';
  /** model.json `split.seed`; needed unless `split` is `all`. */
  splitSeed?: number;
  /** Histories per onnxruntime run (default 512). */
  batchSize?: number;
  /** Changes each input history before the model sees it (ablations: drop a modality); baselines are unaffected. */
  modelInput?: (history: PatientHistory) => PatientHistory;
}

export interface EvaluateModelResult {
  patients: number;
  examples: number;
  metrics: EvaluationMetrics;
}

/**
 * Evaluates the ONNX model through the same feature assembly the API uses, against LOCF and a per-patient
 * linear trend on the same examples. No PyTorch needed: this is what `npm run eval:model` and CI run.
 *
 * @example
 * const { metrics } = await evaluateModel({ predictor, rows: simulateCohort({ patients: 2500, seed }), split: 'test', splitSeed: 7 });
 */
export async function evaluateModel(options: EvaluateModelOptions): Promise<EvaluateModelResult> {
  const { predictor, rows, split } = options;
  if (split !== 'all' && options.splitSeed === undefined) throw new Error('evaluateModel: splitSeed is required to select a split');
  const histories = [...cohortHistories(rows).values()].filter((h) => split === 'all' || splitOf(h.patientId, options.splitSeed!) === split);
  const horizonsMonths = predictor.spec.outputs.horizonsMonths;
  const examples = buildExamples(histories, horizonsMonths);
  const batchSize = options.batchSize ?? 512;
  const forecasts: ProgressionForecast[] = [];
  for (let i = 0; i < examples.length; i += batchSize) {
    const input = options.modelInput ?? ((h: PatientHistory) => h);
    forecasts.push(...(await predictor.predict(examples.slice(i, i + batchSize).map((e) => input(e.history)))));
  }
  const ranges = Object.fromEntries(predictor.spec.outputs.scores.map((s) => [s.key, s.range])) as Record<'mmse' | 'cdr' | 'adas', [number, number]>;
  const metrics = scoreForecasts({ examples, forecasts, horizonsMonths, ranges });
  return { patients: histories.length, examples: examples.length, metrics };
}
