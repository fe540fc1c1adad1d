/**
 * Statistics over a mask or per label, one pass over typed arrays.
 */

/** Summary statistics of the voxels selected by a mask. */
export interface MaskStatistics {
  count: number;
  sum: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for fewer than two voxels. */
  std: number;
  min: number;
  max: number;
}

/** Options of {@link maskStatistics}. */
export interface MaskStatisticsOptions {
  /** Select voxels whose mask value equals this label (default: any non-zero value). */
  label?: number;
}

/**
 * Mean, standard deviation, min, max of `values` where `mask` selects (same length arrays).
 * Welford's update keeps it stable for millions of voxels. Without a mask every voxel counts.
 *
 * @example
 * const { mean, std } = maskStatistics(t1.data, brainMask.data);
 */
export function maskStatistics(values: ArrayLike<number>, mask?: ArrayLike<number>, options: MaskStatisticsOptions = {}): MaskStatistics {
  if (mask && mask.length !== values.length) throw new Error(`mask has ${mask.length} voxels, values ${values.length}`);
  const label = options.label;
  let count = 0, mean = 0, m2 = 0, sum = 0;
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (mask) {
      const m = mask[i];
      if (label === undefined ? m === 0 : m !== label) continue;
    }
    const v = values[i];
    count++;
    sum += v;
    const d = v - mean;
    mean += d / count;
    m2 += d * (v - mean);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    count,
    sum,
    mean: count ? mean : Number.NaN,
    std: count > 1 ? Math.sqrt(m2 / (count - 1)) : 0,
    min: count ? min : Number.NaN,
    max: count ? max : Number.NaN,
  };
}

/** Per-label count, sum and mean, indexed by label value. */
export interface LabelStatistics {
  count: Float64Array;
  sum: Float64Array;
  mean: Float64Array;
}

/**
 * Count / sum / mean of `values` for every integer label 0..maxLabel in one pass.
 *
 * @example
 * const s = labelStatistics(suvr, atlas.data, 170);
 * s.mean[37]; // mean SUVR of label 37 (NaN when absent)
 */
export function labelStatistics(values: ArrayLike<number>, labels: ArrayLike<number>, maxLabel: number): LabelStatistics {
  if (labels.length !== values.length) throw new Error(`labels have ${labels.length} voxels, values ${values.length}`);
  const count = new Float64Array(maxLabel + 1);
  const sum = new Float64Array(maxLabel + 1);
  for (let i = 0; i < values.length; i++) {
    const l = labels[i];
    if (l >= 0 && l <= maxLabel) {
      count[l]++;
      sum[l] += values[i];
    }
  }
  const mean = new Float64Array(maxLabel + 1);
  for (let l = 0; l <= maxLabel; l++) mean[l] = count[l] ? sum[l] / count[l] : Number.NaN;
  return { count, sum, mean };
}

/** Coefficient of variation (std / |mean|) inside a mask. */
export function coefficientOfVariation(values: ArrayLike<number>, mask?: ArrayLike<number>): number {
  const s = maskStatistics(values, mask);
  return s.std / Math.abs(s.mean);
}
