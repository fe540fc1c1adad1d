import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateCohort } from '../cohort/simulate-cohort.js';
import { createPredictor, type Predictor } from '../predictor.js';
import { evaluateModel, type EvaluateModelResult } from './evaluate-model.js';
import { beatsBaselines } from './score-forecasts.js';

/**
 * The committed ONNX model, read by onnxruntime-node (no PyTorch), on a cohort it never saw: a fresh
 * simulation with another seed. Small (300 patients) so CI stays fast; `npm run eval:model` scores the full
 * held-out split. Per score the MAE averaged over horizons must beat both baselines.
 */
describe('the committed model on a fresh simulated cohort', () => {
  let predictor: Predictor;
  let result: EvaluateModelResult;
  beforeAll(async () => {
    predictor = await createPredictor({ device: 'cpu' });
    result = await evaluateModel({ predictor, rows: simulateCohort({ patients: 300, seed: 424242 }), split: 'all' });
  });
  afterAll(async () => predictor?.release());

  it('scores hundreds of forecasts', () => {
    expect(result.patients).toBe(300);
    expect(result.examples).toBeGreaterThan(500);
  });

  it.each(['mmse', 'cdr', 'adas'] as const)('%s: mean MAE over horizons beats LOCF and linear trend', (score) => {
    const perHorizon = Object.values(result.metrics[score]);
    const mean = (k: 'model' | 'locf' | 'linear') => perHorizon.reduce((a, m) => a + m.mae[k], 0) / perHorizon.length;
    expect(mean('model')).toBeLessThan(mean('locf'));
    expect(mean('model')).toBeLessThan(mean('linear'));
  });

  it.each(['mmse', 'cdr', 'adas'] as const)('%s: 80 %% intervals cover between 65 %% and 92 %% of outcomes', (score) => {
    const metrics = Object.values(result.metrics[score]);
    const coverage = metrics.reduce((a, m) => a + m.coverage80 * m.n, 0) / metrics.reduce((a, m) => a + m.n, 0);
    expect(coverage).toBeGreaterThan(0.65);
    expect(coverage).toBeLessThan(0.92);
  });

  it('the model.json test metrics (held-out patients, computed by train.py) say it beats both baselines everywhere', () => {
    expect(beatsBaselines(predictor.spec.testMetrics as never)).toBe(true);
  });
});
