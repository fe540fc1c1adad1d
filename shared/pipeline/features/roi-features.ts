import type { RoiRegion } from '../../domain/roi-features.js';
import { labelStatistics } from '../image/stats.js';

/** Options of {@link regionFeatures}. */
export interface RegionFeaturesOptions {
  /** Atlas labels on the T1 grid. */
  labels: ArrayLike<number>;
  /** Bias-corrected T1 on the same grid. */
  t1: ArrayLike<number>;
  /** SUVR on the same grid. */
  suvr: ArrayLike<number>;
  /** Atlas LUT (index → name); every LUT region gets a row, in LUT order. */
  lut: Map<number, string>;
  voxelVolumeMm3: number;
}

/**
 * Per-region volume, mean T1 and mean SUVR, one pass per measure (labelStatistics). Regions the
 * warped atlas lost get volume 0 and null means.
 *
 * @example
 * const regions = regionFeatures({ labels, t1, suvr, lut, voxelVolumeMm3: 1 });
 */
export function regionFeatures(options: RegionFeaturesOptions): RoiRegion[] {
  const maxLabel = Math.max(...options.lut.keys());
  const t1 = labelStatistics(options.t1, options.labels, maxLabel);
  const suvr = labelStatistics(options.suvr, options.labels, maxLabel);
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return [...options.lut].map(([index, name]) => ({
    index,
    name,
    volumeMm3: t1.count[index] * options.voxelVolumeMm3,
    t1Mean: finite(t1.mean[index]),
    suvrMean: finite(suvr.mean[index]),
  }));
}

/**
 * Clinica-like TSV of the regions: `index  label_name  volume_mm3  t1_mean  suvr_mean` (n/a for null).
 *
 * @example
 * await writeFile('roi_features.tsv', regionsTsv(features.regions));
 */
export function regionsTsv(regions: RoiRegion[]): string {
  const f = (v: number | null) => (v === null ? 'n/a' : String(v));
  const rows = regions.map((r) => [r.index, r.name, f(r.volumeMm3), f(r.t1Mean), f(r.suvrMean)].join('\t'));
  return ['index\tlabel_name\tvolume_mm3\tt1_mean\tsuvr_mean', ...rows].join('\n') + '\n';
}
