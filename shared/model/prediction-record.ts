import { orderedSessions } from './assemble-features.js';
import type { ModelSpec } from './model-spec.js';
import type { PatientHistory } from './patient-history.js';
import type { HorizonPredictions, ModelIdentity } from './predictor.js';
import { sessionMeasures } from './roi-measures.js';
import type { ResolvedDevice } from './select-device.js';

/** One session the prediction used, and what it contributed. */
export interface BasisSession {
  date: string;
  scores: Array<'mmse' | 'cdrsb' | 'adas13'>;
  mri: boolean;
  amyloid: boolean;
  /** Source records (FHIR Observation / ImagingStudy references) as the history source gave them. */
  references: string[];
}

/**
 * A prediction with its basis: what `onPrediction` receives (the FHIR adapter writes it back as a
 * RiskAssessment whose `basis` lists `references`).
 */
export interface PredictionRecord {
  patientId: string;
  createdAt: string;
  model: ModelIdentity;
  device: ResolvedDevice;
  predictions: HorizonPredictions;
  inputs: { sessions: number; lastSessionDate: string };
  basis: { sessions: BasisSession[] };
}

/**
 * The basis of a prediction: the sessions used (same order and merging as the features) and their sources.
 *
 * @example
 * predictionBasis(history, spec).sessions[0]; // { date, scores: ['mmse'], mri: true, amyloid: false, references: [...] }
 */
export function predictionBasis(history: PatientHistory, spec: ModelSpec): { sessions: BasisSession[] } {
  return {
    sessions: orderedSessions(history).map((s) => {
      const m = sessionMeasures(s, spec.roiMapping);
      return {
        date: s.date,
        scores: (['mmse', 'cdrsb', 'adas13'] as const).filter((k) => typeof s.scores[k] === 'number'),
        mri: m.hippocampusMm3 !== undefined && m.icvMm3 !== undefined,
        amyloid: m.amyloidSuvr !== undefined,
        references: s.references ?? [],
      };
    }),
  };
}
