/**
 * `npm run bench:load`: the real local stack under concurrent HTTP load on loopback (autocannon).
 *
 * A child process runs the stack as `npm start` does (API + embedded FHIR on PGlite + the committed model),
 * bound to 127.0.0.1 with its API key REQUIRED (as when bound beyond loopback) and the audit log on. It seeds
 * one demo patient: 10 visits from the simulated cohort (scores, diagnosis) imported into its FHIR server,
 * 3 of them with a completed imaging session (Task + ImagingStudy + roi_features.json in the store).
 * Then, one after the other, `--duration` seconds each (default 60) with `--connections` (default 10):
 *   POST /predict-progression · GET /preprocessing-status/{p} · GET /patient-timeline/{p}
 * The per-client rate limit stays on but is set out of reach (ADNI_RATE_LIMIT_BURST / _PER_SECOND = 1e6):
 * its cost is in the figures, its 429s are not (one client here is the whole load).
 *
 * Prints a Markdown table and writes JSON (`--json FILE`, default bench/results/load.json).
 * Loopback only, bounded: connections and duration are fixed. Figures depend on the machine (stated).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    serve: { type: 'boolean' },
    data: { type: 'string' },
  },
});

const PATIENT_VISITS = 10;
const IMAGING_SESSIONS = 3;

if (values.serve) await serve(values.data!);
else await main();

/** Child mode: start the stack, seed the patient, report `{ url, apiKey, patient }` over IPC, run until SIGTERM. */
async function serve(dataDir: string): Promise<void> {
  const { startLocalStack } = await import('../providers/local/local-stack.js');
  const { createLocalPrediction } = await import('../providers/local/local-prediction.js');
  const { simulateCohort } = await import('../shared/model/cohort/simulate-cohort.js');
  const { toCohortCsv } = await import('../shared/model/cohort/cohort-csv.js');
  const { importCsv } = await import('../shared/fhir/import/run-import.js');
  const { FhirStatusSink } = await import('../shared/fhir/status-sink.js');
  const { roiFromImaging } = await import('./predict-history.js');
  const { jobName } = await import('../shared/core/job-contract.js');

  const local = await createLocalPrediction();
  const stack = await startLocalStack({ dataDir, port: 0, host: '127.0.0.1', watch: false, prediction: local.prediction, access: { requireApiKey: true, jwt: false } });
  local.bind(stack);

  // The cohort patient with the most visits, cut to its first 10.
  const rows = simulateCohort({ patients: 40, seed: 7 });
  const byPatient = new Map<string, typeof rows>();
  for (const row of rows) byPatient.set(row.PTID, [...(byPatient.get(row.PTID) ?? []), row]);
  const [patient, visits] = [...byPatient.entries()].sort((a, b) => b[1].length - a[1].length)[0];
  if (visits.length < PATIENT_VISITS) throw new Error(`the cohort's longest history has ${visits.length} visits, fewer than ${PATIENT_VISITS}`);
  const chosen = visits.sort((a, b) => a.EXAMDATE.localeCompare(b.EXAMDATE)).slice(0, PATIENT_VISITS);
  const imported = await importCsv({ csv: toCohortCsv(chosen), store: stack.fhir!, concurrency: 1 });
  if (imported.failedPatients.length > 0) throw new Error('seeding the demo patient into FHIR failed');

  // Imaging for the last 3 visits, as a completed job would leave it.
  const sink = new FhirStatusSink({ store: stack.fhir! });
  const spec = local.prediction.predictor.spec;
  for (const [i, visit] of chosen.slice(-IMAGING_SESSIONS).entries()) {
    const session = { patientId: patient, sessionDate: visit.EXAMDATE };
    const fingerprint = `${'0'.repeat(15)}${i}`;
    const prefix = `preprocessed/${patient}/${visit.EXAMDATE}/`;
    const roi = roiFromImaging({ hippocampusMm3: 7000 - 120 * i, entorhinalMm3: 3600 - 60 * i, wholeBrainMm3: 1.0e6, icvMm3: 1.5e6, amyloidSuvr: 1.3 + 0.02 * i }, spec);
    await stack.store.put(`${prefix}roi_features.json`, JSON.stringify(roi), { contentType: 'application/json' });
    const job = {
      ...session,
      fingerprint,
      jobName: jobName(patient, visit.EXAMDATE, fingerprint),
      inputBucket: stack.store.bucket,
      mriKey: `raw/${patient}/${visit.EXAMDATE}/mri.nii.gz`,
      petKey: `raw/${patient}/${visit.EXAMDATE}/pet.nii.gz`,
      outputBucket: stack.store.bucket,
      outputPrefix: prefix,
    };
    await sink.update({ job, status: 'completed', outputs: { roi_features: `${prefix}roi_features.json` }, at: new Date() });
  }
  process.send!({ url: stack.url, apiKey: stack.access.apiKey!.key, patient, visits: chosen.length, imaging: IMAGING_SESSIONS });
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await stack.close();
  process.exit(0);
}

