import type { Command } from 'commander';
import { z } from 'zod';

const ImportOptionsSchema = z.object({
  csv: z.string().min(1, '--csv is required'),
  fhir: z.url({ error: '--fhir must be a URL, e.g. http://127.0.0.1:8080/fhir/R4' }).optional(),
  concurrency: z.coerce.number({ error: '--concurrency must be a number' }).int('--concurrency must be a whole number').min(1, '--concurrency must be 1-32').max(32, '--concurrency must be 1-32'),
});

/** How many rejected rows are printed; the count says how many more there were. */
const SHOWN_REJECTS = 20;

/**
 * `adni import --csv FILE`: loads an ADNIMERGE/TADPOLE-style CSV into FHIR (Patients + score Observations),
 * idempotently, with a progress bar and a report of rejected rows. Targets `--fhir`, else `FHIR_BASE_URL`
 * (auth by `FHIR_AUTH`), else the local stack on `PORT` (default 8080).
 *
 * @example
 * npx adni cohort --patients 50 --out /tmp/cohort.csv && npx adni import --csv /tmp/cohort.csv
 */
export function register(program: Command): void {
  program
    .command('import')
    .description('import an ADNIMERGE-style CSV (RID/PTID, VISCODE, EXAMDATE, AGE, PTGENDER, PTEDUCAT, APOE4, DX, MMSE, CDRSB, ADAS13) into FHIR; safe to repeat')
    .requiredOption('--csv <file>', 'the CSV file')
    .option('--fhir <url>', 'FHIR base URL (default FHIR_BASE_URL, else the local stack)')
    .option('--concurrency <n>', 'patients written at once', '4')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = ImportOptionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
      const { runImportCommand } = await import('../../local/run-import.js');
      process.exitCode = await runImportCommand(parsed.data, { shownRejects: SHOWN_REJECTS });
    });
}
