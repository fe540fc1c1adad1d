/**
 * `npm run bench:n4`: our N4 (shared/pipeline/n4, TypeScript, one thread) against native ITK N4
 * (bench/native/n4.cxx built against the system's ITK, ITK's default thread count) on the same input:
 * the MNI152 T1 with skull from ../shared/data upsampled to 1 mm (182×218×182), times a known smooth
 * field; sMRIPrep's parameters (shrink 4, 4 levels × 50 iterations, 200 mm mesh, threshold 0.001,
 * Otsu mask). For each tool: N4 compute time (no I/O), process wall time (read + N4 + write), peak RSS
 * of the process, and the quality figure — CV in the brain of N4(biased)/N4(unbiased) relative
 * to CV(biased/unbiased) (lower is better; < 0.10 passes).
 *
 * Prints a Markdown table and writes JSON (`--json FILE`, default bench/results/n4.json). Bounded runs,
 * not a timed test: the figures depend on the machine, which the output states. Without
 * ../shared/data it says so and exits 0; without cmake/ITK the native column says why it is missing.
 *
 * Options: --input mni152|colin27 (default mni152; Colin27 is real 1 mm anatomy with skull, JSON in
 * bench/results/n4-colin27.json), --runs N (our runs per input, median reported; default 3),
 * --native-runs N (default 1), --spacing 1|2 (default 1), --no-native.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..');
const { values } = parseArgs({ options: { json: { type: 'string' }, runs: { type: 'string' }, 'native-runs': { type: 'string' }, spacing: { type: 'string' }, input: { type: 'string' }, 'no-native': { type: 'boolean' } } });
const source = values.input ?? 'mni152';
if (source !== 'mni152' && source !== 'colin27') throw new Error('--input must be mni152 or colin27');
const runs = Number(values.runs ?? 3), nativeRuns = Number(values['native-runs'] ?? 1), spacing = Number(values.spacing ?? 1);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(nativeRuns) || nativeRuns < 1) throw new Error('--runs and --native-runs must be whole numbers ≥ 1');
if (spacing !== 1 && spacing !== 2) throw new Error('--spacing must be 1 or 2');
const jsonOut = values.json ?? path.join(here, 'results', source === 'mni152' ? 'n4.json' : `n4-${source}.json`);
const shrink = 4, iterations = '50x50x50x50', threshold = 0.001, distance = 200;

const { hasColinData, hasN4CaseData, makeN4Case, relativeResidualCv } = await import('../test/pipeline/support/n4-case.js');
if (!hasN4CaseData || (source === 'colin27' && !hasColinData)) {
  console.log(`bench:n4: ../shared/data (${source === 'colin27' ? 'Colin27 + the MNI152 1 mm brain mask' : 'MNI152 T1 + brain mask'}) is not here; nothing to measure.`);
  process.exit(0);
}
const { writeNifti } = await import('../shared/pipeline/io/write-nifti.js');
const { readNifti } = await import('../shared/pipeline/io/read-nifti.js');
const { makeImage } = await import('../shared/pipeline/image/allocate.js');

const work = await mkdtemp(path.join(os.tmpdir(), 'adni-bench-n4-'));
const caseData = await makeN4Case(spacing, source);
const files = { biased: path.join(work, 'biased.nii.gz'), unbiased: path.join(work, 'unbiased.nii.gz'), mask: path.join(work, 'brain_mask.nii.gz') };
await writeNifti(caseData.biased, files.biased);
await writeNifti(caseData.unbiased, files.unbiased);
await writeNifti(makeImage(caseData.grid, { data: caseData.brainMask, componentType: 'uint8' }), files.mask);

/** Runs a command, returns its stdout's last JSON line and, via /usr/bin/time when present, peak RSS. */
async function measured(cmd: string, args: string[]): Promise<{ json: Record<string, unknown>; wallMs: number; peakRssMiB: number | null }> {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const statFile = path.join(work, `time-${Date.now()}.txt`);
  const [bin, argv] = timeBin ? [timeBin, ['-f', '%M', '-o', statFile, cmd, ...args]] : [cmd, args];
  const started = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(bin, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} exited ${code}: ${err.slice(-500)}`))));
  });
  const wallMs = performance.now() - started;
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? '{}';
  const peak = timeBin ? Number((await readFile(statFile, 'utf8')).trim().split('\n').pop()) / 1024 : null;
  return { json: JSON.parse(line), wallMs, peakRssMiB: peak };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const r1 = (x: number) => Math.round(x * 10) / 10;

async function quality(outBiased: string, outUnbiased: string) {
  const b = (await readNifti(outBiased, { expect: 't1' })).image.data as Float32Array;
  const u = (await readNifti(outUnbiased, { expect: 't1' })).image.data as Float32Array;
  const q = relativeResidualCv(caseData.biased.data as Float32Array, caseData.unbiased.data as Float32Array, b, u, caseData.brainMask);
  return { cvBefore: q.before, cvAfter: q.after, relativeCv: q.relative };
}

// --- ours
const ours: Array<{ input: string; n4Ms: number; wallMs: number; peakRssMiB: number; iterations: unknown }> = [];
for (const input of ['biased', 'unbiased'] as const) {
  for (let r = 0; r < runs; r++) {
    const m = await measured(process.execPath, ['--import', 'tsx', path.join(here, 'n4-run.ts'), files[input], path.join(work, `ours-${input}.nii.gz`), String(shrink), '-']);
    ours.push({ input, n4Ms: Number(m.json.n4Ms), wallMs: m.wallMs, peakRssMiB: m.peakRssMiB ?? Number(m.json.peakRssMiB), iterations: m.json.iterations });
  }
}
const oursQuality = await quality(path.join(work, 'ours-biased.nii.gz'), path.join(work, 'ours-unbiased.nii.gz'));
const biasedRuns = ours.filter((o) => o.input === 'biased');
const oursSummary = {
  tool: 'adni N4 (TypeScript, 1 thread)',
  n4Ms: r1(median(biasedRuns.map((o) => o.n4Ms))),
  wallMs: r1(median(biasedRuns.map((o) => o.wallMs))),
  peakRssMiB: r1(Math.max(...biasedRuns.map((o) => o.peakRssMiB))),
  iterations: biasedRuns[0].iterations,
  runs: biasedRuns.length,
  ...oursQuality,
};

// --- native ITK
type NativeSummary = typeof oursSummary | { tool: string; available: false; reason: string };
let native: NativeSummary;
async function buildNative(): Promise<string> {
  const build = path.join(os.tmpdir(), 'adni-native-n4-build');
  const exe = path.join(build, 'n4');
  if (existsSync(exe)) return exe;
  await mkdir(build, { recursive: true });
  await run('cmake', [path.join(here, 'native'), '-DCMAKE_BUILD_TYPE=Release'], { cwd: build });
  await run('cmake', ['--build', build, '-j', '2'], { cwd: build, maxBuffer: 64 << 20 });
  return exe;
}
let itkVersion: string | null = null;
if (values['no-native']) {
  native = { tool: 'ITK N4 (native)', available: false, reason: 'skipped (--no-native)' };
} else {
  try {
    const exe = await buildNative();
    itkVersion = await run('dpkg-query', ['-W', '-f=${Version}', 'libinsighttoolkit5-dev']).then((r) => r.stdout, () => null);
    const nat: Array<{ input: string; n4Ms: number; wallMs: number; peakRssMiB: number | null; threads: unknown }> = [];
    for (const input of ['biased', 'unbiased'] as const) {
      for (let r = 0; r < (input === 'biased' ? nativeRuns : 1); r++) {
        const m = await measured(exe, [files[input], path.join(work, `itk-${input}.nii.gz`), String(shrink), iterations, String(threshold), String(distance), '-']);
        nat.push({ input, n4Ms: Number(m.json.totalMs), wallMs: m.wallMs, peakRssMiB: m.peakRssMiB, threads: m.json.threads });
      }
    }
    const nb = nat.filter((o) => o.input === 'biased');
    native = {
      tool: `ITK ${itkVersion ?? ''} N4 (native C++, ${String(nb[0].threads)} threads)`.replace('  ', ' '),
      n4Ms: r1(median(nb.map((o) => o.n4Ms))),
      wallMs: r1(median(nb.map((o) => o.wallMs))),
      peakRssMiB: r1(Math.max(...nb.map((o) => o.peakRssMiB ?? Number.NaN))),
      iterations: 'not reported by ITK',
      runs: nb.length,
      ...(await quality(path.join(work, 'itk-biased.nii.gz'), path.join(work, 'itk-unbiased.nii.gz'))),
    };
  } catch (error) {
    native = { tool: 'ITK N4 (native)', available: false, reason: `could not build or run bench/native (needs cmake, g++ and libinsighttoolkit5-dev): ${(error as Error).message.split('\n')[0]}` };
  }
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  loadAverage1m: os.loadavg()[0],
};
const result = {
  bench: 'n4',
  date: new Date().toISOString(),
  machine,
  input: {
    description: source === 'colin27'
      ? `Colin27 T1 with skull (../shared/data/colin27/ch2.nii.gz)${spacing === 1 ? ', native 1 mm grid' : ' resampled to 2 mm'} × a known smooth field; brain mask: MNI152 1 mm mask (test/pipeline/support/n4-case.ts)`
      : `MNI152 T1 with skull (../shared/data/mni152-2mm) resampled to ${spacing} mm × a known smooth field (test/pipeline/support/n4-case.ts)`,
    size: caseData.grid.size,
    spacingMm: caseData.grid.spacing,
  },
  parameters: { shrink, iterations, convergenceThreshold: threshold, splineDistanceMm: distance, mask: 'Otsu (both tools)' },
  ours: oursSummary,
  oursAllRuns: ours,
  native,
  speedup: 'n4Ms' in native ? r1(native.n4Ms / oursSummary.n4Ms) : null,
};
await mkdir(path.dirname(jsonOut), { recursive: true });
await writeFile(jsonOut, `${JSON.stringify(result, null, 2)}\n`);
await rm(work, { recursive: true, force: true });

const row = (s: NativeSummary) => ('n4Ms' in s
  ? `| ${s.tool} | ${(s.n4Ms / 1000).toFixed(2)} | ${(s.wallMs / 1000).toFixed(2)} | ${s.peakRssMiB.toFixed(0)} | ${(s.relativeCv * 100).toFixed(1)} % |`
  : `| ${s.tool} | n/a | n/a | n/a | ${s.reason} |`);
console.log(`N4 on ${source} ${result.input.size.join('×')} at ${spacing} mm; ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadAverage1m.toFixed(1)}`);
console.log('| tool | N4 s (no I/O) | process s (read+N4+write) | peak RSS MiB | CV(N4 b / N4 u) ÷ CV(b / u) |');
console.log('|---|---:|---:|---:|---:|');
console.log(row(oursSummary));
console.log(row(native));
if (result.speedup) console.log(`speed-up (ITK N4 time / ours): ${result.speedup}×`);
console.log(`JSON: ${path.relative(root, jsonOut)}`);
