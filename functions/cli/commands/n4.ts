import type { Command } from 'commander';
import { z } from 'zod';

const niftiPath = (flag: string) =>
  z.string({ error: `${flag} is required` }).min(1, `${flag} is required`).refine((p) => /\.nii(\.gz)?$/i.test(p), `${flag} must name a .nii or .nii.gz file`);

const N4OptionsSchema = z.object({
  in: niftiPath('--in'),
  out: niftiPath('--out'),
  mask: niftiPath('--mask').optional(),
  field: niftiPath('--field').optional(),
  shrink: z.coerce.number({ error: '--shrink must be a number' }).int('--shrink must be a whole number').min(1, '--shrink must be at least 1').max(16, '--shrink must be at most 16'),
  iterations: z
    .string()
    .regex(/^\d+(x\d+){0,7}$/, '--iterations must look like 50x50x50x50 (one count per level, at most 8 levels)')
    .transform((s) => s.split('x').map(Number))
    .refine((a) => a.every((n) => n >= 1 && n <= 1000), '--iterations counts must be between 1 and 1000'),
  splineDistance: z.coerce.number({ error: '--spline-distance must be a number' }).positive('--spline-distance must be > 0 mm').max(10_000, '--spline-distance must be at most 10000 mm'),
  convergence: z.coerce.number({ error: '--convergence must be a number' }).min(0, '--convergence must be ≥ 0').max(1, '--convergence must be ≤ 1'),
});

/**
 * `adni n4 --in T1 --out T1_N4 [--mask MASK] [--field FIELD]`: N4 bias-field correction (Tustison
 * 2010) with sMRIPrep's defaults (shrink 4, 4 levels × 50 iterations, 200 mm B-spline mesh).
 *
 * @example
 * npx adni n4 --in sub-01_T1w.nii.gz --out sub-01_T1w_n4.nii.gz --mask brain_mask.nii.gz
 */
export function register(program: Command): void {
  program
    .command('n4')
    .description('N4 bias-field correction of a 3-D image (writes the corrected image, optionally the field)')
    .requiredOption('--in <file>', 'input NIfTI (3-D)')
    .requiredOption('--out <file>', 'corrected output (.nii or .nii.gz)')
    .option('--mask <file>', 'fit the field only where this mask (same grid) is non-zero; default: Otsu foreground')
    .option('--field <file>', 'also write the multiplicative bias field')
    .option('--shrink <n>', 'shrink factor for the estimation', '4')
    .option('--iterations <list>', 'iterations per fitting level', '50x50x50x50')
    .option('--spline-distance <mm>', 'B-spline control-point spacing at the first level (mm)', '200')
    .option('--convergence <cv>', 'stop a level when the field update changes by less than this (CV)', '0.001')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = N4OptionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
      const o = parsed.data;
      const { correctBiasFieldFile } = await import('../../../shared/pipeline/n4/correct-file.js');
      const r = await correctBiasFieldFile({
        input: o.in,
        output: o.out,
        mask: o.mask,
        field: o.field,
        n4: { shrinkFactor: o.shrink, maxIterations: o.iterations, splineDistanceMm: o.splineDistance, convergenceThreshold: o.convergence },
      });
      console.log(`N4: ${r.size.join('×')} voxels, ${r.fitVoxels} fit voxels, iterations ${r.iterations.join('/')}, ${Math.round(r.n4Ms)} ms; wrote ${o.out}${o.field ? ` and ${o.field}` : ''}`);
    });
}
