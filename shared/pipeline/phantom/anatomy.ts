/**
 * The analytic head of the phantom, in template physical space (ITK LPS millimetres: x+ is the
 * subject's left, y+ posterior, z+ superior). Nested ellipsoids make scalp, skull and CSF; the cerebrum
 * has a folded cortical ribbon (a smooth angular modulation of the pial and white surfaces, so that
 * registration has structure to lock on to), a midline fissure, lateral ventricles and thalami; the
 * cerebellum (grey cortex with folia around white matter) and the pons sit below the tentorium.
 * Everything is a pure function of the point, so any grid can be rasterised from it.
 */

/** Tissue classes of the phantom. */
export const TISSUE = {
  background: 0,
  scalp: 1,
  skull: 2,
  csf: 3,
  gm: 4,
  wm: 5,
  deepGm: 6,
  cerebellarGm: 7,
  cerebellarWm: 8,
  pons: 9,
} as const;
/** A value of {@link TISSUE}. */
export type Tissue = (typeof TISSUE)[keyof typeof TISSUE];
/** Number of tissue classes (table sizes). */
export const TISSUE_COUNT = 10;

/** T1-weighted intensity per tissue (arbitrary units, WM brightest inside the brain, skull dark). */
export const T1_BY_TISSUE: readonly number[] = [0, 650, 100, 220, 560, 860, 680, 580, 820, 760];

/** Atlas regions of the phantom: `index` is the label value, `name` its LUT name. */
export const PHANTOM_REGIONS: ReadonlyArray<{ index: number; name: string }> = [
  { index: 1, name: 'Frontal_L' },
  { index: 2, name: 'Frontal_R' },
  { index: 3, name: 'Parietal_L' },
  { index: 4, name: 'Parietal_R' },
  { index: 5, name: 'Temporal_L' },
  { index: 6, name: 'Temporal_R' },
  { index: 7, name: 'Occipital_L' },
  { index: 8, name: 'Occipital_R' },
  { index: 9, name: 'Thalamus_L' },
  { index: 10, name: 'Thalamus_R' },
  { index: 11, name: 'Cerebellum_L' },
  { index: 12, name: 'Cerebellum_R' },
  { index: 13, name: 'Pons' },
];
/** Labels of the cortical target used for the Centiloid-style global SUVR (frontal, parietal, temporal). */
export const CORTICAL_TARGET_LABELS: readonly number[] = [1, 2, 3, 4, 5, 6];

/** Centre of the head (mm, LPS): the centre of the scalp/skull/intracranial ellipsoids. */
export const HEAD_CENTER: readonly [number, number, number] = [0, 5, 5];
const SCALP: readonly number[] = [76, 92, 78];
const SKULL: readonly number[] = [71, 87, 73];
const INTRACRANIAL: readonly number[] = [65, 81, 67];
const CEREBRUM_C = [0, 0, 16], CEREBRUM_R = [58, 72, 52];
const MEDULLA_C = [0, 22, -50], MEDULLA_R = [9, 9, 16];
const CEREBELLUM_C = [0, 46, -26], CEREBELLUM_R = [44, 24, 19];
const PONS_C = [0, 18, -28], PONS_R = [13, 12, 17];
const VENTRICLE_C = [9, 0, 22], VENTRICLE_R = [6, 24, 9];
const THALAMUS_C = [11, 8, 8], THALAMUS_R = [8, 12, 8];

/** Half-size (mm) of a box around {@link HEAD_CENTER} that holds the whole head. */
export const HEAD_HALF_EXTENT: readonly [number, number, number] = [SCALP[0], SCALP[1], SCALP[2]];

function e2(x: number, y: number, z: number, c: readonly number[], r: readonly number[]): number {
  const a = (x - c[0]) / r[0], b = (y - c[1]) / r[1], d = (z - c[2]) / r[2];
  return a * a + b * b + d * d;
}

/**
 * Tissue and atlas label at a point; writes `out[0] = tissue`, `out[1] = label` (0 = none) and
 * `out[2] = 1` when the point is inside the brain mask (cerebrum envelope, cerebellum, pons; the
 * ventricles and sulcal CSF inside the envelope count, as in MNI brain masks). No allocation.
 *
 * @example
 * const out = new Int32Array(3);
 * classifyPoint(0, 46, -26, out); // out[0] === TISSUE.cerebellarWm, out[1] === 11
 */
