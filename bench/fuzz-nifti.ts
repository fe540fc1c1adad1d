/**
 * `npm run fuzz:nifti`: fuzzes the NIfTI reader's header handling with fast-check (issue 8).
 *
 * 1. header: ≥ 100k mutated NIfTI-1/NIfTI-2 headers through parse → validate → orientation → ITK geometry
 *    (synchronous); each must be refused with a typed `PipelineInputError` or accepted as a bounded,
 *    plausible grid; per-case wall time guarded (1 s).
 * 2. file: mutated whole files (.nii, .nii.gz, gzip streams damaged or extended after compression, bombs)
 *    through the streaming scan `scanNifti` with an 8 MiB inflate cap; each must settle within 10 s with a
 *    typed refusal or a bounded scan, and its file is removed after the case.
 * 3. decode: more mutated files through `readNifti`, so that itk-wasm decodes whatever the scan accepts
 *    (its own failures must surface as typed `UNREADABLE`, never a crash or non-finite voxels).
 * Peak RSS (resourceUsage().maxRSS) is recorded and must stay under 1 GiB: the reader must refuse absurd
 * headers before allocating anything for them.
 *
 * Options: --header N (default 200000) --file N (default 20000) --decode N (default 3000) --seed S (default 20261204) --json FILE
 * (default bench/results/fuzz-nifti.json). Exits 1 on the first property failure, with the shrunk case.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { fileProperty, headerProperty } from '../test/security/hostile-nifti/fuzz.js';

const { values } = parseArgs({ options: { header: { type: 'string' }, file: { type: 'string' }, decode: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' } } });
const headerRuns = Number(values.header ?? 200_000);
const fileRuns = Number(values.file ?? 20_000);
const decodeRuns = Number(values.decode ?? 3000);
const seed = Number(values.seed ?? 20261204);
for (const [name, v] of [['--header', headerRuns], ['--file', fileRuns], ['--decode', decodeRuns], ['--seed', seed]] as const) {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number ≥ 0`);
}
const jsonOut = values.json ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'fuzz-nifti.json');
const RSS_LIMIT_MIB = 1024;

const mib = (kib: number) => Math.round(kib / 1024);
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const loadStart = load();
const rssStartMib = mib(process.resourceUsage().maxRSS);

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(3));
  return { p50_ms: q(0.5), p99_ms: q(0.99), max_ms: q(1) };
}

const count = (tally: Record<string, number>, key: string) => (tally[key] = (tally[key] ?? 0) + 1);

// 1. Header target.
const headerTimes: number[] = [];
const headerOutcomes: Record<string, number> = {};
let t0 = performance.now();
const header = fc.check(headerProperty((ms, outcome) => { headerTimes.push(ms); count(headerOutcomes, outcome); }), { numRuns: headerRuns, seed, endOnFailure: true });
const headerWallS = (performance.now() - t0) / 1000;
console.error(`header: ${header.numRuns} cases in ${headerWallS.toFixed(1)} s, ${header.failed ? 'FAILED' : 'no failure'}`);

// 2. File target (skipped when the header target failed: fix that first).
const dir = await mkdtemp(path.join(os.tmpdir(), 'adni-fuzz-nifti-'));
const fileTimes: number[] = [];
const fileOutcomes: Record<string, number> = {};
t0 = performance.now();
const file = header.failed
  ? undefined
  : await fc.check(fileProperty(dir, (r) => { fileTimes.push(r.ms); count(fileOutcomes, r.outcome); }), { numRuns: fileRuns, seed: seed + 1, endOnFailure: true });
const fileWallS = (performance.now() - t0) / 1000;
if (file) console.error(`file: ${file.numRuns} cases in ${fileWallS.toFixed(1)} s, ${file.failed ? 'FAILED' : 'no failure'}`);

// 3. Decode target: the same file cases through readNifti, so itk-wasm decodes whatever the scan accepts.
const decodeTimes: number[] = [];
const decodeOutcomes: Record<string, number> = {};
t0 = performance.now();
const decode = header.failed || file?.failed || decodeRuns === 0
  ? undefined
  : await fc.check(fileProperty(dir, (r) => { decodeTimes.push(r.ms); count(decodeOutcomes, r.outcome); }, true), { numRuns: decodeRuns, seed: seed + 2, endOnFailure: true });
const decodeWallS = (performance.now() - t0) / 1000;
if (decode) console.error(`decode: ${decode.numRuns} cases in ${decodeWallS.toFixed(1)} s, ${decode.failed ? 'FAILED' : 'no failure'}`);
const leftOver = (await readdir(dir)).length;
await rm(dir, { recursive: true, force: true });

const peakRssMib = mib(process.resourceUsage().maxRSS);
const failures = [header, file, decode].filter((d) => d?.failed).map((d) => ({ error: String(d!.errorInstance ?? d!.error).slice(0, 500), counterexample: JSON.stringify(d!.counterexample).slice(0, 2000), seed: d!.seed, path: d!.counterexamplePath }));
const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version, load_start: loadStart, load_end: load() },
  seed,
  header: { target: 'parse → validate → orientation → ITK geometry', cases: header.numRuns, failed: header.failed, wall_s: Number(headerWallS.toFixed(1)), cases_per_s: Math.round(header.numRuns / headerWallS), ...summary(headerTimes), outcomes: headerOutcomes },
  file: file
    ? { target: 'scanNifti (streaming inflate + header + counts)', cases: file.numRuns, failed: file.failed, inflate_cap_bytes: 8 << 20, wall_s: Number(fileWallS.toFixed(1)), ...summary(fileTimes), outcomes: fileOutcomes }
    : { skipped: 'header target failed' },
  decode: decode
    ? { target: 'readNifti (scan, then itk-wasm decode)', cases: decode.numRuns, failed: decode.failed, inflate_cap_bytes: 8 << 20, wall_s: Number(decodeWallS.toFixed(1)), ...summary(decodeTimes), outcomes: decodeOutcomes }
    : { skipped: 'an earlier target failed or --decode 0' },
  files_left: leftOver,
  total_cases: header.numRuns + (file?.numRuns ?? 0) + (decode?.numRuns ?? 0),
  failures_found: failures.length,
  failures,
  rss_mib: { start: rssStartMib, peak: peakRssMib, limit: RSS_LIMIT_MIB },
};
await writeFile(jsonOut, `${JSON.stringify(result, null, 2)}\n`);
console.log(`| target | cases | failures | wall s | p99 ms/case | max ms/case |\n|---|---:|---:|---:|---:|---:|`);
console.log(`| header | ${result.header.cases} | ${header.failed ? 1 : 0} | ${result.header.wall_s} | ${result.header.p99_ms} | ${result.header.max_ms} |`);
for (const [name, d, times, wall] of [['file', file, fileTimes, fileWallS], ['decode', decode, decodeTimes, decodeWallS]] as const) {
  if (d) console.log(`| ${name} | ${d.numRuns} | ${d.failed ? 1 : 0} | ${wall.toFixed(1)} | ${summary(times).p99_ms} | ${summary(times).max_ms} |`);
}
console.log(`outcomes: header ${JSON.stringify(headerOutcomes)}\n          file ${JSON.stringify(fileOutcomes)}\n          decode ${JSON.stringify(decodeOutcomes)}`);
console.log(`peak RSS ${peakRssMib} MiB (limit ${RSS_LIMIT_MIB}); load ${loadStart.join(' ')} → ${result.machine.load_end.join(' ')}; wrote ${jsonOut}`);
for (const f of failures) console.error(`FAILURE: ${f.error}\n  counterexample: ${f.counterexample}\n  replay: seed ${f.seed} path ${f.path}`);
process.exitCode = failures.length > 0 || peakRssMib > RSS_LIMIT_MIB || leftOver > 0 ? 1 : 0;
