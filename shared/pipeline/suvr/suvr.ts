/** Options of {@link computeSuvr}. */
export interface ComputeSuvrOptions {
  /** PET resampled onto the T1 grid. */
  pet: Float32Array;
  /** Reference-region mask on the T1 grid (non-zero = in). */
  reference: ArrayLike<number>;
  /** Minimum reference voxels for a usable mean (default 20). */
  minVoxels?: number;
}

/** Result of {@link computeSuvr}. */
export interface ComputeSuvrResult {
  /** PET / reference mean, on the T1 grid. */
  suvr: Float32Array;
  referenceMean: number;
  referenceVoxels: number;
}

/** The reference region is unusable (outside the PET field of view, or empty). */
export class SuvrError extends Error {
  override readonly name = 'SuvrError';
}

/**
 * Standardised uptake value ratio: PET divided by its mean in the reference region.
 *
 * @example
 * const { suvr, referenceMean } = computeSuvr({ pet: petInT1, reference: cerebellum });
 */
export function computeSuvr(options: ComputeSuvrOptions): ComputeSuvrResult {
  const { pet, reference } = options;
  if (pet.length !== reference.length) throw new Error(`reference has ${reference.length} voxels, PET ${pet.length}`);
  let sum = 0, n = 0;
  for (let i = 0; i < pet.length; i++) if (reference[i]) { sum += pet[i]; n++; }
  if (n < (options.minVoxels ?? 20)) throw new SuvrError(`the SUVR reference region covers only ${n} voxels of the T1 grid`);
  const referenceMean = sum / n;
  if (!(referenceMean > 0)) throw new SuvrError('the PET is zero in the SUVR reference region (is the region inside the PET field of view?)');
  const suvr = new Float32Array(pet.length);
  const inv = 1 / referenceMean;
  for (let i = 0; i < pet.length; i++) suvr[i] = pet[i] * inv;
  return { suvr, referenceMean, referenceVoxels: n };
}

/**
 * Mean of `values` over a mask (NaN when empty).
 *
 * @example
 * meanInMask(suvr, centiloidTarget) // GAAIN cortical SUVR
 */
export function meanInMask(values: ArrayLike<number>, mask: ArrayLike<number>): number {
  let s = 0, n = 0;
  for (let i = 0; i < values.length; i++) if (mask[i]) { s += values[i]; n++; }
  return n ? s / n : Number.NaN;
}
