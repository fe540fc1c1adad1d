import type { ModelSpec } from '../shared/model/model-spec.js';
import type { ImagingMeasures, PatientHistory, RoiFeaturesLike } from '../shared/model/patient-history.js';

/**
 * A roi_features.json-like object that maps back onto `imaging` through model.json's roiMapping, padded to
 * the ~170 regions of AAL3 so the mapping cost is realistic.
 *
 * @example
 * roiFromImaging({ hippocampusMm3: 7000, icvMm3: 1.5e6, wholeBrainMm3: 1e6, amyloidSuvr: 1.2 }, spec);
 */
export function roiFromImaging(imaging: ImagingMeasures, spec: ModelSpec): RoiFeaturesLike {
  const regions: Array<{ name: string; volumeMm3: number; suvrMean: number | null }> = [];
  for (const [key, mapping] of Object.entries(spec.roiMapping.volumes)) {
    const total = key === 'hippocampus' ? imaging.hippocampusMm3 : imaging.entorhinalMm3;
    if (total === undefined) continue;
    for (const name of mapping.regions) regions.push({ name, volumeMm3: total / mapping.scale / mapping.regions.length, suvrMean: imaging.amyloidSuvr ?? null });
  }
  for (const name of spec.roiMapping.amyloidCompositeRegions) regions.push({ name, volumeMm3: 10_000, suvrMean: imaging.amyloidSuvr ?? null });
  for (let i = regions.length; i < 170; i++) regions.push({ name: `Other_${i}`, volumeMm3: 5_000, suvrMean: imaging.amyloidSuvr ?? null });
  return { global: { icvMm3: imaging.icvMm3 ?? 0, brainVolumeMm3: imaging.wholeBrainMm3 ?? 0 }, regions };
}

/**
 * A patient with `sessions` yearly sessions, scores at each and imaging as roi_features.json.
 *
 * @example
 * benchHistory(10, spec, roiFromImaging).sessions.length; // 10
 */
export function benchHistory(sessions: number, spec: ModelSpec, toRoi: typeof roiFromImaging): PatientHistory {
  return {
    patientId: 'BENCH-001',
    demographics: { ageAtBaseline: 72, sex: 'female', educationYears: 16, apoe4: 1 },
    sessions: Array.from({ length: sessions }, (_, i) => ({
      date: `${2014 + i}-03-15`,
      scores: { mmse: 28 - i * 0.8, cdrsb: 0.5 + i * 0.5, adas13: 12 + i * 1.8 },
      roi: toRoi({ hippocampusMm3: 7200 * (1 - 0.03 * i), entorhinalMm3: 3700 * (1 - 0.035 * i), wholeBrainMm3: 1.02e6 * (1 - 0.01 * i), icvMm3: 1.5e6, amyloidSuvr: 1.25 + 0.015 * i }, spec),
      references: [`Observation/bench-${i}`],
    })),
  };
}
