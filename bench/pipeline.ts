/**
 * `npm run bench:pipeline`: wall time per step and in total, and peak RSS, of the whole preprocessing
 * pipeline on a real-anatomy case built from ../shared/data (MNI152 with skull + AAL3 warped onto a
 * 1 mm subject grid, 182×218×182, with bias and noise; a 3-frame 4-D PET on a 2 mm grid in its own pose)
 * with a template bundle as fine as the subject: for the 1 mm subject a 1 mm MNI152/AAL3 bundle built
 * from ../shared/data at run time (test/pipeline/support/bundle-1mm.ts; the ready 2 mm bundle caps a
 * 1 mm subject's atlas Dice near 0.835 even with a perfect warp, bench/pipeline-ceiling.ts), for the
 * 2 mm subject the ready `mni152-aal3-2mm` bundle. Also scores the run against the case's ground truth.
 *
 * Where native elastix is installed (`apt-get install elastix`), runs the same template→subject
 * (affine + B-spline) and PET→T1 (rigid) registrations with the same parameter maps and inputs, and
 * reports the ratio wasm / native.
 *
 * Prints a Markdown table and writes JSON (`--json FILE`, default bench/results/pipeline.json).
 * Options: `--spacing 1|2` (subject T1 grid, default 1), `--bundle 1mm|2mm` (default: the subject's
 * spacing), `--seed N` (default 7), `--no-native`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';

const exec = promisify(execFile);
const { values } = parseArgs({ options: { json: { type: 'string' }, spacing: { type: 'string' }, seed: { type: 'string' }, 'no-native': { type: 'boolean' }, keep: { type: 'boolean' }, bundle: { type: 'string' } } });
const spacing = Number(values.spacing ?? 1);
if (spacing !== 1 && spacing !== 2) throw new Error('--spacing must be 1 or 2');
const seed = Number(values.seed ?? 7);
const bundleKind = values.bundle ?? `${spacing}mm`;
if (bundleKind !== '1mm' && bundleKind !== '2mm') throw new Error('--bundle must be 1mm or 2mm');
const jsonOut = values.json ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'pipeline.json');

const { hasSharedData, makeRealCase, REAL_BUNDLE } = await import('../test/pipeline/support/real-case.js');
if (!hasSharedData) throw new Error('bench:pipeline needs ../shared/data (MNI152, AAL3 and the mni152-aal3-2mm bundle)');
const { preprocess, DEFAULT_REGISTRATION } = await import('../shared/pipeline/preprocess.js');
const { readNifti, writeNifti } = await import('../shared/pipeline/io/index.js');
const { dice, labelDice, median } = await import('../test/pipeline/support/scores.js');

const work = await mkdtemp(path.join(os.tmpdir(), 'adni-bench-pipeline-'));
console.error(`building the case (seed ${seed}, ${spacing} mm T1, 4-D PET) in ${work}`);
const truth = await makeRealCase({ out: path.join(work, 'case'), seed, t1SpacingMm: spacing as 1 | 2, pet4d: true, flipPetAxis: true });
const { makeBundle1mm } = await import('../test/pipeline/support/bundle-1mm.js');
const templateDir = bundleKind === '1mm' ? await makeBundle1mm(path.join(work, 'bundle-1mm')) : REAL_BUNDLE;

// Peak RSS over the run, sampled (workers share the process, so this covers them too).
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 100);
const load0 = os.loadavg()[0];
console.error('running the pipeline');
const result = await preprocess({ mriPath: truth.t1Path, petPath: truth.petPath, outDir: path.join(work, 'out'), templateDir });
clearInterval(sampler);
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
const load1 = os.loadavg()[0];

const mask = await readNifti(result.outputs.brain_mask, { expect: 'mask' });
const atlas = await readNifti(result.outputs.atlas_in_t1, { expect: 'labels' });
const errors: number[] = [];
for (const r of result.features.regions) {
  const t = truth.suvr.get(r.index);
  if (t !== undefined && r.suvrMean !== null) errors.push(Math.abs(r.suvrMean / t - 1));
}
const accuracy = {
  brainDice: dice(mask.image.data as Uint8Array, truth.brainMask),
  meanAtlasDice: labelDice(atlas.image.data as ArrayLike<number>, truth.atlas).mean,
  medianSuvrError: median(errors),
};

// Native elastix on the same registrations, same maps, same inputs (2 threads: the machine's cores).
type Native =
  | { affineBsplineMs: number; rigidMs: number; affineBspline1ThreadMs: number; rigid1ThreadMs: number; wasmAffineBsplineMs: number; wasmRigidMs: number; version: string }
  | { skipped: string };
let native: Native = { skipped: 'elastix not installed (apt-get install elastix)' };
const elastixBin = ['/usr/bin/elastix', '/usr/local/bin/elastix'].find((p) => existsSync(p));
if (values['no-native']) native = { skipped: '--no-native' };
else if (elastixBin) {
  try {
    native = await runNative(elastixBin);
  } catch (error) {
    native = { skipped: `native elastix failed: ${String((error as { stdout?: string }).stdout ?? error).split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' | ')}` };
  }
}

const timings = result.timingsMs;
const rows: [string, number | string][] = [
  ['read + validate T1, PET, template bundle', timings.read],
  ['N4 (whole head, shrink 4, 4×50 iterations)', timings.n4],
  ['template→subject affine + B-spline (worker A)', timings.templateRegistration],
  ['PET frame realignment + average (worker B, ∥ A)', timings.petFrames],
  ['PET→T1 rigid (worker B, ∥ A)', timings.petToT1],
  ['warp brain mask, atlas, reference + Centiloid VOIs (2 workers)', timings.warpTemplate],
  ['PET onto the T1 grid', timings.petResample],
  ['brain-mask refinement', timings.brainMask],
  ['N4 inside the brain mask', timings.n4Masked],
  ['SUVR (+ GAAIN)', timings.suvr],
  ['atlas labels', timings.features],
  ['write NIfTI outputs + QC PNGs', timings.write],
  ['**total (wall)**', timings.total],
];
const report = {
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.versions.node, loadAverage1mBefore: load0, loadAverage1mAfter: load1 },
  input: { seed, t1: { size: truth.t1Grid.size, spacingMm: truth.t1Grid.spacing }, pet: '91×109×91×3 frames, 2 mm, first axis flipped', template: bundleKind === '1mm' ? 'MNI152 + AAL3 1 mm (181×217×181), built from ../shared/data by test/pipeline/support/bundle-1mm.ts' : 'mni152-aal3-2mm' },
  registration: DEFAULT_REGISTRATION,
  timingsMs: timings,
  peakRssMiB: Math.round(peakRss / 2 ** 20),
  accuracy,
  native,
};
await mkdir(path.dirname(jsonOut), { recursive: true });
await writeFile(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
if (!values.keep) await rm(work, { recursive: true, force: true });

console.log(`| step | wall ms |\n|---|---:|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}`);
console.log(`\npeak RSS ${report.peakRssMiB} MiB; brain Dice ${accuracy.brainDice.toFixed(4)}, mean atlas Dice ${accuracy.meanAtlasDice.toFixed(4)}, median SUVR error ${(accuracy.medianSuvrError * 100).toFixed(2)} %`);
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
console.log(`issue 3 targets: total ≤ 60 s ${met(timings.total <= 60_000)}; brain Dice ≥ 0.97 ${met(accuracy.brainDice >= 0.97)}; mean atlas Dice ≥ 0.83 ${met(accuracy.meanAtlasDice >= 0.83)}; median SUVR error ≤ 1.5 % ${met(accuracy.medianSuvrError <= 0.015)}`);
console.log(`machine: ${report.machine.cpus} cores (${report.machine.model}), ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, 1-min load ${load0.toFixed(1)} → ${load1.toFixed(1)}`);
if ('skipped' in native) console.log(`native elastix: skipped (${native.skipped})`);
else console.log(`native elastix ${native.version}: affine+B-spline ${native.affineBsplineMs} ms vs wasm ${native.wasmAffineBsplineMs} ms (×${(native.wasmAffineBsplineMs / native.affineBsplineMs).toFixed(2)}); rigid ${native.rigidMs} ms vs wasm ${native.wasmRigidMs} ms (×${(native.wasmRigidMs / native.rigidMs).toFixed(2)}); native with 1 thread: affine+B-spline ${native.affineBspline1ThreadMs} ms (wasm ×${(native.wasmAffineBsplineMs / native.affineBspline1ThreadMs).toFixed(2)}), rigid ${native.rigid1ThreadMs} ms (wasm ×${(native.wasmRigidMs / native.rigid1ThreadMs).toFixed(2)})`);
console.log(`JSON: ${jsonOut}`);

/** The same two registrations through native elastix and, sequentially, through the wasm build. */
async function runNative(bin: string): Promise<Native> {
  const { n4BiasFieldCorrection } = await import('../shared/pipeline/n4/index.js');
  const { downsampleForRegistration } = await import('../shared/pipeline/registration/volume.js');
  const { affineMap, bsplineMap, rigidMap } = await import('../shared/pipeline/registration/parameter-maps.js');
  const { registerAffineBSpline } = await import('../shared/pipeline/registration/register-deformable.js');
  const { registerRigid } = await import('../shared/pipeline/registration/register-rigid.js');
  const { realignAndAverageFrames } = await import('../shared/pipeline/registration/realign-frames.js');
  const { loadTemplateBundle } = await import('../shared/pipeline/template-bundle.js');
  const dir = path.join(work, 'native');
  await mkdir(dir, { recursive: true });
  const t1 = (await readNifti(truth.t1Path, { expect: 't1' })).image;
  const fixed = downsampleForRegistration(n4BiasFieldCorrection(t1).corrected, { targetSpacingMm: 2 });
  const bundle = await loadTemplateBundle(templateDir);
  // The pipeline registers a template finer than 2 mm from a block-averaged copy: so do both here.
  const moving = downsampleForRegistration(bundle.t1, { targetSpacingMm: 2 });
  await writeNifti(moving, path.join(dir, 'moving.nii.gz'));
  const petMean = (await realignAndAverageFrames({ pet: (await readNifti(truth.petPath, { expect: 'pet' })).image, map: DEFAULT_REGISTRATION.frames })).mean;
  await writeNifti(fixed, path.join(dir, 'fixed.nii.gz'));
  await writeNifti(petMean, path.join(dir, 'pet.nii.gz'));
  const maps = {
    affine: affineMap(DEFAULT_REGISTRATION.affine),
    bspline: bsplineMap(DEFAULT_REGISTRATION.bspline),
    rigid: rigidMap(DEFAULT_REGISTRATION.rigid),
  };
  // Debian's elastix 5.0.1 has no FinalLinearInterpolator component: a first-order B-spline is the same.
  const nativeMap = (m: Record<string, string[]>) => ({ ...m, ResampleInterpolator: ['FinalBSplineInterpolator'], FinalBSplineInterpolationOrder: ['1'] });
  for (const [name, map] of Object.entries(maps)) await writeFile(path.join(dir, `${name}.txt`), parameterFile(nativeMap(map)));
  const time = async (args: string[], out: string, threads = os.cpus().length) => {
    await mkdir(path.join(dir, out), { recursive: true });
    const t = performance.now();
    await exec(bin, [...args, '-out', path.join(dir, out), '-threads', String(threads)], { maxBuffer: 64 * 2 ** 20 });
    return Math.round(performance.now() - t);
  };
  const deformableArgs = ['-f', path.join(dir, 'fixed.nii.gz'), '-m', path.join(dir, 'moving.nii.gz'), '-p', path.join(dir, 'affine.txt'), '-p', path.join(dir, 'bspline.txt')];
  const rigidArgs = ['-f', path.join(dir, 'fixed.nii.gz'), '-m', path.join(dir, 'pet.nii.gz'), '-p', path.join(dir, 'rigid.txt')];
  const affineBsplineMs = await time(deformableArgs, 'deformable');
  const rigidMs = await time(rigidArgs, 'rigid');
  // One thread as well: the wasm build has one, so this separates the threading gap from the code-generation gap.
  const affineBspline1ThreadMs = await time(deformableArgs, 'deformable-1', 1);
  const rigid1ThreadMs = await time(rigidArgs, 'rigid-1', 1);
  let t = performance.now();
  await registerAffineBSpline({ fixed, moving, affine: DEFAULT_REGISTRATION.affine, bspline: DEFAULT_REGISTRATION.bspline });
  const wasmAffineBsplineMs = Math.round(performance.now() - t);
  t = performance.now();
  await registerRigid({ fixed, moving: petMean, map: DEFAULT_REGISTRATION.rigid });
  const wasmRigidMs = Math.round(performance.now() - t);
  const version = (await exec(bin, ['--version']).catch(() => ({ stdout: 'unknown' }))).stdout.trim();
  return { affineBsplineMs, rigidMs, affineBspline1ThreadMs, rigid1ThreadMs, wasmAffineBsplineMs, wasmRigidMs, version };
}

/** An elastix parameter file: `(Key value ...)`, numbers bare, words quoted. */
function parameterFile(map: Record<string, string[]>): string {
  return Object.entries(map)
    .map(([k, vs]) => `(${k} ${vs.map((v) => (/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(v) ? v : `"${v}"`)).join(' ')})`)
    .join('\n') + '\n';
}
