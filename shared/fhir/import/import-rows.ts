import { z } from 'zod';
import { PatientIdSchema, SessionDateSchema } from '../../domain/session-key.js';
import { parseCsvRecords } from '../../model/cohort/cohort-csv.js';

/** Empty cells and ADNIMERGE's `NA` are missing values. */
const missing = (cell: string | undefined) => cell === undefined || cell.trim() === '' || cell.trim() === 'NA';

const numberIn = (name: string, min: number, max: number, options: { int?: boolean; step?: number } = {}) =>
  z
    .string()
    .optional()
    .transform((cell, ctx) => {
      if (missing(cell)) return undefined;
      const value = Number(cell);
      if (!Number.isFinite(value)) {
        ctx.addIssue({ code: 'custom', message: `${name} "${cell}" is not a number` });
        return z.NEVER;
      }
      if (value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `${name} ${value} is outside ${min}-${max}` });
        return z.NEVER;
      }
      if (options.int && !Number.isInteger(value)) {
        ctx.addIssue({ code: 'custom', message: `${name} ${value} is not a whole number` });
        return z.NEVER;
      }
      if (options.step && Math.abs(value / options.step - Math.round(value / options.step)) > 1e-9) {
        ctx.addIssue({ code: 'custom', message: `${name} ${value} is not a multiple of ${options.step}` });
        return z.NEVER;
      }
      return value;
    });

const DIAGNOSES: Record<string, 'CN' | 'MCI' | 'Dementia'> = { CN: 'CN', NL: 'CN', MCI: 'MCI', Dementia: 'Dementia', AD: 'Dementia' };

/**
 * One ADNIMERGE/TADPOLE row as imported: `PTID` (or `RID` where there is no PTID) is the patient id, `EXAMDATE`
 * the visit date, `AGE` the age at baseline. Score ranges are the instruments' own (MMSE 0–30, CDR-SB 0–18 in
 * steps of 0.5, ADAS13 0–85), so a shifted column or a unit mix-up is rejected rather than stored.
 */
export const ImportRowSchema = z
  .object({
    RID: z.string().optional(),
    PTID: z.string().optional(),
    VISCODE: z.string().optional().transform((v) => (missing(v) ? undefined : v!.trim())),
    EXAMDATE: z.string({ error: 'EXAMDATE is missing' }).pipe(SessionDateSchema),
    AGE: numberIn('AGE', 18, 120),
    PTGENDER: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (missing(v)) return undefined;
        if (v === 'Female' || v === 'Male') return v === 'Female' ? ('female' as const) : ('male' as const);
        ctx.addIssue({ code: 'custom', message: `PTGENDER "${v}" is not Female or Male` });
        return z.NEVER;
      }),
    PTEDUCAT: numberIn('PTEDUCAT', 0, 30, { int: true }),
    APOE4: numberIn('APOE4', 0, 2, { int: true }),
    DX: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (missing(v)) return undefined;
        const dx = DIAGNOSES[v!.trim()];
        if (dx) return dx;
        ctx.addIssue({ code: 'custom', message: `DX "${v}" is not CN, MCI or Dementia` });
        return z.NEVER;
      }),
    MMSE: numberIn('MMSE', 0, 30, { int: true }),
    CDRSB: numberIn('CDRSB', 0, 18, { step: 0.5 }),
    ADAS13: numberIn('ADAS13', 0, 85),
  })
  .transform((row, ctx) => {
    const id = missing(row.PTID) ? row.RID?.trim() : row.PTID!.trim();
    const parsed = PatientIdSchema.safeParse(id ?? '');
    if (!parsed.success || !id) {
      ctx.addIssue({ code: 'custom', message: id ? `patient id "${id}": ${parsed.error?.issues[0].message}` : 'PTID and RID are both missing' });
      return z.NEVER;
    }
    return { patientId: parsed.data, ...row };
  });

export type ImportRow = z.output<typeof ImportRowSchema>;

export interface RejectedRow {
  /** 1-based line of the CSV file (the header is line 1). */
  line: number;
  reason: string;
}

export interface ParsedImportCsv {
  rows: (ImportRow & { line: number })[];
  rejected: RejectedRow[];
}

/**
 * Parses an ADNIMERGE/TADPOLE-style CSV for import: every row is validated on its own, and a bad row is
 * reported with its line and every reason, never silently dropped or half-imported. Throws only when the file
 * as a whole cannot be used (empty, or no EXAMDATE / PTID-or-RID column).
 *
 * @example
 * const { rows, rejected } = parseImportCsv('PTID,EXAMDATE,MMSE\nP1,2024-01-10,28\nP2,2024-13-01,29\n');
 * rejected // [{ line: 3, reason: 'EXAMDATE: session date must be ...' }]
 */
export function parseImportCsv(text: string): ParsedImportCsv {
  const records = parseCsvRecords(text.replace(/^\uFEFF/, ''));
  if (records.length === 0) throw new Error('the CSV file is empty');
  const header = records[0].map((h) => h.trim());
  if (!header.includes('EXAMDATE')) throw new Error('the CSV has no EXAMDATE column (expected ADNIMERGE columns: RID or PTID, VISCODE, EXAMDATE, AGE, PTGENDER, PTEDUCAT, APOE4, DX, MMSE, CDRSB, ADAS13)');
  if (!header.includes('PTID') && !header.includes('RID')) throw new Error('the CSV has neither a PTID nor an RID column');
  const result: ParsedImportCsv = { rows: [], rejected: [] };
  for (let r = 1; r < records.length; r++) {
    const record = records[r];
    if (record.every((cell) => cell.trim() === '')) continue;
    const line = r + 1;
    if (record.length !== header.length) {
      result.rejected.push({ line, reason: `has ${record.length} cells; the header has ${header.length}` });
      continue;
    }
    const raw = Object.fromEntries(header.map((column, i) => [column, record[i]]));
    const parsed = ImportRowSchema.safeParse(raw);
    if (parsed.success) result.rows.push({ ...parsed.data, line });
    else result.rejected.push({ line, reason: parsed.error.issues.map((i) => (i.path.length && !i.message.startsWith(String(i.path[0])) ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ') });
  }
  return result;
}
