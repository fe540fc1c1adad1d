import type { Random } from '../../model/cohort/random.js';
import { PHANTOM_REGIONS, TISSUE, TISSUE_COUNT } from './anatomy.js';

/**
 * Tracer uptake of the phantom (amyloid-like: cortex above the cerebellar grey reference, white matter
 * high, CSF and bone low). `byLabel[l] > 0` overrides the tissue value inside atlas region `l`.
 */
export interface UptakeTable {
  byTissue: Float64Array;
  byLabel: Float64Array;
}

/**
 * Draws one uptake table: every cortical region gets its own value in [1.1, 2.1] so regional SUVRs
 * differ per seed; the reference tissues are fixed (cerebellar grey 1.0, cerebellar white 1.4, pons 1.5).
 *
 * @example
 * const u = drawUptake(createRandom(7));
 * u.byLabel[1]; // frontal left, e.g. 1.63
 */
export function drawUptake(random: Random): UptakeTable {
  const byTissue = new Float64Array(TISSUE_COUNT);
  byTissue[TISSUE.background] = 0;
  byTissue[TISSUE.scalp] = 0.25;
  byTissue[TISSUE.skull] = 0.15;
  byTissue[TISSUE.csf] = 0.1;
  byTissue[TISSUE.gm] = 1.3;
  byTissue[TISSUE.wm] = 1.5;
  byTissue[TISSUE.deepGm] = 1.3;
  byTissue[TISSUE.cerebellarGm] = 1.0;
  byTissue[TISSUE.cerebellarWm] = 1.4;
  byTissue[TISSUE.pons] = 1.5;
  const byLabel = new Float64Array(256);
  // Cortical regions 1..8 and thalami 9..10 vary; cerebellum and pons keep their tissue values.
  for (const { index } of PHANTOM_REGIONS) if (index <= 10) byLabel[index] = 1.1 + random.uniform();
  return { byTissue, byLabel };
}
