import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const FeatureSchema = z.object({ name: z.string(), kind: z.enum(['value', 'flag']), about: z.string().optional() });
const NormSchema = z.object({ mean: z.array(z.number()), std: z.array(z.number()) });

/** The parts of `model/model.json` (written by model/train.py) that inference relies on. */
export const ModelSpecSchema = z.object({
  name: z.string(),
  version: z.string(),
  onnx: z.string(),
  trainedOn: z.string(),
  trainingData: z.object({ source: z.string(), statement: z.string() }).loose(),
  inputs: z.object({
    static: z.object({ features: z.array(FeatureSchema) }).loose(),
    sequence: z.object({ features: z.array(FeatureSchema) }).loose(),
  }),
  normalization: z.object({ static: NormSchema, sequence: NormSchema }),
  outputs: z.object({
    scores: z.array(z.object({ key: z.enum(['mmse', 'cdr', 'adas']), adnimerge: z.string(), range: z.tuple([z.number(), z.number()]) })),
    horizonsMonths: z.array(z.number().int().positive()),
    quantiles: z.array(z.number()),
  }),
  roiMapping: z.object({
    atlas: z.string(),
    volumes: z.record(z.string(), z.object({ regions: z.array(z.string()), scale: z.number() })),
    amyloidCompositeRegions: z.array(z.string()),
  }).loose(),
  minimumSessions: z.number().int().min(1),
  /** The patient-level split train.py used (so evaluation can score the same held-out patients). */
  split: z.object({ seed: z.number().int() }).loose().optional(),
  testMetrics: z.unknown().optional(),
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

/** The committed model directory (`model/` at the repository root). */
export const DEFAULT_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../model');

/** The session features assemble-features.ts writes, in order; a model.json that differs is refused. */
export const EXPECTED_SEQUENCE_FEATURES = [
  'dt_years', 'mmse', 'mmse_observed', 'cdrsb', 'cdrsb_observed', 'adas13', 'adas13_observed',
  'hippocampus_icv', 'wholebrain_icv', 'mri_observed', 'entorhinal_icv', 'entorhinal_observed', 'amyloid_suvr', 'amyloid_observed',
] as const;
export const EXPECTED_STATIC_FEATURES = ['age', 'female', 'education', 'apoe4'] as const;

/**
 * Reads and validates `model.json`, checking its feature lists match what this code assembles.
 *
 * @example
 * const spec = await loadModelSpec(); // DEFAULT_MODEL_DIR
 * spec.outputs.horizonsMonths; // [6, 12, 18, 24, 36]
 */
export async function loadModelSpec(modelDir: string = DEFAULT_MODEL_DIR): Promise<ModelSpec> {
  const file = path.join(modelDir, 'model.json');
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`model spec ${file} not found: train one with /usr/bin/python3 model/train.py`);
  });
  const parsed = ModelSpecSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`model spec ${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const spec = parsed.data;
  const seq = spec.inputs.sequence.features.map((f) => f.name).join(',');
  const stat = spec.inputs.static.features.map((f) => f.name).join(',');
  if (seq !== EXPECTED_SEQUENCE_FEATURES.join(',') || stat !== EXPECTED_STATIC_FEATURES.join(',')) {
    throw new Error(`model spec ${file} expects features this code does not assemble (sequence: ${seq}; static: ${stat})`);
  }
  return spec;
}
