import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { startEmbeddedFhir, type EmbeddedFhir } from '../../../providers/local/fhir/index.js';
import { RouterFhirStore } from '../router-store.js';
import { toCohortCsv } from '../../model/cohort/cohort-csv.js';
import { simulateCohort } from '../../model/cohort/simulate-cohort.js';
import { fhirPatientHistorySource } from '../patient-history-source.js';
import { importCsv } from './run-import.js';
import { parseImportCsv } from './import-rows.js';

const HEADER = 'RID,PTID,VISCODE,EXAMDATE,AGE,PTGENDER,PTEDUCAT,APOE4,DX,MMSE,CDRSB,ADAS13';

describe('parseImportCsv', () => {
  it.each([
    ['a date that does not exist', '1,002_S_0001,bl,2024-02-30,70,Female,16,1,CN,29,0,10', 'EXAMDATE'],
    ['MMSE over 30', '1,002_S_0001,bl,2024-01-10,70,Female,16,1,CN,31,0,10', 'MMSE 31 is outside 0-30'],
    ['CDR-SB off the 0.5 grid', '1,002_S_0001,bl,2024-01-10,70,Female,16,1,CN,29,0.3,10', 'CDRSB 0.3 is not a multiple of 0.5'],
    ['an unknown sex', '1,002_S_0001,bl,2024-01-10,70,F,16,1,CN,29,0,10', 'PTGENDER "F"'],
    ['an unknown diagnosis', '1,002_S_0001,bl,2024-01-10,70,Female,16,1,EMCI,29,0,10', 'DX "EMCI"'],
    ['a text score', '1,002_S_0001,bl,2024-01-10,70,Female,16,1,CN,twenty,0,10', 'MMSE "twenty" is not a number'],
    ['no patient id', ',,bl,2024-01-10,70,Female,16,1,CN,29,0,10', 'PTID and RID are both missing'],
    ['a path in the patient id', '1,../x,bl,2024-01-10,70,Female,16,1,CN,29,0,10', 'patient id'],
    ['a missing cell', '1,002_S_0001,bl,2024-01-10,70,Female,16,1,CN,29,0', 'has 11 cells'],
  ])('rejects a row with %s, naming the line and the reason', (_what, line, reason) => {
    // Act
    const { rows, rejected } = parseImportCsv(`${HEADER}\n1,002_S_0002,bl,2024-01-10,71,Male,12,0,MCI,27,1.5,15\n${line}\n`);
    // Assess
    expect(rows.map((r) => r.patientId)).toEqual(['002_S_0002']);
    expect(rejected).toEqual([{ line: 3, reason: expect.stringContaining(reason) }]);
  });

  it('takes NA and empty cells as missing, and RID as the id when there is no PTID', () => {
    const { rows, rejected } = parseImportCsv('RID,EXAMDATE,MMSE,CDRSB\n295,2006-05-09,NA,\n');
    expect(rejected).toEqual([]);
    expect(rows[0]).toMatchObject({ patientId: '295', EXAMDATE: '2006-05-09', MMSE: undefined, CDRSB: undefined });
  });

  it('refuses a file without the columns it needs', () => {
    expect(() => parseImportCsv('PTID,MMSE\nP1,28\n')).toThrow(/no EXAMDATE column/);
  });
});

describe('importCsv into FHIR (embedded server on PGlite)', () => {
  let dir: string;
  let fhir: EmbeddedFhir;
  let store: RouterFhirStore;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'adni-import-'));
    fhir = await startEmbeddedFhir({ dataDir: dir });
    store = new RouterFhirStore(fhir.repo);
  });
  beforeEach(async () => {
    await fhir.sql.query('TRUNCATE fhir_resource, fhir_history, fhir_token, fhir_reference, fhir_date, fhir_string');
  });
  afterAll(async () => {
    await fhir?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes Patients and score Observations, and reports bad rows', async () => {
    // Prepare
    const csv = `${HEADER}\n1,002_S_0001,bl,2024-01-10,70,Female,16,1,CN,29,0,10\n1,002_S_0001,m12,2025-01-12,71,Female,16,1,MCI,27,1.5,14\n2,002_S_0002,bl,2024-02-01,80,Male,12,2,Dementia,31,6,40\n`;
    // Act
    const result = await importCsv({ csv, store });
    // Assess
    expect(result).toMatchObject({ rows: 2, patients: 1, rejected: [{ line: 4, reason: 'MMSE 31 is outside 0-30' }], failedPatients: [] });
    // 1 Patient + APOE4 + 2 visits × (MMSE, CDR-SB, ADAS13, DX)
    expect(result.created).toBe(10);
    const [patient] = await store.search<Patient>('Patient', '_count=100');
    expect(patient.gender).toBe('female');
    const mmse = await store.search<Observation>('Observation', `subject=Patient/${patient.id}&code=http://loinc.org|72107-6`);
    expect(mmse.map((o) => [o.effectiveDateTime, o.valueQuantity?.value]).sort()).toEqual([
      ['2024-01-10', 29],
      ['2025-01-12', 27],
    ]);
  });

  it('is idempotent: importing the same file twice creates nothing new', async () => {
    // Prepare
    const csv = toCohortCsv(simulateCohort({ patients: 5, seed: 3 }));
    const first = await importCsv({ csv, store });
    // Act
    const second = await importCsv({ csv, store });
    // Assess
    expect(first.created).toBeGreaterThan(5);
    expect(second.created).toBe(0);
    expect(second.existing).toBe(first.created);
    expect(await store.search('Patient', '_count=100')).toHaveLength(5);
    expect(await store.search('Observation', '_count=1000')).toHaveLength(first.created - 5);
  });

  it('feeds the FHIR patient history source: the same sessions and scores as the CSV', async () => {
    // Prepare
    const cohort = simulateCohort({ patients: 3, seed: 11 });
    await importCsv({ csv: toCohortCsv(cohort), store });
    const rows = cohort.filter((r) => r.PTID === cohort[0].PTID);
    // Act
    const history = await fhirPatientHistorySource({ fhir: store }).get(cohort[0].PTID);
    // Assess
    expect(history!.demographics).toMatchObject({ sex: rows[0].PTGENDER === 'Female' ? 'female' : 'male', educationYears: rows[0].PTEDUCAT, apoe4: rows[0].APOE4 });
    expect(history!.demographics.ageAtBaseline).toBeCloseTo(rows[0].AGE, 6);
    expect(history!.sessions.map((s) => [s.date, s.scores.mmse])).toEqual(rows.map((r) => [r.EXAMDATE, r.MMSE]));
    expect(await fhirPatientHistorySource({ fhir: store }).get('nobody')).toBeUndefined();
  });
});
