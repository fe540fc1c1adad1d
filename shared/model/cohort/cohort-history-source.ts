import type { ImagingMeasures, PatientHistory, PatientHistorySource } from '../patient-history.js';
import type { CohortRow } from './simulate-cohort.js';

/**
 * Histories from ADNIMERGE-format rows (simulated or real), keyed by PTID: AGE is age at baseline,
 * volumes and AV45 become `imaging`. Used by tests, the benchmark and local demos.
 *
 * @example
 * const histories = cohortHistories(simulateCohort({ patients: 10, seed: 1 }));
 * histories.get('999_S_0001')?.sessions.length; // 2..10
 */
export function cohortHistories(rows: readonly CohortRow[]): Map<string, PatientHistory> {
  const byPatient = new Map<string, PatientHistory>();
  const sorted = [...rows].sort((a, b) => (a.PTID === b.PTID ? a.EXAMDATE.localeCompare(b.EXAMDATE) : a.PTID.localeCompare(b.PTID)));
  for (const row of sorted) {
    let history = byPatient.get(row.PTID);
    if (!history) {
      history = {
        patientId: row.PTID,
        demographics: {
          ageAtBaseline: row.AGE,
          sex: row.PTGENDER === 'Female' ? 'female' : 'male',
          ...(row.PTEDUCAT === undefined ? {} : { educationYears: row.PTEDUCAT }),
          ...(row.APOE4 === undefined ? {} : { apoe4: row.APOE4 }),
        },
        sessions: [],
      };
      byPatient.set(row.PTID, history);
    }
    const imaging: ImagingMeasures = {};
    if (row.Hippocampus !== undefined) imaging.hippocampusMm3 = row.Hippocampus;
    if (row.Entorhinal !== undefined) imaging.entorhinalMm3 = row.Entorhinal;
    if (row.WholeBrain !== undefined) imaging.wholeBrainMm3 = row.WholeBrain;
    if (row.ICV !== undefined) imaging.icvMm3 = row.ICV;
    if (row.AV45 !== undefined) imaging.amyloidSuvr = row.AV45;
    history.sessions.push({
      date: row.EXAMDATE,
      scores: {
        ...(row.MMSE === undefined ? {} : { mmse: row.MMSE }),
        ...(row.CDRSB === undefined ? {} : { cdrsb: row.CDRSB }),
        ...(row.ADAS13 === undefined ? {} : { adas13: row.ADAS13 }),
      },
      ...(Object.keys(imaging).length > 0 ? { imaging } : {}),
      references: [`cohort:${row.PTID}:${row.VISCODE}`],
    });
  }
  return byPatient;
}

/**
 * An in-memory {@link PatientHistorySource} over cohort rows.
 *
 * @example
 * const source = cohortHistorySource(simulateCohort({ patients: 100, seed: 1 }));
 * await source.get('999_S_0042');
 */
export function cohortHistorySource(rows: readonly CohortRow[]): PatientHistorySource & { ids(): string[] } {
  const histories = cohortHistories(rows);
  return {
    get: async (patientId) => {
      const history = histories.get(patientId);
      return history === undefined ? undefined : structuredClone(history);
    },
    ids: () => [...histories.keys()],
  };
}
