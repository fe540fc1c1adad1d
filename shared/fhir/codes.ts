/**
 * Every code system, identifier system and extension URL this product writes to FHIR. Documented, with the
 * reason for each choice, in docs/FHIR.md. Change nothing here without a migration: conditional writes find
 * existing resources by these identifiers.
 */

/** Base of the URLs this project owns (naming only: nothing has to be served there). */
export const PROJECT_FHIR_BASE = 'https://adni-progression.example.org/fhir';

export const SYSTEMS = {
  /** Patient.identifier: the `patient_id` of upload keys and the API (ADNI PTID for imported data, RID without one). */
  patientId: `${PROJECT_FHIR_BASE}/sid/patient-id`,
  /** Observation.identifier: `{patient_id}/{date}/{measure}`. */
  observationId: `${PROJECT_FHIR_BASE}/sid/observation-id`,
  /** ImagingStudy.identifier: `{patient_id}/{session_date}`. */
  imagingSession: `${PROJECT_FHIR_BASE}/sid/imaging-session`,
  /** Task.identifier: `{patient_id}/{session_date}/{fingerprint}` (one Task per version of a session's inputs). */
  preprocessingJob: `${PROJECT_FHIR_BASE}/sid/preprocessing-job`,
  /** Task.identifier: the provider's job id (Batch job id, ACI group, Cloud Run execution, local id). */
  providerJobId: `${PROJECT_FHIR_BASE}/sid/provider-job-id`,
  /** Codes of this project for measures without a LOINC code, task codes, output names, diagnoses. */
  codes: `${PROJECT_FHIR_BASE}/CodeSystem/adni-progression`,
  loinc: 'http://loinc.org',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  ucum: 'http://unitsofmeasure.org',
  dicomModality: 'http://dicom.nema.org/resources/ontology/DCM',
} as const;

export const EXTENSIONS = {
  /** Patient: years of formal education (valueInteger). */
  educationYears: `${PROJECT_FHIR_BASE}/StructureDefinition/education-years`,
  /** Patient: age at the baseline visit (complex: `age` valueDecimal years, `date` valueDate). */
  ageAtBaseline: `${PROJECT_FHIR_BASE}/StructureDefinition/age-at-baseline`,
  /** ImagingStudy: requested | in-progress | completed | failed (valueCode), mirrors the session's Task. */
  preprocessingStatus: `${PROJECT_FHIR_BASE}/StructureDefinition/preprocessing-status`,
  /** ImagingStudy: where roi_features.json of the session is (valueUrl). */
  preprocessedFeaturesUrl: `${PROJECT_FHIR_BASE}/StructureDefinition/preprocessed-features-url`,
} as const;

/** The measures stored as Observations, and how each is coded. */
export const MEASURES = {
  /** LOINC 72107-6 "Mini-Mental State Examination [MMSE]", as the product's seed specifies. */
  mmse: { system: SYSTEMS.loinc, code: '72107-6', display: 'Mini-Mental State Examination [MMSE]', unit: '{score}' },
  cdrGlobal: { system: SYSTEMS.codes, code: 'cdr-global', display: 'Clinical Dementia Rating, global score', unit: '{score}' },
  cdrsb: { system: SYSTEMS.codes, code: 'cdr-sb', display: 'Clinical Dementia Rating, sum of boxes', unit: '{score}' },
  adas13: { system: SYSTEMS.codes, code: 'adas-cog-13', display: 'ADAS-Cog 13-item total score', unit: '{score}' },
  apoe4: { system: SYSTEMS.codes, code: 'apoe-e4-count', display: 'APOE ε4 allele count', unit: '{alleles}' },
  diagnosis: { system: SYSTEMS.codes, code: 'adni-diagnosis', display: 'ADNI clinical diagnosis (CN, MCI, Dementia)', unit: undefined },
} as const;

export type MeasureName = keyof typeof MEASURES;

/** Task.code of a preprocessing job. */
export const PREPROCESS_TASK_CODE = { system: SYSTEMS.codes, code: 'preprocess-session', display: 'Preprocess an MRI+PET session' } as const;
