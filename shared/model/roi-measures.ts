import type { ModelSpec } from './model-spec.js';
import type { ImagingMeasures, PatientSession, RoiFeaturesLike } from './patient-history.js';

/**
 * ADNIMERGE-style measures from a pipeline `roi_features.json`, by model.json's `roiMapping` (AAL3 names):
 * hippocampus = Hippocampus_L+R, entorhinal(-like) = ParaHippocampal_L+R, whole brain and ICV from `global`,
 * amyloid = volume-weighted mean SUVR over the cortical composite. A region set with a missing label gives
 * no value rather than a wrong one. Mirrors `roi_to_measures` in model/train.py.
 *
 * @example
 * roiToMeasures(roiFeaturesJson, spec.roiMapping); // { hippocampusMm3: 7xxx, icvMm3: 1.5e6, amyloidSuvr: 1.3, ... }
 */
export function roiToMeasures(roi: RoiFeaturesLike, mapping: ModelSpec['roiMapping']): ImagingMeasures {
  const byName = new Map(roi.regions.map((r) => [r.name, r]));
  const measures: ImagingMeasures = {};
  if (Number.isFinite(roi.global?.icvMm3)) measures.icvMm3 = roi.global.icvMm3;
  if (Number.isFinite(roi.global?.brainVolumeMm3)) measures.wholeBrainMm3 = roi.global.brainVolumeMm3;
  const volume = (key: string) => {
    const spec = mapping.volumes[key];
    if (!spec) return undefined;
    const regions = spec.regions.map((name) => byName.get(name));
    if (regions.some((r) => r === undefined)) return undefined;
    return regions.reduce((sum, r) => sum + r!.volumeMm3, 0) * spec.scale;
  };
  const hippocampus = volume('hippocampus');
  if (hippocampus !== undefined) measures.hippocampusMm3 = hippocampus;
  const entorhinal = volume('entorhinal');
  if (entorhinal !== undefined) measures.entorhinalMm3 = entorhinal;
  let weighted = 0;
  let total = 0;
  for (const name of mapping.amyloidCompositeRegions) {
    const region = byName.get(name);
    if (region === undefined || region.suvrMean === undefined || region.suvrMean === null) continue;
    weighted += region.volumeMm3 * region.suvrMean;
    total += region.volumeMm3;
  }
  if (total > 0) measures.amyloidSuvr = weighted / total;
  return measures;
}

/** A session's measures: `imaging` wins field by field over what `roi` gives. */
export function sessionMeasures(session: PatientSession, mapping: ModelSpec['roiMapping']): ImagingMeasures {
  const fromRoi = session.roi ? roiToMeasures(session.roi, mapping) : {};
  return { ...fromRoi, ...definedOnly(session.imaging ?? {}) };
}

function definedOnly(measures: ImagingMeasures): ImagingMeasures {
  return Object.fromEntries(Object.entries(measures).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))) as ImagingMeasures;
}
