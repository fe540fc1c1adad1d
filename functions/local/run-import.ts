import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fhirStoreFromEnv } from '../../shared/fhir/client.js';
import { importCsv, type ImportCsvResult } from '../../shared/fhir/import/run-import.js';
import type { FhirStore } from '../../shared/fhir/store.js';

export interface RunImportOptions {
  csv: string;
  fhir?: string;
  concurrency: number;
}

/** Where `adni import` writes: `--fhir`, else `FHIR_BASE_URL`, else the local stack on `PORT` (default 8080). */
export function importTarget(options: { fhir?: string }, env: NodeJS.ProcessEnv = process.env): string {
  return options.fhir ?? env.FHIR_BASE_URL ?? `http://127.0.0.1:${env.PORT || 8080}/fhir/R4`;
}

/**
 * The body of `adni import`: reads the file, checks the server answers, imports with a progress bar on stderr
 * (when it is a terminal), and prints what was written and every rejected row's line and reason.
 * Returns the exit code: 0 when every valid row was written (rejected rows are reported, not fatal),
 * 1 when a patient could not be written.
 *
 * @example
 * process.exitCode = await runImportCommand({ csv: 'cohort.csv', concurrency: 4 });
 */
export async function runImportCommand(
  options: RunImportOptions,
  settings: { shownRejects?: number; store?: FhirStore; env?: NodeJS.ProcessEnv; out?: (line: string) => void } = {},
): Promise<number> {
  const env = settings.env ?? process.env;
  const out = settings.out ?? ((line: string) => console.log(line));
  const csvPath = path.resolve(options.csv);
  const csv = await readFile(csvPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `no such file: ${csvPath}` : `cannot read ${csvPath}: ${error.message}`);
  });
  const target = importTarget(options, env);
  const store = settings.store ?? (await fhirStoreFromEnv({ ...env, FHIR_BASE_URL: target }));
  try {
    await store.search('Patient', '_count=1', { maxResults: 1 });
  } catch (error) {
    throw new Error(
      `cannot reach the FHIR server at ${target}: ${error instanceof Error ? error.message : String(error)} (start the local stack with \`npm start\`, or set FHIR_BASE_URL / --fhir)`,
    );
  }

  const bar = process.stderr.isTTY ? await progressBar() : undefined;
  let result: ImportCsvResult;
  try {
    result = await importCsv({
      csv,
      store,
      concurrency: options.concurrency,
      onProgress: ({ total, done }) => (done === 0 ? bar?.start(total, 0) : bar?.update(done)),
    });
  } finally {
    bar?.stop();
  }

  out(`imported ${result.rows} rows of ${result.patients} patients into ${target}: ${result.created} resources created, ${result.existing} already there (updated in place)`);
  if (result.rejected.length) {
    out(`rejected ${result.rejected.length} rows (nothing of them was written):`);
    const shown = settings.shownRejects ?? 20;
    for (const r of result.rejected.slice(0, shown)) out(`  line ${r.line}: ${r.reason}`);
    if (result.rejected.length > shown) out(`  ... and ${result.rejected.length - shown} more`);
  }
  for (const failed of result.failedPatients) {
    out(`could not write the rows on lines ${failed.lines.join(', ')} (nothing of this patient was written): ${failed.reason}`);
  }
  return result.failedPatients.length ? 1 : 0;
}

async function progressBar() {
  const { default: progress } = await import('cli-progress');
  return new progress.SingleBar({ format: 'importing [{bar}] {value}/{total} patients, {eta_formatted} left', hideCursor: true }, progress.Presets.shades_classic);
}
