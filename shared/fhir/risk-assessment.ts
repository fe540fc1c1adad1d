import type { Patient, RiskAssessment, RiskAssessmentPrediction } from '@medplum/fhirtypes';
import type { PredictionRecord } from '../model/prediction-record.js';
import type { ScoreKey } from '../model/predictor.js';
import { MEASURES, PROJECT_FHIR_BASE, SYSTEMS } from './codes.js';
import { identifierQuery, type FhirStore } from './store.js';

/** RiskAssessment.identifier system: `{patient_id}/{createdAt}/{model name}@{version}`, one per prediction. */
export const PREDICTION_ID_SYSTEM = `${PROJECT_FHIR_BASE}/sid/prediction-id`;
/** RiskAssessment.prediction extensions: the median forecast and its 80 % interval (10th–90th percentile). */
export const PREDICTION_EXTENSIONS = {
  predictedValue: `${PROJECT_FHIR_BASE}/StructureDefinition/predicted-value`,
  predictionInterval80: `${PROJECT_FHIR_BASE}/StructureDefinition/prediction-interval-80`,
} as const;

/** The model's score keys as the Observations that hold them are coded. */
const SCORE_MEASURE = { mmse: MEASURES.mmse, cdr: MEASURES.cdrsb, adas: MEASURES.adas13 } as const satisfies Record<ScoreKey, unknown>;

/**
 * One prediction as a FHIR RiskAssessment: one `prediction` entry per score and horizon (outcome = the
 * score's code, `whenRange` = months after the last session, the median and the 80 % interval as
 * extensions: FHIR's own fields hold probabilities, not predicted scores), `basis` = the Observations and
 * ImagingStudies used, `method` = the model, and a note saying what it was trained on.
 *
 * @example
 * const risk = riskAssessmentFromPrediction(record, { reference: 'Patient/123' });
 * risk.prediction?.length; // 5 horizons × 3 scores = 15
 */
export function riskAssessmentFromPrediction(record: PredictionRecord, subject: { reference: string }): RiskAssessment {
  const prediction: RiskAssessmentPrediction[] = [];
  for (const [horizon, scores] of Object.entries(record.predictions)) {
    const months = Number.parseInt(horizon, 10);
    for (const [key, interval] of Object.entries(scores) as Array<[ScoreKey, { value: number; low: number; high: number }]>) {
      const measure = SCORE_MEASURE[key];
      prediction.push({
        outcome: { coding: [{ system: measure.system, code: measure.code, display: measure.display }], text: `${measure.display} at ${months} months` },
        whenRange: { low: { value: months, unit: 'months', system: SYSTEMS.ucum, code: 'mo' }, high: { value: months, unit: 'months', system: SYSTEMS.ucum, code: 'mo' } },
        extension: [
          { url: PREDICTION_EXTENSIONS.predictedValue, valueDecimal: interval.value },
          { url: PREDICTION_EXTENSIONS.predictionInterval80, valueRange: { low: { value: interval.low }, high: { value: interval.high } } },
        ],
      });
    }
  }
  const basis = [...new Set(record.basis.sessions.flatMap((s) => s.references))].map((reference) => ({ reference }));
  return {
    resourceType: 'RiskAssessment',
    identifier: [{ system: PREDICTION_ID_SYSTEM, value: predictionIdentifier(record) }],
    status: 'final',
    subject,
    occurrenceDateTime: record.createdAt,
    method: { coding: [{ system: SYSTEMS.codes, code: `model:${record.model.name}`, display: `${record.model.name} ${record.model.version}` }], text: `${record.model.name} ${record.model.version} (${record.device})` },
    ...(basis.length ? { basis } : {}),
    prediction,
    note: [{ text: `Trained on ${record.model.trainedOn} data. ${record.model.statement}`.trim() }],
  };
}

/** `{patient_id}/{createdAt}/{model}@{version}`: the same record written twice is one resource. */
export function predictionIdentifier(record: PredictionRecord): string {
  return `${record.patientId}/${record.createdAt}/${record.model.name}@${record.model.version}`;
}

/**
 * The prediction route's `onPrediction` hook writing each prediction back to FHIR as a RiskAssessment,
 * idempotently (conditional create on the prediction's identifier).
 *
 * @example
 * app.route('/', predictRoutes({ history, predictor, onPrediction: fhirPredictionWriter({ store }) }));
 */
export function fhirPredictionWriter(options: { store: FhirStore }): (record: PredictionRecord) => Promise<void> {
  return async (record) => {
    const [patient] = await options.store.search<Patient>('Patient', identifierQuery(SYSTEMS.patientId, record.patientId), { maxResults: 1 });
    if (!patient) throw new Error('the patient is not in FHIR (no Patient with this patient_id)');
    const risk = riskAssessmentFromPrediction(record, { reference: `Patient/${patient.id}` });
    await options.store.createIfNoneExist(risk, identifierQuery(PREDICTION_ID_SYSTEM, predictionIdentifier(record)));
  };
}
