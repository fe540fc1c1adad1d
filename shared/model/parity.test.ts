import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleBatch } from './assemble-features.js';
import { DEFAULT_MODEL_DIR } from './model-spec.js';
import type { PatientHistory } from './patient-history.js';
import { createPredictor, type Predictor } from './predictor.js';
import { requestedDevice } from './select-device.js';

/** Exported by model/train.py: histories, the tensors PyTorch built from them, and PyTorch's outputs. */
interface ParityFixture {
  cases: Array<{ history: PatientHistory; static: number[]; sequence: number[][]; length: number; quantiles: number[][][] }>;
  batch: { static: number[][]; sequence: number[][][]; lengths: number[]; quantiles: number[][][][] };
}
const fixture: ParityFixture = JSON.parse(readFileSync(path.join(DEFAULT_MODEL_DIR, 'fixtures', 'parity.json'), 'utf8'));
const TOLERANCE = 1e-4;
// CPU unless PREDICT_DEVICE says otherwise: `PREDICT_DEVICE=cuda npx vitest run shared/model/parity.test.ts` runs
// the same checks on the CUDA execution provider of a GPU host (docs/MODEL.md, "GPU").
const DEVICE = requestedDevice(undefined, { PREDICT_DEVICE: process.env.PREDICT_DEVICE ?? 'cpu' });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>) {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('ONNX model matches PyTorch on the fixtures exported by train.py', () => {
  let predictor: Predictor;
  beforeAll(async () => {
    predictor = await createPredictor({ device: DEVICE });
  });
  afterAll(async () => predictor?.release());

  it('has cases with 1 to several sessions and missing modalities', () => {
    expect(fixture.cases.map((c) => c.length)).toContain(1);
    expect(Math.max(...fixture.cases.map((c) => c.length))).toBeGreaterThanOrEqual(5);
  });

  it.each(fixture.cases.map((c, i) => [i, c.length, c] as const))('case %i (%i sessions): TypeScript assembles the same tensors as train.py', (_i, _n, c) => {
    const batch = assembleBatch([c.history], predictor.spec);
    expect(batch.lengths[0]).toBe(BigInt(c.length));
    expect(maxAbsDiff(batch.static, c.static)).toBeLessThan(1e-5);
    expect(maxAbsDiff(batch.sequence, c.sequence.flat())).toBeLessThan(1e-5);
  });

  it.each(fixture.cases.map((c, i) => [i, c.length, c] as const))('case %i (%i sessions): ONNX output is within 1e-4 of PyTorch', async (_i, _n, c) => {
    const out = await predictor.run({
      batch: 1,
      sessions: c.length,
      static: Float32Array.from(c.static),
      sequence: Float32Array.from(c.sequence.flat()),
      lengths: BigInt64Array.from([BigInt(c.length)]),
    });
    expect(maxAbsDiff(out, c.quantiles.flat(2))).toBeLessThan(TOLERANCE);
  });

  it('a right-padded batch of mixed lengths gives each patient its own output (masking by length)', async () => {
    const b = fixture.batch;
    const out = await predictor.run({
      batch: b.lengths.length,
      sessions: b.sequence[0].length,
      static: Float32Array.from(b.static.flat()),
      sequence: Float32Array.from(b.sequence.flat(2)),
      lengths: BigInt64Array.from(b.lengths.map(BigInt)),
    });
    expect(maxAbsDiff(out, b.quantiles.flat(3))).toBeLessThan(TOLERANCE);
    // The same patients one at a time give the same numbers as in the padded batch.
    expect(maxAbsDiff(out.subarray(0, 45), fixture.cases[0].quantiles.flat(2))).toBeLessThan(TOLERANCE);
  });

  it('predict() from histories reproduces PyTorch end to end', async () => {
    const forecasts = await predictor.predict(fixture.cases.map((c) => c.history));
    forecasts.forEach((f, i) => {
      const expected = fixture.cases[i].quantiles; // [score][horizon][quantile]
      predictor.spec.outputs.horizonsMonths.forEach((months, h) => {
        (['mmse', 'cdr', 'adas'] as const).forEach((score, s) => {
          const got = f.predictions[`${months}_months`][score];
          expect(Math.abs(got.low - expected[s][h][0])).toBeLessThan(TOLERANCE);
          expect(Math.abs(got.value - expected[s][h][1])).toBeLessThan(TOLERANCE);
          expect(Math.abs(got.high - expected[s][h][2])).toBeLessThan(TOLERANCE);
        });
      });
    });
  });
});