export function classifyPoint(x: number, y: number, z: number, out: Int32Array): void {
  out[0] = TISSUE.background;
  out[1] = 0;
  out[2] = 0;
  if (e2(x, y, z, HEAD_CENTER, SCALP) > 1) return;
  if (e2(x, y, z, HEAD_CENTER, SKULL) > 1) { out[0] = TISSUE.scalp; return; }
  if (e2(x, y, z, HEAD_CENTER, INTRACRANIAL) > 1) { out[0] = TISSUE.skull; return; }
  out[0] = TISSUE.csf;
  const left = x >= 0 ? 1 : 0;

  if (e2(x, y, z, PONS_C, PONS_R) <= 1) {
    out[0] = TISSUE.pons; out[1] = 13; out[2] = 1;
    return;
  }
  if (e2(x, y, z, MEDULLA_C, MEDULLA_R) <= 1) {
    // Medulla: brain (in the mask) with white-matter contrast, no atlas region.
    out[0] = TISSUE.wm; out[2] = 1;
    return;
  }
  const rc2 = e2(x, y, z, CEREBELLUM_C, CEREBELLUM_R);
  if (rc2 <= 1) {
    // Folia: the grey/white boundary undulates with height (horizontal folds).
    const rc = Math.sqrt(rc2);
    const fol = 0.55 + 0.12 * Math.sin((z - CEREBELLUM_C[2]) * 0.9) * Math.cos((x - CEREBELLUM_C[0]) * 0.12);
    out[0] = rc > fol ? TISSUE.cerebellarGm : TISSUE.cerebellarWm;
    out[1] = left ? 11 : 12;
    out[2] = 1;
    return;
  }
  // Tentorium: a CSF gap of ~3 mm around the cerebellum separates it from the occipital lobes.
  if (e2(x, y, z, CEREBELLUM_C, [CEREBELLUM_R[0] + 3, CEREBELLUM_R[1] + 3, CEREBELLUM_R[2] + 3]) <= 1) return;

  const r2 = e2(x, y, z, CEREBRUM_C, CEREBRUM_R);
  if (r2 > 1) return;
  out[2] = 1;
  const dx = x - CEREBRUM_C[0], dy = y - CEREBRUM_C[1], dz = z - CEREBRUM_C[2];
  if (Math.abs(x) < 1.2 && dz > -15) return; // interhemispheric fissure (CSF)
  if (e2(Math.abs(x), y, z, VENTRICLE_C, VENTRICLE_R) <= 1) return; // lateral ventricles (CSF)
  if (e2(Math.abs(x), y, z, THALAMUS_C, THALAMUS_R) <= 1) {
    out[0] = TISSUE.deepGm; out[1] = left ? 9 : 10;
    return;
  }
  // Cortical folding: f ∈ [-1, 1] over the direction from the centre (gyri at f = 1, sulci at f = −1).
  const r = Math.sqrt(r2);
  const inv = r > 1e-9 ? 1 / r : 0;
  const ux = (dx / CEREBRUM_R[0]) * inv, uy = (dy / CEREBRUM_R[1]) * inv, uz = (dz / CEREBRUM_R[2]) * inv;
  const f = Math.sin(7 * ux + 1.3) * Math.sin(6 * uy + 0.4) * Math.sin(7 * uz + 2.1);
  const pial = 1 - 0.04 * (1 - f);
  if (r > pial) return; // sulcal CSF
  if (r > 0.88 - 0.06 * (1 - f)) {
    out[0] = TISSUE.gm;
    out[1] = corticalLabel(dx, dy, dz, left);
    return;
  }
  out[0] = TISSUE.wm;
}

/** Lobe of a cortical point (offsets from the cerebrum centre), by simple planes. */
function corticalLabel(dx: number, dy: number, dz: number, left: number): number {
  if (dy > 45) return left ? 7 : 8; // occipital
  if (dz < -8 && Math.abs(dx) > 22) return left ? 5 : 6; // temporal
  if (dy < -12) return left ? 1 : 2; // frontal
  return left ? 3 : 4; // parietal
}