async function main(): Promise<void> {
  const duration = Number(values.duration ?? 60);
  const connections = Number(values.connections ?? 10);
  if (!Number.isInteger(duration) || duration < 1 || duration > 600) throw new Error('--duration must be a whole number of seconds, 1-600');
  if (!Number.isInteger(connections) || connections < 1 || connections > 100) throw new Error('--connections must be a whole number, 1-100');
  const jsonOut = values.json ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'load.json');
  const { default: autocannon } = await import('autocannon');

  const loadAvgAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'adni-bench-load-'));
  const logFile = path.join(dataDir, 'server.log');
  const log = openSync(logFile, 'w');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', '--data', dataDir], {
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
    stdio: ['ignore', log, log, 'ipc'],
    env: { ...process.env, ADNI_RATE_LIMIT_BURST: '1000000', ADNI_RATE_LIMIT_PER_SECOND: '1000000', AUTH_ISSUER: '', AUTH_AUDIENCE: '', AUTH_JWKS_URL: '' },
  });
  try {
    const ready = await new Promise<{ url: string; apiKey: string; patient: string; visits: number; imaging: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as never));
      child.once('exit', (code) => reject(new Error(`the stack exited (${code}) before it was ready; see ${logFile}`)));
    });
    const headers = { authorization: `Bearer ${ready.apiKey}`, 'content-type': 'application/json' };
    // Each route must answer 200 before it is loaded: a bench of error pages measures nothing.
    const routes = [
      { name: 'POST /predict-progression', method: 'POST' as const, path: '/predict-progression', body: JSON.stringify({ patient_id: ready.patient }) },
      { name: 'GET /preprocessing-status/{p}', method: 'GET' as const, path: `/preprocessing-status/${ready.patient}` },
      { name: 'GET /patient-timeline/{p}', method: 'GET' as const, path: `/patient-timeline/${ready.patient}` },
    ];
    for (const route of routes) {
      const response = await fetch(`${ready.url}${route.path}`, { method: route.method, headers, body: route.body });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${route.name} answered ${response.status} before the run: ${text.slice(0, 300)}`);
    }
    const unauthorized = (await fetch(`${ready.url}${routes[1].path}`)).status;
    const rssBefore = rssMiB(child.pid!);

    const results = [];
    for (const route of routes) {
      const run = await autocannon({ url: `${ready.url}${route.path}`, method: route.method, headers, body: route.body, connections, duration, timeout: 30 });
      results.push({
        route: route.name,
        requests: run.requests.total,
        reqPerSec: Math.round(run.requests.average * 10) / 10,
        latencyMs: { p50: run.latency.p50, p97_5: run.latency.p97_5, p99: run.latency.p99, max: run.latency.max, mean: Math.round(run.latency.average * 100) / 100 },
        errors: run.errors,
        timeouts: run.timeouts,
        non2xx: run.non2xx,
        status2xx: run['2xx'],
      });
      console.error(`${route.name}: ${run.requests.total} requests, ${run.errors} errors, ${run.non2xx} non-2xx`);
    }
    const rssAfter = rssMiB(child.pid!);
    const result = {
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAvgAtStart, loadAvgAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100) },
      setup: {
        stack: 'local stack in a child process: API + embedded FHIR (PGlite) + model; API key required, audit log on, rate limit set out of reach (1e6)',
        client: `autocannon ${connections} connections, ${duration} s per route, loopback, same machine`,
        patient: `1 simulated patient, ${ready.visits} visits, ${ready.imaging} with completed imaging (roi_features.json)`,
        unauthorizedCheck: `GET /preprocessing-status without the key → ${unauthorized}`,
      },
      routes: results,
      serverRssMiB: { beforeLoad: rssBefore, afterLoad: rssAfter },
    };
    const rows = results.map((r) => `| ${r.route} | ${r.requests} | ${r.reqPerSec} | ${r.latencyMs.p50} | ${r.latencyMs.p97_5} | ${r.latencyMs.p99} | ${r.errors + r.timeouts} | ${r.non2xx} |`);
    console.log(`Load on ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}, load average ${loadAvgAtStart.join(' / ')} at start, ${result.machine.loadAvgAtEnd.join(' / ')} at end; ${result.setup.client}`);
    console.log(`server RSS ${rssBefore} MiB before, ${rssAfter} MiB after; ${result.setup.unauthorizedCheck}\n`);
    console.log(['| route | requests | req/s | p50 ms | p97.5 ms | p99 ms | errors | non-2xx |', '|---|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n'));
    await mkdir(path.dirname(jsonOut), { recursive: true });
    await writeFile(jsonOut, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nJSON: ${jsonOut}`);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Resident set of a process from /proc (Linux), in MiB. */
function rssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}
