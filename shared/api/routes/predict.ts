import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { PatientIdSchema } from '../../domain/session-key.js';
import { insufficientDataReason } from '../../model/assemble-features.js';
import type { PatientHistory, PatientHistorySource } from '../../model/patient-history.js';
import { predictionBasis, type PredictionRecord } from '../../model/prediction-record.js';
import type { HorizonPredictions, Predictor } from '../../model/predictor.js';
import { systemClock, silentLogger, type Clock, type Logger } from '../../ports/observability.js';
import { redactId } from '../../util/redact.js';
import { apiError, validationError } from '../errors.js';

/** Optional subset of the model's horizons, in months; the model's own list is checked in the route. */
const HorizonsSchema = z
  .array(z.number().int('horizons must be whole months').positive('horizons must be positive months'))
  .min(1, 'horizons must list at least one horizon')
  .max(16, 'horizons may list at most 16 horizons')
  .optional();
export const PredictRequestSchema = z.strictObject({ patient_id: PatientIdSchema, horizons: HorizonsSchema });
export const MAX_BATCH = 1000;
export const PredictBatchRequestSchema = z.strictObject({
  patient_ids: z.array(PatientIdSchema).min(1, 'patient_ids must list at least one patient').max(MAX_BATCH, `patient_ids may list at most ${MAX_BATCH} patients`),
  horizons: HorizonsSchema,
});

export interface PredictRouteDeps {
  history: PatientHistorySource;
  predictor: Pick<Predictor, 'predict' | 'device' | 'model' | 'spec'>;
  /** Called after each successful prediction (FHIR RiskAssessment write-back). A failure is logged, not returned. */
  onPrediction?: (record: PredictionRecord) => Promise<void> | void;
  logger?: Logger;
  clock?: Clock;
}

type Outcome =
  | { status: 'ok'; history: PatientHistory }
  | { status: 'not_found' }
  | { status: 'insufficient_data'; reason: string };

/**
 * `POST /predict-progression` and `POST /predict-progression/batch`: MMSE, CDR-SB ("cdr") and ADAS13 ("adas")
 * at 6–36 months with 80 % intervals. 400 malformed, 404 unknown patient, 422 not enough data.
 *
 * @example
 * app.route('/', predictRoutes({ history: source, predictor, onPrediction: writeRiskAssessment }));
 * // POST /predict-progression {"patient_id":"P001"} → { patient_id, model, device, predictions, inputs, processing_time_ms }
 */
