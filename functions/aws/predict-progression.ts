import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { ApiDeps } from '../../shared/api/app.js';
import { withCloudGuards } from '../../shared/auth/cloud-guards.js';
import { fhirPatientHistorySource } from '../../shared/fhir/patient-history-source.js';
import { fhirPredictionWriter } from '../../shared/fhir/risk-assessment.js';
import type { FhirStore } from '../../shared/fhir/store.js';
import { createPredictor, type Predictor } from '../../shared/model/predictor.js';
import { createRoiFeaturesReader } from '../../shared/model/roi-features-reader.js';
import type { Logger, ObjectStore } from '../../shared/ports/index.js';
import { ConfigError } from '../../providers/aws/config.js';
import { PowertoolsLoggerPort } from '../../providers/aws/observability.js';
import { createHttpApiHandler, httpApiDepsFromEnv } from './http-api.js';

/**
 * The prediction endpoint's dependencies: histories from FHIR (HealthLake) plus `roi_features.json` from the
 * preprocessed bucket, the model loaded once per cold start, and every prediction written back to FHIR as a
 * RiskAssessment.
 *
 * @example
 * const deps = predictionDeps({ base: { store, logger }, fhir, outputs, predictor });
 */
export function predictionDeps(options: { base: ApiDeps; fhir: FhirStore; outputs: ObjectStore; predictor: Predictor; logger?: Logger }): ApiDeps {
  const { base, fhir, outputs, predictor } = options;
  return {
    ...base,
    fhir,
    prediction: {
      history: fhirPatientHistorySource({ fhir, roi: createRoiFeaturesReader({ store: outputs, logger: options.logger }) }),
      predictor,
      onPrediction: fhirPredictionWriter({ store: fhir }),
    },
  };
}

/** The production dependencies, from the function's environment (FHIR_BASE_URL is required here). */
export async function predictionDepsFromEnv(env: Record<string, string | undefined> = process.env): Promise<ApiDeps> {
  const base = httpApiDepsFromEnv(env);
  if (!base.fhir) throw new ConfigError('invalid function environment: FHIR_BASE_URL must name the FHIR server that holds the patients (prediction reads their history there)');
  const logger = new PowertoolsLoggerPort(new PowertoolsLogger({ serviceName: 'predict-progression' }));
  // PREDICT_DEVICE (auto|cuda|cpu) and PREDICT_MODEL_DIR (the image's copy of model/) come from the environment.
  const predictor = await createPredictor({ logger, ...(env.PREDICT_MODEL_DIR ? { modelDir: env.PREDICT_MODEL_DIR } : {}) });
  return predictionDeps({ base, fhir: base.fhir, outputs: base.outputs ?? base.store, predictor, logger });
}

/** The Lambda entry point of the prediction container image (`POST /predict-progression`). */
export const handler = createHttpApiHandler(
  async () => withCloudGuards(await predictionDepsFromEnv(), process.env),
  new PowertoolsLoggerPort(new PowertoolsLogger({ serviceName: 'predict-progression' })),
);
