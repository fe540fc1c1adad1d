import type { ApiDeps } from '../../shared/api/app.js';
import { fhirPatientHistorySource } from '../../shared/fhir/patient-history-source.js';
import { fhirPredictionWriter } from '../../shared/fhir/risk-assessment.js';
import type { FhirStore } from '../../shared/fhir/store.js';
import type { PatientHistorySource } from '../../shared/model/patient-history.js';
import type { PredictionRecord } from '../../shared/model/prediction-record.js';
import { createPredictor, type CreatePredictorOptions } from '../../shared/model/predictor.js';
import { createRoiFeaturesReader } from '../../shared/model/roi-features-reader.js';
import type { Logger, ObjectStore } from '../../shared/ports/index.js';

/** Prediction for the local stack, plus the late binding to the stack's own FHIR server and store. */
export interface LocalPrediction {
  /** Pass as `startLocalStack({ prediction })`. */
  prediction: NonNullable<ApiDeps['prediction']>;
  /** Call once the stack runs: histories come from its FHIR server and `roi_features.json` in its store. */
  bind(stack: { fhir?: FhirStore; store: ObjectStore }): void;
}

/**
 * Loads the committed model once, reads patient histories from the stack that serves it and writes each
 * prediction back to its FHIR server as a RiskAssessment. The stack's
 * FHIR server and store exist only after it starts, while the API app is built during the start, so the
 * history source is bound afterwards; a request before that answers "not ready".
 *
 * @example
 * const local = await createLocalPrediction({ logger });
 * const stack = await startLocalStack({ prediction: local.prediction });
 * local.bind(stack);
 */
export async function createLocalPrediction(options: Pick<CreatePredictorOptions, 'device' | 'logger' | 'modelDir'> = {}): Promise<LocalPrediction> {
  const predictor = await createPredictor(options);
  let source: PatientHistorySource | undefined;
  let writeBack: ((record: PredictionRecord) => Promise<void>) | undefined;
  const history: PatientHistorySource = {
    get: async (patientId) => {
      if (!source) throw new Error('the patient history source is not ready (the local stack is still starting)');
      return source.get(patientId);
    },
  };
  return {
    // Every prediction is written back to FHIR as a RiskAssessment (basis = the records it used).
    prediction: { history, predictor, onPrediction: (record) => writeBack?.(record) },
    bind(stack) {
      if (!stack.fhir) throw new Error('prediction needs the embedded FHIR server (ADNI_FHIR=off disables it)');
      source = fhirPatientHistorySource({ fhir: stack.fhir, roi: createRoiFeaturesReader({ store: stack.store }) });
      writeBack = fhirPredictionWriter({ store: stack.fhir });
    },
  };
}
