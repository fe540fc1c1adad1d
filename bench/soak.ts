/**
 * `npm run bench:soak`: the local stack processes N phantom sessions (default 50) back to back, with the real
 * pipeline, while its memory is watched.
 *
 * The stack runs as `npm start` does (`node bin/adni.mjs serve`: API, embedded FHIR, model, worker pool with one
 * job per core) in a child process over a fresh data dir. The same phantom T1 + PET (seed 3, `adni phantom`)
 * is uploaded through the API as a new patient's session each time; `--concurrency` sessions (default: the
 * stack's job slots) are in flight at once, and the next upload starts when one finishes. Sampled every second
 * from /proc: the stack process's RSS, every job process's RSS (peak kept). Recorded per session: wall time,
 * outcome, stack RSS when it ended.
 *
 * Prints a summary table and writes JSON (`--json FILE`, default bench/results/soak.json). `--max-minutes`
 * (default 45) stops uploading after that long and records how far it got, so a slow machine gives a partial,
 * stated result rather than none.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    sessions: { type: 'string' },
    concurrency: { type: 'string' },
    'max-minutes': { type: 'string' },
    phantom: { type: 'string' },
    keep: { type: 'boolean' },
  },
});
const sessions = Number(values.sessions ?? 50);
const maxMinutes = Number(values['max-minutes'] ?? 45);
if (!Number.isInteger(sessions) || sessions < 1 || sessions > 500) throw new Error('--sessions must be a whole number, 1-500');
if (!(maxMinutes > 0)) throw new Error('--max-minutes must be a positive number');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const jsonOut = values.json ?? path.join(root, 'bench', 'results', 'soak.json');
const work = await mkdtemp(path.join(os.tmpdir(), 'adni-bench-soak-'));
const round1 = (n: number) => Math.round(n * 10) / 10;

// The phantom: generated once (or given with --phantom DIR holding subject/{mri,pet}.nii.gz).
let phantomDir = values.phantom;
if (!phantomDir) {
  phantomDir = path.join(work, 'phantom');
  const { generatePhantom, writePhantom } = await import('../shared/pipeline/phantom/index.js');
  await writePhantom(generatePhantom({ seed: 3 }), phantomDir);
}
const mri = await readFile(path.join(phantomDir, 'subject', 'mri.nii.gz'));
const pet = await readFile(path.join(phantomDir, 'subject', 'pet.nii.gz'));

// The stack, as `npm start` runs it.
const dataDir = path.join(work, 'data');
const logFile = path.join(work, 'stack.log');
const logStream = createWriteStream(logFile);
const child = spawn(process.execPath, [path.join(root, 'bin', 'adni.mjs'), 'serve'], {
  cwd: root,
  env: { ...process.env, ADNI_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', AUTH_ISSUER: '', AUTH_AUDIENCE: '' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
child.stderr!.pipe(logStream);
const url = await new Promise<string>((resolve, reject) => {
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    logStream.write(chunk);
    buffer += chunk.toString('utf8');
    const match = /ADNI local stack running at (http:\/\/\S+)/.exec(buffer);
    if (match) resolve(match[1]);
  });
  child.once('exit', (code) => reject(new Error(`the stack exited (${code}) before it was ready; see ${logFile}`)));
});
const slots = Number(values.concurrency ?? os.availableParallelism());
const startedAt = Date.now();
const loadStart = os.loadavg();

// Sampling: the stack's RSS and each job process's RSS, once a second.
const stackPid = child.pid!;
const samples: { t: number; stackMiB: number; jobsMiB: number[] }[] = [];
let workerPeakMiB = 0;
const readKb = (pid: number, field: 'VmRSS' | 'VmHWM') => {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
};
const childrenOf = (pid: number): number[] => {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
};
const sample = () => {
  const jobs = childrenOf(stackPid);
  const jobsMiB = jobs.map((pid) => readKb(pid, 'VmRSS') / 1024).filter(Number.isFinite);
  for (const pid of jobs) {
    const peak = readKb(pid, 'VmHWM') / 1024;
    if (Number.isFinite(peak)) workerPeakMiB = Math.max(workerPeakMiB, peak);
  }
  const stackMiB = readKb(stackPid, 'VmRSS') / 1024;
  samples.push({ t: round1((Date.now() - startedAt) / 1000), stackMiB: round1(stackMiB), jobsMiB: jobsMiB.map(round1) });
  return stackMiB;
};
const sampler = setInterval(sample, 1000);
const rssStart = sample();

/** Network errors the client met (a request retried), by step: reported, never hidden. */
const clientErrors: { step: string; error: string; at: number }[] = [];
async function retried<T>(step: string, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      clientErrors.push({ step, error: `${String(error)}${cause ? ` (${cause})` : ''}`, at: round1((Date.now() - startedAt) / 1000) });
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function uploadAndWait(index: number) {
  const patient = `SOAK${String(index + 1).padStart(3, '0')}`;
  const date = '2024-03-01';
  const began = Date.now();
  const created = await retried('POST /uploads', () =>
    fetch(`${url}/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ patient_id: patient, session_date: date }) }),
  );
  if (created.status !== 201) throw new Error(`POST /uploads answered ${created.status}: ${await created.text()}`);
  const { uploads } = (await created.json()) as { uploads: Record<string, { url: string; headers: Record<string, string> }> };
  for (const [modality, body] of [['mri', mri], ['pet', pet]] as const) {
    const put = await retried(`PUT ${modality}`, () => fetch(uploads[modality].url, { method: 'PUT', headers: uploads[modality].headers, body }));
    if (put.status !== 200) throw new Error(`PUT ${modality} answered ${put.status}`);
  }
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const { jobs } = await retried('GET /local-status', async () => (await (await fetch(`${url}/local-status/${patient}/${date}`)).json()) as { jobs: { status: string; reason?: string }[] });
    const last = jobs.at(-1);
    if (last && (last.status === 'completed' || last.status === 'failed')) {
      return { session: index + 1, patient, status: last.status, ...(last.reason ? { reason: last.reason } : {}), seconds: round1((Date.now() - began) / 1000), stackRssMiB: round1(sample()) };
    }
  }
}

const results: Awaited<ReturnType<typeof uploadAndWait>>[] = [];
let next = 0;
let stoppedEarly = false;
await Promise.all(
  Array.from({ length: slots }, async () => {
    while (next < sessions) {
      if (Date.now() - startedAt > maxMinutes * 60_000) {
        stoppedEarly = true;
        return;
      }
      const result = await uploadAndWait(next++);
      results.push(result);
      console.error(`session ${result.session}: ${result.status} in ${result.seconds} s, stack RSS ${result.stackRssMiB} MiB (${results.length}/${sessions})`);
    }
  }),
);
clearInterval(sampler);
const rssEnd = sample();
const exited = new Promise((resolve) => child.once('exit', resolve));
child.kill('SIGTERM');
await exited;
logStream.end();

results.sort((a, b) => a.session - b.session);
const completed = results.filter((r) => r.status === 'completed').length;
const stackSeries = samples.map((s) => s.stackMiB);
// Least-squares slope of the stack's RSS at each session's end over the second half of the run: MiB per session.
const tail = results.slice(Math.floor(results.length / 2));
const slope = (() => {
  if (tail.length < 2) return null;
  const xs = tail.map((r) => r.session);
  const ys = tail.map((r) => r.stackRssMiB);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return Math.round((num / den) * 100) / 100;
})();
const seconds = results.map((r) => r.seconds).sort((a, b) => a - b);
const result = {
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAvgStart: loadStart.map(round1),
    loadAvgEnd: os.loadavg().map(round1),
  },
  setup: `adni serve (API + embedded FHIR + model + worker pool), real pipeline; phantom seed 3 (T1 ${mri.length} B, PET ${pet.length} B gz) uploaded through the API as a new patient each time; ${slots} in flight`,
  sessionsRequested: sessions,
  sessionsRun: results.length,
  completed,
  failed: results.length - completed,
  stoppedEarly,
  wallMinutes: round1((Date.now() - startedAt) / 60_000),
  sessionSeconds: { min: seconds[0], median: seconds[Math.floor(seconds.length / 2)], max: seconds.at(-1) },
  stackRssMiB: {
    start: round1(rssStart),
    afterFirstSession: results[0]?.stackRssMiB,
    end: round1(rssEnd),
    min: Math.min(...stackSeries),
    max: Math.max(...stackSeries),
    slopeSecondHalfMiBPerSession: slope,
  },
  workerPeakRssMiB: round1(workerPeakMiB),
  clientErrors,
  perSession: results,
  samplesEvery10s: samples.filter((_, i) => i % 10 === 0),
};
console.log(`Soak on ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}; load average ${result.machine.loadAvgStart.join(' / ')} at start, ${result.machine.loadAvgEnd.join(' / ')} at end`);
console.log(`${result.setup}\n`);
console.log(
  [
    '| sessions | completed | failed | wall min | per session s (min / median / max) | stack RSS start → after 1st → end MiB (min–max) | slope 2nd half MiB/session | job peak RSS MiB |',
    '|---:|---:|---:|---:|---|---|---:|---:|',
    `| ${result.sessionsRun}/${sessions} | ${completed} | ${result.failed} | ${result.wallMinutes} | ${seconds[0]} / ${result.sessionSeconds.median} / ${result.sessionSeconds.max} | ${result.stackRssMiB.start} → ${result.stackRssMiB.afterFirstSession} → ${result.stackRssMiB.end} (${result.stackRssMiB.min}–${result.stackRssMiB.max}) | ${slope} | ${result.workerPeakRssMiB} |`,
  ].join('\n'),
);
await mkdir(path.dirname(jsonOut), { recursive: true });
await writeFile(jsonOut, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nJSON: ${jsonOut}`);
if (!values.keep) await rm(work, { recursive: true, force: true });
else console.log(`kept ${work}`);
if (existsSync(work) && !values.keep) console.error(`could not remove ${work}`);
