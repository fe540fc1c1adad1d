/** Options of {@link otsuThreshold}. */
export interface OtsuOptions {
  /** Histogram bins (default 256; ITK's OtsuThresholdImageFilter uses 128). */
  bins?: number;
  /** Only voxels where this mask is non-zero count (default: all). */
  mask?: ArrayLike<number>;
}

/**
 * Otsu's threshold: the histogram split that maximises the between-class variance. Returns the
 * threshold value (voxels strictly above it are foreground), on the bin edge between the classes.
 *
 * @example
 * const t = otsuThreshold(t1.data);
 * const head = otsuMask(t1.data); // Uint8Array, 1 where value > t
 */
export function otsuThreshold(values: ArrayLike<number>, options: OtsuOptions = {}): number {
  const bins = options.bins ?? 256;
  const mask = options.mask;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return lo;
  const width = (hi - lo) / bins;
  const hist = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    hist[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  let total = 0, sumAll = 0;
  for (let b = 0; b < bins; b++) {
    total += hist[b];
    sumAll += b * hist[b];
  }
  let w0 = 0, sum0 = 0, best = -1, bestBin = 0;
  for (let b = 0; b < bins - 1; b++) {
    w0 += hist[b];
    sum0 += b * hist[b];
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const m0 = sum0 / w0, m1 = (sumAll - sum0) / w1;
    const between = w0 * w1 * (m0 - m1) * (m0 - m1);
    if (between > best) {
      best = between;
      bestBin = b;
    }
  }
  return lo + (bestBin + 1) * width;
}

/**
 * Foreground mask by Otsu's threshold: 1 where value > threshold.
 *
 * @example
 * const head = otsuMask(t1.data);
 */
export function otsuMask(values: ArrayLike<number>, options: OtsuOptions = {}): Uint8Array {
  const t = otsuThreshold(values, options);
  const out = new Uint8Array(values.length);
  const mask = options.mask;
  for (let i = 0; i < values.length; i++) out[i] = values[i] > t && (!mask || mask[i]) ? 1 : 0;
  return out;
}
