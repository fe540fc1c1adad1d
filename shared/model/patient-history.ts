/**
 * What the predictor needs to know about a patient, whatever the source (FHIR + roi_features.json in the
 * product, an ADNIMERGE-style cohort in tests and benchmarks).
 */

/** Subset of the pipeline's `roi_features.json` (issue 3) that the model reads; the full file fits this type. */
export interface RoiFeaturesLike {
  global: { icvMm3: number; brainVolumeMm3: number };
  regions: ReadonlyArray<{ name: string; volumeMm3: number; suvrMean?: number | null }>;
}

/** ADNIMERGE-style measures (FreeSurfer-scale volumes, florbetapir SUVR with whole-cerebellum reference). */
export interface ImagingMeasures {
  hippocampusMm3?: number;
  entorhinalMm3?: number;
  wholeBrainMm3?: number;
  icvMm3?: number;
  amyloidSuvr?: number;
}

export interface SessionScores {
  mmse?: number;
  cdrsb?: number;
  adas13?: number;
}

export interface PatientSession {
  /** ISO date `YYYY-MM-DD`. */
  date: string;
  scores: SessionScores;
  /** Pipeline output for this session; mapped onto {@link ImagingMeasures} with model.json's roiMapping. */
  roi?: RoiFeaturesLike;
  /** Measures given directly (ADNIMERGE columns); take precedence over `roi` field by field. */
  imaging?: ImagingMeasures;
  /** Source references used for this session (FHIR Observation / ImagingStudy ids), passed to the basis of a prediction. */
  references?: string[];
}

export interface PatientDemographics {
  /** Age at the first session of `sessions`. */
  ageAtBaseline: number;
  sex: 'female' | 'male';
  educationYears?: number;
  /** APOE ε4 allele count, 0–2. */
  apoe4?: number;
}

/**
 * A patient's longitudinal record, oldest session first.
 *
 * @example
 * const history: PatientHistory = {
 *   patientId: 'P001',
 *   demographics: { ageAtBaseline: 72, sex: 'female', educationYears: 16, apoe4: 1 },
 *   sessions: [{ date: '2024-01-10', scores: { mmse: 27, cdrsb: 1.5, adas13: 17 }, imaging: { hippocampusMm3: 6500, icvMm3: 1.45e6, wholeBrainMm3: 9.9e5 } }],
 * };
 */
export interface PatientHistory {
  patientId: string;
  demographics: PatientDemographics;
  sessions: PatientSession[];
}

/** Where histories come from. The FHIR adapter implements it from FHIR + roi_features.json. */
export interface PatientHistorySource {
  /** The history, or undefined when the patient is unknown. */
  get(patientId: string): Promise<PatientHistory | undefined>;
}
