/**
 * Rasterises the analytic head ({@link classifyPoint}) onto the phantom template grid: the T1 (with
 * skull) and the uptake map are averaged over 2×2×2 sub-samples per voxel (partial volume at tissue
 * borders, as a real scan has), the masks and labels are taken at voxel centres.
 */
import type { Grid3 } from '../image/grid.js';
import { applyAffine, indexToPhysical, voxelCount } from '../image/grid.js';
import { classifyPoint, HEAD_CENTER, HEAD_HALF_EXTENT, T1_BY_TISSUE, TISSUE, CORTICAL_TARGET_LABELS } from './anatomy.js';
import type { UptakeTable } from './uptake.js';

/** The phantom template volumes (all on `grid`, x fastest). */
export interface PhantomTemplate {
  grid: Grid3;
  t1: Float32Array;
  brainMask: Uint8Array;
  atlas: Uint8Array;
  wholeCerebellum: Uint8Array;
  cerebellarGray: Uint8Array;
  pons: Uint8Array;
  centiloidTarget: Uint8Array;
  /** Tracer uptake (SUVR units relative to cerebellar grey = 1) with partial volume. */
  uptake: Float32Array;
}

/** Options of {@link buildPhantomTemplate}. */
export interface PhantomTemplateOptions {
  /** Isotropic spacing in mm (default 2, like the real MNI152 bundle). */
  spacingMm?: number;
  uptake: UptakeTable;
}

/**
 * The template grid: LPS-aligned (identity direction), covering the head with a margin of 4 mm.
 *
 * @example
 * templateGrid(2).size // [80, 96, 82]
 */
export function templateGrid(spacingMm: number): Grid3 {
  const size = [0, 1, 2].map((a) => 2 * Math.ceil((HEAD_HALF_EXTENT[a] + 4) / spacingMm)) as [number, number, number];
  // Voxel centres symmetric about the head centre.
  const origin = [0, 1, 2].map((a) => HEAD_CENTER[a] - ((size[a] - 1) / 2) * spacingMm) as [number, number, number];
  return { size, spacing: [spacingMm, spacingMm, spacingMm], origin, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

/**
 * Builds every template volume of the phantom.
 *
 * @example
 * const t = buildPhantomTemplate({ uptake: drawUptake(createRandom(1)) });
 * t.atlas; // labels 1..13
 */
export function buildPhantomTemplate(options: PhantomTemplateOptions): PhantomTemplate {
  const grid = templateGrid(options.spacingMm ?? 2);
  const n = voxelCount(grid);
  const t1 = new Float32Array(n), uptake = new Float32Array(n);
  const brainMask = new Uint8Array(n), atlas = new Uint8Array(n);
  const wholeCerebellum = new Uint8Array(n), cerebellarGray = new Uint8Array(n), pons = new Uint8Array(n), centiloidTarget = new Uint8Array(n);
  const target = new Uint8Array(256);
  for (const l of CORTICAL_TARGET_LABELS) target[l] = 1;
  const m = indexToPhysical(grid);
  const p = new Float64Array(3);
  const cls = new Int32Array(3);
  const q = grid.spacing[0] / 4; // sub-sample offsets ±¼ voxel
  const [nx, ny, nz] = grid.size;
  const { byTissue, byLabel } = options.uptake;
  let o = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, o++) {
        applyAffine(m, i, j, k, p);
        classifyPoint(p[0], p[1], p[2], cls);
        const tissue = cls[0], label = cls[1];
        brainMask[o] = cls[2];
        atlas[o] = label;
        wholeCerebellum[o] = tissue === TISSUE.cerebellarGm || tissue === TISSUE.cerebellarWm ? 1 : 0;
        cerebellarGray[o] = tissue === TISSUE.cerebellarGm ? 1 : 0;
        pons[o] = tissue === TISSUE.pons ? 1 : 0;
        centiloidTarget[o] = target[label];
        if (tissue === TISSUE.background && Math.abs(p[0] - HEAD_CENTER[0]) > HEAD_HALF_EXTENT[0] + 2) continue;
        let sumT1 = 0, sumU = 0;
        for (let s = 0; s < 8; s++) {
          classifyPoint(p[0] + (s & 1 ? q : -q), p[1] + (s & 2 ? q : -q), p[2] + (s & 4 ? q : -q), cls);
          sumT1 += T1_BY_TISSUE[cls[0]];
          sumU += cls[1] && byLabel[cls[1]] > 0 ? byLabel[cls[1]] : byTissue[cls[0]];
        }
        t1[o] = sumT1 / 8;
        uptake[o] = sumU / 8;
      }
    }
  }
  return { grid, t1, brainMask, atlas, wholeCerebellum, cerebellarGray, pons, centiloidTarget, uptake };
}
