import type { Command } from 'commander';

/**
 * `adni reprocess`: preprocesses a patient's session(s) again through the running stack's API.
 *
 * @example
 * npx adni reprocess --patient P001 --session 2024-03-01
 */
export function register(program: Command): void {
  program
    .command('reprocess')
    .description('submit preprocessing again for a patient\'s session(s) whose MRI and PET are stored (POST /reprocess)')
    .requiredOption('--patient <id>', 'patient id (1-64 of A-Z a-z 0-9 . _ -)')
    .option('--session <date>', 'one session date, YYYY-MM-DD (default: every session of the patient)')
    .option('--api <url>', 'API of a running stack (ADNI_API_KEY / ADNI_ACCESS_TOKEN are sent when set)', 'http://127.0.0.1:8080')
    .option('--timeout <seconds>', 'how long to wait for the API', '60')
    .action(async (raw: Record<string, unknown>) => {
      const { ReprocessOptionsSchema, optionsError } = await import('../../local/reprocess-options.js');
      const parsed = ReprocessOptionsSchema.safeParse(raw);
      if (!parsed.success) throw optionsError(parsed.error);
      const { runReprocess } = await import('../../local/run-reprocess.js');
      process.exitCode = await runReprocess(parsed.data, { log: (line) => console.log(line) });
    });
}
