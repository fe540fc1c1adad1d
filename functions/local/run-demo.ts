/**
 * `npm run demo`: a local stack with something to look at, from the real commands.
 *
 * 1. uses the stack at `ADNI_API` (default http://127.0.0.1:$PORT, PORT default 8080), or starts one
 *    (`adni serve`, data in `ADNI_DATA_DIR` or ./.adni-data) and keeps it running until Ctrl-C;
 * 2. `adni cohort`: 20 simulated patients (ADNIMERGE-format CSV, deterministic);
 * 3. `adni import`: into the stack's FHIR server (safe to repeat: nothing is duplicated);
 * 4. `adni phantom` + `adni upload`: a synthetic MRI+PET session for the first patient, which starts
 *    preprocessing;
 * and says where to look. Every step prints what it did.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseCohortCsv } from '../../shared/model/cohort/cohort-csv.js';
import { readFile } from 'node:fs/promises';
import { REPO_ROOT } from '../../providers/local/job-pool.js';

const api = (process.env.ADNI_API ?? `http://127.0.0.1:${process.env.PORT || 8080}`).replace(/\/+$/, '');
const dataDir = path.resolve(process.env.ADNI_DATA_DIR || '.adni-data');
const workDir = path.join(dataDir, 'demo');

function adni(args: string[], options: { quiet?: boolean } = {}): Promise<void> {
  console.log(`\n$ npx adni ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/adni.mjs', ...args], { cwd: REPO_ROOT, stdio: options.quiet ? 'ignore' : 'inherit', env: process.env });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`adni ${args[0]} exited with code ${code}`))));
  });
}

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(`${api}/health`)).ok;
  } catch {
    return false;
  }
}

async function fhirReady(): Promise<void> {
  // The stack opens FHIR in the background; the first request waits for it.
  const response = await fetch(`${api}/fhir/R4/metadata`);
  if (!response.ok) throw new Error(`the stack at ${api} has no FHIR server (HTTP ${response.status}); is ADNI_FHIR=off set?`);
}

let server: ReturnType<typeof spawn> | undefined;
if (!(await healthy())) {
  console.log(`no stack answers at ${api}: starting one (npm start) with data in ${dataDir}`);
  server = spawn(process.execPath, ['bin/adni.mjs', 'serve', '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ADNI_LOG_LEVEL: process.env.ADNI_LOG_LEVEL ?? 'warn' },
  });
  const deadline = Date.now() + 60_000;
  while (!(await healthy())) {
    if (server.exitCode !== null) throw new Error(`adni serve exited with code ${server.exitCode}`);
    if (Date.now() > deadline) throw new Error(`the stack did not answer at ${api} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

try {
  await fhirReady();
  await mkdir(workDir, { recursive: true });
  const csv = path.join(workDir, 'cohort.csv');
  await adni(['cohort', '--patients', '20', '--seed', '7', '--out', csv]);
  await adni(['import', '--csv', csv, '--fhir', `${api}/fhir/R4`]);
  const rows = parseCohortCsv(await readFile(csv, 'utf8'));
  const patient = rows[0].PTID;
  const session = rows.filter((r) => r.PTID === patient).at(-1)!.EXAMDATE;
  const phantom = path.join(workDir, `phantom-${Date.now()}`);
  await adni(['phantom', '--out', phantom, '--seed', '7']);
  await adni(['upload', '--patient', patient, '--session', session, '--mri', path.join(phantom, 'subject', 'mri.nii.gz'), '--pet', path.join(phantom, 'subject', 'pet.nii.gz'), '--api', api]);
  console.log(
    [
      '',
      'Demo data is in. Look at:',
      `  dashboard:           ${api}/`,
      `  patient timeline:    ${api}/patient-timeline/${patient}`,
      `  preprocessing:       ${api}/preprocessing-status/${patient}   (requested → in-progress → completed | failed)`,
      `  FHIR:                ${api}/fhir/R4/Patient?identifier=https://adni-progression.example.org/fhir/sid/patient-id|${patient}`,
      `  API description:     ${api}/openapi.json`,
      server ? 'The stack keeps running here; Ctrl-C stops it.' : '',
    ].join('\n'),
  );
} catch (error) {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  server?.kill('SIGTERM');
  process.exitCode = 1;
}

if (server && process.exitCode !== 1) {
  const stop = () => server!.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise((resolve) => server!.once('exit', resolve));
}
