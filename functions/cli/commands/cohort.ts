import type { Command } from 'commander';
import { z } from 'zod';

const CohortOptionsSchema = z.object({
  patients: z.coerce.number({ error: '--patients must be a number' }).int('--patients must be a whole number').min(1, '--patients must be at least 1').max(1_000_000, '--patients must be at most 1000000'),
  seed: z.coerce.number({ error: '--seed must be a number' }).int('--seed must be a whole number').min(0, '--seed must be ≥ 0').max(2 ** 32 - 1, '--seed must fit in 32 bits'),
  out: z.string().min(1, '--out is required'),
});

/**
 * `adni cohort --patients N --seed S --out cohort.csv`: a simulated ADNIMERGE-format cohort.
 *
 * @example
 * npx adni cohort --patients 2000 --seed 7 --out /tmp/cohort.csv
 */
export function register(program: Command): void {
  program
    .command('cohort')
    .description('simulate a longitudinal CN/MCI/AD cohort as ADNIMERGE-format CSV (deterministic per seed)')
    .requiredOption('--patients <n>', 'number of patients')
    .option('--seed <s>', 'random seed', '1')
    .requiredOption('--out <file>', 'CSV file to write')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = CohortOptionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
      const { writeCohortFile } = await import('../../../shared/model/cohort/write-cohort-file.js');
      const result = await writeCohortFile(parsed.data);
      console.log(`wrote ${result.rows} visits of ${result.patients} simulated patients to ${result.path}`);
    });
}
