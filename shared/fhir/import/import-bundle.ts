import type { Bundle, BundleEntry, Patient, Reference } from '@medplum/fhirtypes';
import { observationQuery, observationResource, patientQuery, patientResource, type MeasureValue } from '../mapping.js';
import type { MeasureName } from '../codes.js';
import type { ImportRow } from './import-rows.js';

export interface PatientImport {
  /** A one-entry transaction: `PUT Patient?identifier=…` (its response says 201 created or 200 existing). */
  patient: Bundle;
  /** A batch of `PUT Observation?identifier=…`, one per score, for the Patient the first bundle wrote. */
  observations: (subject: Reference<Patient>) => Bundle;
}

/**
 * The writes that import one patient's rows: the Patient, then one Observation per score, each a conditional
 * update keyed by its identifier, so they can run any number of times and leave exactly one resource per
 * patient and per score (a re-run also completes an interrupted import). The Observations go as a batch, not a
 * transaction: FHIR servers (Medplum's router included) limit how many conditional entries one transaction may
 * hold, and each Observation is idempotent on its own.
 *
 * Demographics come from the earliest row (ADNIMERGE repeats them on every visit; `AGE` is age at baseline).
 * APOE ε4 is one Observation at the baseline date, since it does not change.
 *
 * @example
 * const writes = patientImportBundles(rows.filter((r) => r.patientId === '002_S_0295'));
 * const [created] = (await store.transaction(writes.patient)).entry!;
 */
export function patientImportBundles(rows: readonly ImportRow[]): PatientImport {
  if (rows.length === 0) throw new Error('patientImportBundles needs at least one row');
  const sorted = [...rows].sort((a, b) => a.EXAMDATE.localeCompare(b.EXAMDATE));
  const first = sorted[0];
  const patientId = first.patientId;
  const firstDefined = <K extends keyof ImportRow>(key: K) => sorted.find((r) => r[key] !== undefined)?.[key];
  const age = firstDefined('AGE') as number | undefined;
  const patient: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
      resource: patientResource({
        patientId,
        sex: firstDefined('PTGENDER') as 'female' | 'male' | undefined,
        educationYears: firstDefined('PTEDUCAT') as number | undefined,
        ...(age === undefined ? {} : { ageAtBaseline: { age, date: first.EXAMDATE } }),
      }),
      request: { method: 'PUT', url: `Patient?${patientQuery(patientId)}` },
      },
    ],
  };
  const measures: MeasureValue[] = [];
  const seen = new Set<string>();
  const add = (m: MeasureValue) => {
    const key = `${m.date}/${m.measure}`;
    if (seen.has(key)) return; // two rows of one date (ADNIMERGE has a few): the earlier VISCODE wins
    seen.add(key);
    measures.push(m);
  };
  const apoe4 = firstDefined('APOE4') as number | undefined;
  if (apoe4 !== undefined) add({ patientId, date: first.EXAMDATE, measure: 'apoe4', value: apoe4 });
  const columns: [keyof ImportRow, MeasureName][] = [
    ['MMSE', 'mmse'],
    ['CDRSB', 'cdrsb'],
    ['ADAS13', 'adas13'],
    ['DX', 'diagnosis'],
  ];
  for (const row of sorted) {
    for (const [column, measure] of columns) {
      const value = row[column] as number | string | undefined;
      if (value !== undefined) add({ patientId, date: row.EXAMDATE, measure, value, visit: row.VISCODE });
    }
  }
  return {
    patient,
    observations: (subject) => ({
      resourceType: 'Bundle',
      type: 'batch',
      entry: measures.map(
        (m): BundleEntry => ({ resource: observationResource(m, subject), request: { method: 'PUT', url: `Observation?${observationQuery(m)}` } }),
      ),
    }),
  };
}
