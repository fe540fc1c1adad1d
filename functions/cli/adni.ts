import { Command } from 'commander';

/** The `adni` command line. Each command lives in its own module under `functions/cli/commands/`. */
const program = new Command('adni').description('ADNI progression: preprocessing and prediction, on one machine or any cloud');

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`adni: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
