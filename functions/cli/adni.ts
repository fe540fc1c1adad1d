import { Command } from 'commander';
import { commands } from './commands/index.js';

/**
 * The `adni` command line. Each command is a module under `functions/cli/commands/` exporting
 * `register(program)`; command modules stay light and import heavy code inside their action.
 */
const program = new Command('adni')
  .description('ADNI progression: preprocessing and prediction, on one machine or any cloud')
  .showHelpAfterError();

for (const register of commands) register(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  // A clear message and a non-zero exit; never a stack trace (set ADNI_DEBUG=1 to see one).
  console.error(`adni: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.ADNI_DEBUG && error instanceof Error) console.error(error.stack);
  process.exitCode = 1;
});
