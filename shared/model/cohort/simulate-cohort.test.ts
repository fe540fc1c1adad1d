import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCohortCsv, toCohortCsv } from './cohort-csv.js';
import { cohortHistories } from './cohort-history-source.js';
import { LITERATURE } from './literature.js';
import { COHORT_COLUMNS, simulateCohort, type CohortRow } from './simulate-cohort.js';
import { writeCohortFile } from './write-cohort-file.js';

const DAY = 86_400_000;
const byPatient = (rows: CohortRow[]) => {
  const map = new Map<string, CohortRow[]>();
  for (const r of rows) map.set(r.PTID, [...(map.get(r.PTID) ?? []), r]);
  return [...map.values()];
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('simulateCohort', () => {
  // One large cohort shared by the statistical checks (simulating 3000 patients takes ~0.4 s).
  const large = simulateCohort({ patients: 3000, seed: 11 });
  const patients = byPatient(large);

  it('is deterministic per seed and differs between seeds', () => {
    // Prepare / Act
    const a = toCohortCsv(simulateCohort({ patients: 50, seed: 3 }));
    const b = toCohortCsv(simulateCohort({ patients: 50, seed: 3 }));
    const c = toCohortCsv(simulateCohort({ patients: 50, seed: 4 }));
    // Assess
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('makes a smaller cohort a prefix of a larger one with the same seed', () => {
    const small = simulateCohort({ patients: 20, seed: 11 });
    expect(large.slice(0, small.length)).toEqual(small);
  });

  it('writes ADNIMERGE column names and round-trips through CSV', () => {
    const rows = simulateCohort({ patients: 30, seed: 5 });
    const csv = toCohortCsv(rows);
    expect(csv.split('\n')[0].split(',')).toEqual([...COHORT_COLUMNS]);
    expect(csv.split('\n')[0]).toContain('RID,PTID,VISCODE,EXAMDATE,AGE,PTGENDER,PTEDUCAT,APOE4');
    expect(parseCohortCsv(csv)).toEqual(rows);
  });

  it('schedules visits 6 to 12 months apart (±1 month of jitter), 2 to 10 per patient', () => {
    // Collect violations instead of 20 000 expect calls: same check, a fraction of the time.
    const violations: string[] = [];
    for (const visits of patients) {
      if (visits.length < 2 || visits.length > 10) violations.push(`${visits[0].PTID}: ${visits.length} visits`);
      if (visits[0].VISCODE !== 'bl') violations.push(`${visits[0].PTID}: first visit ${visits[0].VISCODE}`);
      for (let i = 1; i < visits.length; i++) {
        const days = (Date.parse(visits[i].EXAMDATE) - Date.parse(visits[i - 1].EXAMDATE)) / DAY;
        if (days < 182 - 60 || days > 365 + 60) violations.push(`${visits[i].PTID}: ${days} days between visits`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('converts MCI to dementia at about the published 16.5 % per year', () => {
    const mci = patients.filter((v) => v[0].DX_bl === 'LMCI' && v.some((r) => r.VISCODE === 'm12'));
    const converted = mci.filter((v) => v.find((r) => r.VISCODE === 'm12')!.DX === 'Dementia').length;
    expect(converted / mci.length).toBeGreaterThan(LITERATURE.mciToAdPerYear.value - 0.04);
    expect(converted / mci.length).toBeLessThan(LITERATURE.mciToAdPerYear.value + 0.04);
  });

  it.each([
    ['CN', 'MMSE', LITERATURE.mmse.value.CN[0], 0.5],
    ['LMCI', 'MMSE', LITERATURE.mmse.value.MCI[0], 0.5],
    ['AD', 'MMSE', LITERATURE.mmse.value.AD[0], 0.5],
    ['LMCI', 'CDRSB', LITERATURE.cdrsb.value.MCI[0], 0.25],
    ['AD', 'CDRSB', LITERATURE.cdrsb.value.AD[0], 0.25],
  ] as const)('baseline %s mean %s is near the literature value', (group, column, expected, tolerance) => {
    const values = patients.filter((v) => v[0].DX_bl === group).map((v) => v[0][column]).filter((x): x is number => x !== undefined);
    expect(Math.abs(mean(values) - expected)).toBeLessThan(tolerance);
  });

  it('declines faster in AD than in CN and shrinks the hippocampus faster', () => {
    const slope = (group: string, column: 'MMSE' | 'Hippocampus') =>
      mean(patients.filter((v) => v[0].DX_bl === group).flatMap((v) => {
        const first = v.find((r) => r[column] !== undefined);
        const last = [...v].reverse().find((r) => r[column] !== undefined);
        if (!first || !last || last.Years_bl - first.Years_bl < 0.9) return [];
        return [(last[column]! - first[column]!) / first[column]! / (last.Years_bl - first.Years_bl)];
      }));
    expect(slope('AD', 'MMSE')).toBeLessThan(slope('CN', 'MMSE') - 0.03);
    expect(slope('AD', 'Hippocampus')).toBeLessThan(slope('CN', 'Hippocampus') - 0.02);
  });

  it('turns rows into histories oldest first with imaging where measured', () => {
    const histories = cohortHistories(simulateCohort({ patients: 5, seed: 2 }));
    const h = histories.get('999_S_0001')!;
    expect(h.sessions.map((s) => s.date)).toEqual([...h.sessions.map((s) => s.date)].sort());
    expect(h.demographics.ageAtBaseline).toBeGreaterThan(50);
  });
});

describe('writeCohortFile', () => {
  it('is idempotent: the same options write byte-identical files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'adni-cohort-'));
    const out = path.join(dir, 'cohort.csv');
    await writeCohortFile({ patients: 40, seed: 9, out });
    const first = await readFile(out, 'utf8');
    const result = await writeCohortFile({ patients: 40, seed: 9, out });
    expect(await readFile(out, 'utf8')).toBe(first);
    expect(result.patients).toBe(40);
    expect(result.rows).toBe(first.trim().split('\n').length - 1);
  });
});
