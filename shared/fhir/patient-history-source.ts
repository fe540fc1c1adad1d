import type { PatientHistory, PatientHistorySource, PatientSession, RoiFeaturesLike } from '../model/patient-history.js';
import { patientFacts } from './mapping.js';
import { loadPatientRecords, outputKeyOfUrl, scoresByDate, sessionViews } from './patient-records.js';
import type { FhirStore } from './store.js';

export interface FhirPatientHistorySourceOptions {
  fhir: FhirStore;
  /** Reads roi_features.json by object key (the model's `createRoiFeaturesReader`); without it sessions carry scores only. */
  roi?: { read(key: string): Promise<RoiFeaturesLike | undefined> };
}

const DAY_MS = 86_400_000;

/**
 * The prediction's {@link PatientHistorySource} over FHIR: the Patient (sex, education, age at baseline or birth
 * date), its score Observations (MMSE, CDR-SB, ADAS13, APOE ε4) and the roi_features.json of each completed
 * imaging session, merged by date. Undefined for an unknown patient.
 *
 * @example
 * const source = fhirPatientHistorySource({ fhir, roi: createRoiFeaturesReader({ store }) });
 * const history = await source.get('P001');
 */
export function fhirPatientHistorySource(options: FhirPatientHistorySourceOptions): PatientHistorySource {
  return {
    async get(patientId) {
      const records = await loadPatientRecords({ store: options.fhir, patientId });
      if (!records) return undefined;
      const scores = scoresByDate(records.observations);
      const studies = new Map(
        sessionViews(records)
          .filter((s) => s.status === 'completed' || s.jobs.at(-1)?.status === 'completed')
          .map((s) => [s.sessionDate, s]),
      );
      const dates = [...new Set([...scores.keys(), ...studies.keys()])].filter(Boolean).sort();
      let apoe4: number | undefined;
      const sessions: PatientSession[] = [];
      for (const date of dates) {
        const entry = scores.get(date);
        const study = studies.get(date);
        if (typeof entry?.scores.apoe4 === 'number') apoe4 = entry.scores.apoe4;
        const session: PatientSession = {
          date,
          scores: {
            ...(typeof entry?.scores.mmse === 'number' ? { mmse: entry.scores.mmse } : {}),
            ...(typeof entry?.scores.cdrsb === 'number' ? { cdrsb: entry.scores.cdrsb } : {}),
            ...(typeof entry?.scores.adas13 === 'number' ? { adas13: entry.scores.adas13 } : {}),
          },
          references: [...(entry?.references ?? []), ...(study ? [`ImagingStudy/${study.imagingStudyId}`] : [])],
        };
        const key = study ? outputKeyOfUrl(study.featuresUrl ?? study.jobs.at(-1)?.outputs.roi_features ?? '') : undefined;
        const roi = key && options.roi ? await options.roi.read(key) : undefined;
        if (roi) session.roi = roi;
        sessions.push(session);
      }
      const facts = patientFacts(records.patient);
      const history: PatientHistory = {
        patientId,
        demographics: {
          ageAtBaseline: ageAt(sessions[0]?.date, facts),
          // FHIR may lack a gender; insufficientDataReason turns 'unknown' into a 422 before the model reads it.
          sex: facts?.sex ?? ('unknown' as PatientHistory['demographics']['sex']),
          ...(facts?.educationYears === undefined ? {} : { educationYears: facts.educationYears }),
          ...(apoe4 === undefined ? {} : { apoe4 }),
        },
        sessions,
      };
      return history;
    },
  };
}

/** Age in years at `date`: from the recorded age at baseline shifted by the time between, else from birth date; NaN if unknown. */
function ageAt(date: string | undefined, facts: ReturnType<typeof patientFacts>): number {
  if (!date || !facts) return Number.NaN;
  const at = Date.parse(date);
  if (facts.ageAtBaseline) return facts.ageAtBaseline.age + (at - Date.parse(facts.ageAtBaseline.date)) / (365.25 * DAY_MS);
  if (facts.birthDate) return (at - Date.parse(facts.birthDate.length === 4 ? `${facts.birthDate}-07-01` : facts.birthDate)) / (365.25 * DAY_MS);
  return Number.NaN;
}
