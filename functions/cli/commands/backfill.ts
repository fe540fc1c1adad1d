import type { Command } from 'commander';

/**
 * `adni backfill`: reprocesses every stored session that has both files but no completed outputs.
 *
 * @example
 * npx adni backfill --dry-run
 */
export function register(program: Command): void {
  program
    .command('backfill')
    .description('submit preprocessing for every raw session with MRI + PET but no roi_features.json (POST /backfill)')
    .option('--dry-run', 'only list the sessions lacking outputs', false)
    .option('--in-flight-minutes <n>', 'leave out sessions with a job submitted less than n minutes ago (default 120; 0: submit them too)')
    .option('--api <url>', 'API of a running stack (ADNI_API_KEY / ADNI_ACCESS_TOKEN are sent when set)', 'http://127.0.0.1:8080')
    .option('--timeout <seconds>', 'how long to wait for the API', '60')
    .action(async (raw: Record<string, unknown>) => {
      const { BackfillOptionsSchema, optionsError } = await import('../../local/reprocess-options.js');
      const parsed = BackfillOptionsSchema.safeParse(raw);
      if (!parsed.success) throw optionsError(parsed.error);
      const { runBackfill } = await import('../../local/run-reprocess.js');
      process.exitCode = await runBackfill(parsed.data, { log: (line) => console.log(line) });
    });
}
