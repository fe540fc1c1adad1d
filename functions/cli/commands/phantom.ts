import type { Command } from 'commander';
import { z } from 'zod';

const PhantomOptionsSchema = z.object({
  out: z.string({ error: '--out is required' }).min(1, '--out is required'),
  seed: z.coerce.number({ error: '--seed must be a number' }).int('--seed must be a whole number').min(0, '--seed must be ≥ 0').max(2 ** 32 - 1, '--seed must fit in 32 bits'),
  petFrames: z.coerce.number({ error: '--pet-frames must be a number' }).int('--pet-frames must be a whole number').min(1, '--pet-frames must be at least 1').max(64, '--pet-frames must be at most 64'),
  flipPet: z.boolean().default(false),
});

/**
 * `adni phantom --out DIR [--seed N] [--pet-frames N] [--flip-pet]`: a synthetic template bundle, a
 * subject T1 + PET seen through a known warp, bias and pose, and the ground truth (see
 * shared/pipeline/phantom). Deterministic per seed.
 *
 * @example
 * npx adni phantom --out /tmp/phantom --seed 7
 * npx adni preprocess --mri /tmp/phantom/subject/mri.nii.gz --pet /tmp/phantom/subject/pet.nii.gz \
 *   --template-dir /tmp/phantom/template --out /tmp/phantom-out
 */
export function register(program: Command): void {
  program
    .command('phantom')
    .description('write a synthetic template bundle + subject T1/PET with known warp, bias and uptake, and its ground truth')
    .requiredOption('--out <dir>', 'new (or empty) folder to write')
    .option('--seed <n>', 'random seed', '1')
    .option('--pet-frames <n>', 'PET frames (more than 1 gives a 4-D PET with motion)', '1')
    .option('--flip-pet', 'store the PET with its first axis reversed')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = PhantomOptionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
      const { out, seed, petFrames, flipPet } = parsed.data;
      const { checkPhantomTarget, generatePhantom, writePhantom } = await import('../../../shared/pipeline/phantom/index.js');
      await checkPhantomTarget(out); // before the heavy work
      const written = await writePhantom(generatePhantom({ seed, petFrames, petFlipAxis: flipPet }), out);
      console.log(`wrote a phantom (seed ${seed}) to ${written.dir}: template bundle in template/, subject in subject/, truth in ground_truth/`);
    });
}
