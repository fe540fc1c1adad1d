import type { Command } from 'commander';

/**
 * `adni upload`: uploads one imaging session (MRI + PET) so it gets preprocessed.
 *
 * @example
 * npx adni upload --patient P001 --session 2024-03-01 --mri mri.nii.gz --pet pet.nii.gz --wait
 */
export function register(program: Command): void {
  program
    .command('upload')
    .description('upload one session (MRI + PET .nii.gz) through the API, or straight into a store with --store')
    .requiredOption('--patient <id>', 'patient id (1-64 of A-Z a-z 0-9 . _ -)')
    .requiredOption('--session <date>', 'session date, YYYY-MM-DD')
    .requiredOption('--mri <file>', 'T1 MRI, .nii.gz')
    .requiredOption('--pet <file>', 'PET, .nii.gz')
    .option('--api <url>', 'API of a running stack', 'http://127.0.0.1:8080')
    .option('--store <provider>', 'write straight into this store instead of using the API (local, s3, ...)')
    .option('--bucket <name>', 'bucket/container for --store (local: not needed)')
    .option('--wait', 'wait until preprocessing completes or fails, then print the outputs', false)
    .option('--timeout <seconds>', 'how long --wait waits', '600')
    .action(async (raw: Record<string, unknown>) => {
      const { UploadOptionsSchema } = await import('../../local/upload-options.js');
      const parsed = UploadOptionsSchema.safeParse(raw);
      if (!parsed.success) {
        throw new Error(parsed.error.issues.map((i) => (i.path.length && !i.message.startsWith('--') ? `--${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
      }
      const { runUpload } = await import('../../local/run-upload.js');
      process.exitCode = await runUpload(parsed.data, { log: (line) => console.log(line), stream: process.stderr });
    });
}
