import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { FhirStore } from '../store.js';
import { patientImportBundles } from './import-bundle.js';
import { parseImportCsv, type ImportRow, type RejectedRow } from './import-rows.js';

export interface ImportCsvOptions {
  /** The CSV text (ADNIMERGE/TADPOLE columns). */
  csv: string;
  store: FhirStore;
  /** Patients written at once (default 4). */
  concurrency?: number;
  /** Called once with the number of patients, then after each patient with how many are done. */
  onProgress?: (event: { total: number; done: number }) => void;
}

export interface ImportCsvResult {
  rows: number;
  patients: number;
  /** Resources written (Patients + Observations), split by whether they existed. */
  created: number;
  existing: number;
  rejected: RejectedRow[];
  /** Patients not (fully) written, with the server's reason; importing again completes them. */
  failedPatients: { patientId: string; lines: number[]; reason: string }[];
}

/**
 * Imports an ADNIMERGE-style CSV into FHIR: one transaction of conditional updates per patient (see
 * {@link patientImportBundle}), so importing the same file twice creates nothing new, and a patient whose
 * write fails leaves nothing behind. Bad rows are rejected with their line and reason; the rest is imported.
 *
 * @example
 * const result = await importCsv({ csv: await readFile('cohort.csv', 'utf8'), store });
 * console.log(`${result.created} created, ${result.rejected.length} rows rejected`);
 */
export async function importCsv(options: ImportCsvOptions): Promise<ImportCsvResult> {
  const { rows, rejected } = parseImportCsv(options.csv);
  const byPatient = new Map<string, (ImportRow & { line: number })[]>();
  for (const row of rows) byPatient.set(row.patientId, [...(byPatient.get(row.patientId) ?? []), row]);
  const patients = [...byPatient.entries()];
  const result: ImportCsvResult = { rows: rows.length, patients: patients.length, created: 0, existing: 0, rejected, failedPatients: [] };
  options.onProgress?.({ total: patients.length, done: 0 });

  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < patients.length) {
      const [patientId, patientRows] = patients[next++];
      try {
        const writes = patientImportBundles(patientRows);
        const [written] = (await options.store.transaction(writes.patient)).entry ?? [];
        const patient = written?.resource as Patient | undefined;
        if (!patient?.id) throw new Error('the server did not return the Patient it wrote');
        count(result, written);
        const response: Bundle = await options.store.transaction(writes.observations({ reference: `Patient/${patient.id}` }));
        const failures: string[] = [];
        for (const entry of response.entry ?? []) {
          if (/^2\d\d/.test(entry.response?.status ?? '')) count(result, entry);
          else failures.push(`${entry.response?.status ?? 'no status'} ${JSON.stringify(entry.response?.outcome?.issue?.[0]?.details?.text ?? '')}`);
        }
        if (failures.length) throw new Error(`${failures.length} Observations were refused, e.g. ${failures[0]}`);
      } catch (error) {
        result.failedPatients.push({ patientId, lines: patientRows.map((r) => r.line), reason: error instanceof Error ? error.message : String(error) });
      }
      options.onProgress?.({ total: patients.length, done: ++done });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return result;
}

function count(result: ImportCsvResult, entry: { response?: { status?: string } } | undefined): void {
  if (entry?.response?.status?.startsWith('201')) result.created++;
  else result.existing++;
}
