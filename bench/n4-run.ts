/**
 * One N4 run in its own process, for `bench/n4.ts`: read a NIfTI, correct it, write it; prints one JSON
 * line with the phase timings and the process's peak RSS (so each run's memory is its own, as for the
 * native binary it is compared with).
 *
 * Usage: node --import tsx bench/n4-run.ts IN OUT SHRINK [MASK|-]
 */
import { readNifti } from '../shared/pipeline/io/read-nifti.js';
import { writeNifti } from '../shared/pipeline/io/write-nifti.js';
import { n4BiasFieldCorrection } from '../shared/pipeline/n4/n4.js';

const [input, output, shrink, maskPath] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: n4-run IN OUT SHRINK [MASK|-]');
const t0 = performance.now();
const { image } = await readNifti(input, { expect: 't1' });
const mask = maskPath && maskPath !== '-' ? ((await readNifti(maskPath, { expect: 'mask' })).image.data as Uint8Array) : undefined;
const t1 = performance.now();
const result = n4BiasFieldCorrection(image, { shrinkFactor: Number(shrink ?? 4), mask });
const t2 = performance.now();
await writeNifti(result.corrected, output);
const t3 = performance.now();
console.log(JSON.stringify({
  readMs: t1 - t0,
  n4Ms: t2 - t1,
  writeMs: t3 - t2,
  totalMs: t3 - t0,
  iterations: result.iterations,
  fitVoxels: result.fitVoxels,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
}));
