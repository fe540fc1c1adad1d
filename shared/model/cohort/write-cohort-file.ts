import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toCohortCsv } from './cohort-csv.js';
import { simulateCohort } from './simulate-cohort.js';

export interface WriteCohortFileOptions {
  patients: number;
  seed: number;
  out: string;
}
export interface WriteCohortFileResult {
  path: string;
  patients: number;
  rows: number;
}

/**
 * Simulates a cohort and writes it as CSV atomically (temp file + rename: no half-written CSV on failure).
 *
 * @example
 * await writeCohortFile({ patients: 100, seed: 1, out: 'cohort.csv' }); // { path, patients: 100, rows: 6xx }
 */
export async function writeCohortFile(options: WriteCohortFileOptions): Promise<WriteCohortFileResult> {
  const rows = simulateCohort({ patients: options.patients, seed: options.seed });
  const target = path.resolve(options.out);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, toCohortCsv(rows));
  await rename(temp, target);
  return { path: target, patients: options.patients, rows: rows.length };
}
