// `npm run demo` (with `npm start` running): fills the local stack with something to click through — a
// simulated cohort in FHIR and one phantom MRI+PET session uploaded through the API — then says where to look.
// Settings: ADNI_API_URL (default http://127.0.0.1:8080), ADNI_DEMO_PATIENTS (default 12), ADNI_DATA_DIR.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const api = (process.env.ADNI_API_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const patients = process.env.ADNI_DEMO_PATIENTS ?? '12';
const work = path.resolve(process.env.ADNI_DATA_DIR ?? path.join(root, '.adni-data'), 'demo');

const adni = (...args) => {
  console.log(`$ adni ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'adni.mjs'), ...args], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    console.error(`demo stopped: "adni ${args[0]}" failed (exit ${result.status}).`);
    process.exit(1);
  }
};

try {
  const health = await fetch(`${api}/health`);
  if (!health.ok) throw new Error(`HTTP ${health.status}`);
} catch (error) {
  console.error(`No ADNI stack answers at ${api} (${error.message}). Start it first with \`npm start\` (or set ADNI_API_URL).`);
  process.exit(1);
}

mkdirSync(work, { recursive: true });
const csv = path.join(work, 'cohort.csv');
adni('cohort', '--patients', patients, '--seed', '7', '--out', csv);
adni('import', '--csv', csv, '--fhir', `${api}/fhir/R4`);

// One imaging session for the first patient, on the date of their last visit, so the timeline joins them.
const rows = readFileSync(csv, 'utf8').trim().split('\n').map((line) => line.split(','));
const [header, ...visits] = rows;
const col = (name) => header.indexOf(name);
const patient = visits[0][col('PTID')];
const session = visits.filter((v) => v[col('PTID')] === patient).map((v) => v[col('EXAMDATE')]).sort().at(-1);
const phantom = path.join(work, 'phantom');
if (!existsSync(path.join(phantom, 'subject', 'mri.nii.gz'))) adni('phantom', '--out', phantom, '--seed', '3');
adni('upload', '--patient', patient, '--session', session, '--mri', path.join(phantom, 'subject', 'mri.nii.gz'), '--pet', path.join(phantom, 'subject', 'pet.nii.gz'), '--api', api);

console.log(`
Demo data is in. Open the dashboard:
  ${api}/                          patients (search "999_S")
  ${api}/#/patients/${patient}     timeline, charts, Predict progression
The phantom session (${session}) is being preprocessed; its badge turns "Completed" in a minute or two,
then "View images" opens the viewer. Upload more at ${api}/#/upload`);
