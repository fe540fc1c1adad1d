import type { ProgressionForecast } from '../predictor.js';
import { linearTrend, locf } from './baselines.js';
import { SCORE_FIELDS, type EvalExample, type EvalScore } from './examples.js';

/** MAE of the model's median and both baselines, and how often the 80 % interval held the truth. */
export interface HorizonMetrics {
  n: number;
  mae: { model: number; locf: number; linear: number };
  coverage80: number;
}
/** score → `"12_months"` → metrics; the same shape as `testMetrics` in model.json. */
export type EvaluationMetrics = Record<EvalScore, Record<string, HorizonMetrics>>;

export interface ScoreForecastsOptions {
  examples: readonly EvalExample[];
  /** One forecast per example, same order. */
  forecasts: readonly ProgressionForecast[];
  horizonsMonths: readonly number[];
  /** Valid range per score (model.json outputs.scores[].range), for clipping the linear trend. */
  ranges: Record<EvalScore, readonly [number, number]>;
}

/**
 * Scores forecasts against what was observed, on exactly the targets every method can predict (the score was
 * measured at least once in the history), as train.py's `evaluate` does.
 *
 * @example
 * const metrics = scoreForecasts({ examples, forecasts, horizonsMonths: [6, 12], ranges });
 * metrics.mmse['12_months'].mae.model < metrics.mmse['12_months'].mae.locf;
 */
export function scoreForecasts(options: ScoreForecastsOptions): EvaluationMetrics {
  const { examples, forecasts, horizonsMonths, ranges } = options;
  if (examples.length !== forecasts.length) throw new Error(`scoreForecasts: ${examples.length} examples but ${forecasts.length} forecasts`);
  const metrics = {} as EvaluationMetrics;
  for (const [score, field] of Object.entries(SCORE_FIELDS) as Array<[EvalScore, (typeof SCORE_FIELDS)[EvalScore]]>) {
    metrics[score] = {};
    horizonsMonths.forEach((months, h) => {
      const key = `${months}_months`;
      const sums = { model: 0, locf: 0, linear: 0 };
      let n = 0;
      let covered = 0;
      examples.forEach((example, i) => {
        const y = example.targets[h][score];
        const last = locf(example.history, field);
        if (y === undefined || last === undefined) return;
        const trend = linearTrend(example.history, field, example.targetYears[h]!, ranges[score])!;
        const p = forecasts[i].predictions[key][score];
        sums.model += Math.abs(p.value - y);
        sums.locf += Math.abs(last - y);
        sums.linear += Math.abs(trend - y);
        if (p.low <= y && y <= p.high) covered++;
        n++;
      });
      const mean = (x: number) => (n === 0 ? Number.NaN : round4(x / n));
      metrics[score][key] = { n, mae: { model: mean(sums.model), locf: mean(sums.locf), linear: mean(sums.linear) }, coverage80: mean(covered) };
    });
  }
  return metrics;
}

/**
 * Whether the model's MAE is below both baselines at every score and horizon with data.
 *
 * @example
 * beatsBaselines(metrics); // true
 */
export function beatsBaselines(metrics: EvaluationMetrics): boolean {
  return Object.values(metrics).every((perHorizon) =>
    Object.values(perHorizon).every((m) => m.n === 0 || (m.mae.model < m.mae.locf && m.mae.model < m.mae.linear)),
  );
}

function round4(x: number) {
  return Math.round(x * 1e4) / 1e4;
}
