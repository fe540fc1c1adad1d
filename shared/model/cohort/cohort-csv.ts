import { COHORT_COLUMNS, type CohortRow } from './simulate-cohort.js';

/**
 * Writes cohort rows as ADNIMERGE-style CSV: header of ADNIMERGE column names, missing values empty.
 *
 * @example
 * toCohortCsv(simulateCohort({ patients: 2, seed: 1 })).split('\n')[0]; // 'RID,PTID,VISCODE,EXAMDATE,...'
 */
export function toCohortCsv(rows: readonly CohortRow[]): string {
  const lines = [COHORT_COLUMNS.join(',')];
  for (const row of rows) lines.push(COHORT_COLUMNS.map((column) => formatCell(row[column])).join(','));
  return lines.join('\n') + '\n';
}

function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const NUMERIC = new Set<string>(['RID', 'AGE', 'PTEDUCAT', 'APOE4', 'MMSE', 'CDRSB', 'ADAS13', 'Hippocampus', 'Entorhinal', 'WholeBrain', 'ICV', 'AV45', 'Years_bl', 'Month_bl']);

/**
 * Reads an ADNIMERGE-format CSV (the simulator's or the real one: extra columns are ignored, `NA` and
 * empty cells are missing). Throws with the line number on a malformed number.
 *
 * @example
 * parseCohortCsv(toCohortCsv(rows)); // deep-equals rows
 */
export function parseCohortCsv(text: string): CohortRow[] {
  const records = parseCsvRecords(text);
  if (records.length === 0) throw new Error('cohort CSV is empty');
  const header = records[0];
  const missing = ['PTID', 'EXAMDATE'].filter((c) => !header.includes(c));
  if (missing.length > 0) throw new Error(`cohort CSV lacks column(s) ${missing.join(', ')}`);
  const rows: CohortRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const record = records[r];
    if (record.length === 1 && record[0] === '') continue;
    const row: Record<string, unknown> = {};
    header.forEach((column, i) => {
      if (!(COHORT_COLUMNS as readonly string[]).includes(column)) return;
      const cell = record[i] ?? '';
      if (cell === '' || cell === 'NA') return;
      if (NUMERIC.has(column)) {
        const value = Number(cell);
        if (!Number.isFinite(value)) throw new Error(`cohort CSV line ${r + 1}: ${column} is not a number`);
        row[column] = value;
      } else row[column] = cell;
    });
    rows.push(row as unknown as CohortRow);
  }
  return rows;
}

/** RFC 4180 records: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
