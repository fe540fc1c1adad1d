import type { Command } from 'commander';
import { z } from 'zod';

const ServeOptionsSchema = z.object({
  port: z.coerce.number().int('--port must be a whole number').min(0, '--port must be 0-65535').max(65535, '--port must be 0-65535').optional(),
  host: z.string().min(1, '--host must not be empty').optional(),
  dataDir: z.string().min(1, '--data-dir must not be empty').optional(),
});

/**
 * `adni serve` (what `npm start` runs): the whole product on this machine, no cloud.
 *
 * @example
 * npx adni serve --port 8080 --data-dir ./.adni-data
 */
export function register(program: Command): void {
  program
    .command('serve')
    .description('run the local one-machine stack: API, direct uploads, a watched drop folder and a job pool')
    .option('--port <port>', 'port to listen on (default $PORT or 8080)')
    .option('--host <host>', 'address to listen on (default $HOST or 127.0.0.1)')
    .option('--data-dir <dir>', 'where uploads, outputs and status live (default $ADNI_DATA_DIR or ./.adni-data)')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = ServeOptionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
      const { runServe } = await import('../../local/run-serve.js');
      await runServe(parsed.data);
    });
}