export function predictRoutes(deps: PredictRouteDeps) {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;

  const load = async (patientId: string): Promise<Outcome> => {
    const history = await deps.history.get(patientId);
    if (!history) return { status: 'not_found' };
    const reason = insufficientDataReason(history);
    return reason ? { status: 'insufficient_data', reason } : { status: 'ok', history };
  };

  const record = async (history: PatientHistory, predictions: HorizonPredictions, inputs: PredictionRecord['inputs']) => {
    if (!deps.onPrediction) return;
    const entry: PredictionRecord = {
      patientId: history.patientId,
      createdAt: clock.now().toISOString(),
      model: deps.predictor.model,
      device: deps.predictor.device,
      predictions,
      inputs,
      basis: predictionBasis(history, deps.predictor.spec),
    };
    try {
      await deps.onPrediction(entry);
    } catch (error) {
      // The clinician still gets the prediction; the write-back failure is for operators to see.
      logger.error('prediction write-back failed', { patient: redactId(history.patientId), error: error instanceof Error ? error.message : String(error) });
    }
  };

  const body = async (c: Context) => c.req.json().catch(() => undefined);
  const known = deps.predictor.spec.outputs.horizonsMonths;
  /** The asked horizons the model lacks, as a 400 message; undefined when all are known. */
  const unknownHorizons = (asked: number[] | undefined) => {
    const bad = (asked ?? []).filter((h) => !known.includes(h));
    return bad.length === 0 ? undefined : `horizons: ${bad.join(', ')} not among the model's horizons (${known.join(', ')} months)`;
  };

  return new Hono()
    .post('/predict-progression', async (c) => {
      const started = performance.now();
      const json = await body(c);
      if (json === undefined) return apiError(c, 400, 'invalid_json', 'request body must be JSON');
      const parsed = PredictRequestSchema.safeParse(json);
      if (!parsed.success) return validationError(c, parsed.error);
      const badHorizons = unknownHorizons(parsed.data.horizons);
      if (badHorizons) return apiError(c, 400, 'invalid_request', badHorizons);
      const patientId = parsed.data.patient_id;
      const outcome = await load(patientId);
      if (outcome.status === 'not_found') return apiError(c, 404, 'patient_not_found', 'no patient with this id');
      if (outcome.status === 'insufficient_data') return apiError(c, 422, 'insufficient_data', `cannot predict: ${outcome.reason}`);
      const [forecast] = await deps.predictor.predict([outcome.history]);
      const predictions = rounded(forecast.predictions, parsed.data.horizons);
      await record(outcome.history, predictions, forecast.inputs);
      const ms = performance.now() - started;
      logger.info('prediction', { patient: redactId(patientId), device: deps.predictor.device, sessions: forecast.inputs.sessions, ms: round(ms) });
      return c.json({
        patient_id: patientId,
        model: deps.predictor.model,
        device: deps.predictor.device,
        predictions,
        inputs: forecast.inputs,
        processing_time_ms: round(ms),
      });
    })
    .post('/predict-progression/batch', async (c) => {
      const started = performance.now();
      const json = await body(c);
      if (json === undefined) return apiError(c, 400, 'invalid_json', 'request body must be JSON');
      const parsed = PredictBatchRequestSchema.safeParse(json);
      if (!parsed.success) return validationError(c, parsed.error);
      const badHorizons = unknownHorizons(parsed.data.horizons);
      if (badHorizons) return apiError(c, 400, 'invalid_request', badHorizons);
      const horizons = parsed.data.horizons;
      const ids = [...new Set(parsed.data.patient_ids)];
      const outcomes = new Map(await Promise.all(ids.map(async (id) => [id, await load(id)] as const)));
      const ready = ids.filter((id) => outcomes.get(id)!.status === 'ok');
      const histories = ready.map((id) => (outcomes.get(id) as { history: PatientHistory }).history);
      const forecasts = await deps.predictor.predict(histories);
      const byId = new Map(ready.map((id, i) => [id, forecasts[i]]));
      await Promise.all(ready.map((id, i) => record(histories[i], rounded(forecasts[i].predictions, horizons), forecasts[i].inputs)));
      const results = parsed.data.patient_ids.map((id) => {
        const outcome = outcomes.get(id)!;
        if (outcome.status === 'not_found') return { patient_id: id, status: 404, error: { code: 'patient_not_found', message: 'no patient with this id' } };
        if (outcome.status === 'insufficient_data') return { patient_id: id, status: 422, error: { code: 'insufficient_data', message: `cannot predict: ${outcome.reason}` } };
        const forecast = byId.get(id)!;
        return { patient_id: id, status: 200, predictions: rounded(forecast.predictions, horizons), inputs: forecast.inputs };
      });
      const ms = performance.now() - started;
      logger.info('batch prediction', { patients: ids.length, predicted: ready.length, device: deps.predictor.device, ms: round(ms) });
      return c.json({ model: deps.predictor.model, device: deps.predictor.device, results, processing_time_ms: round(ms) });
    });
}

function round(x: number) {
  return Math.round(x * 100) / 100;
}

/** Predictions rounded to 0.01 points, only the asked horizons (all when none were asked). */
function rounded(predictions: HorizonPredictions, horizons?: number[]): HorizonPredictions {
  const out: HorizonPredictions = {};
  for (const [horizon, scores] of Object.entries(predictions)) {
    if (horizons && !horizons.includes(Number.parseInt(horizon, 10))) continue;
    out[horizon] = Object.fromEntries(
      Object.entries(scores).map(([k, v]) => [k, { value: round(v.value), low: round(v.low), high: round(v.high) }]),
    ) as HorizonPredictions[string];
  }
  return out;
}
