import { z } from 'zod';

/** Version of the `roi_features.json` layout; bump on any incompatible change. */
export const ROI_FEATURES_SCHEMA_VERSION = 1;

// JSON has no NaN: a region the subject's atlas does not cover has null means.
const measure = z.number().finite().nullable();

/** One atlas region's features. `name` is the atlas LUT name. */
export const roiRegionSchema = z.object({
  index: z.number().int().positive(),
  name: z.string().min(1),
  /** Volume of the region on the T1 grid (mm³); 0 when the warped atlas lost it. */
  volumeMm3: z.number().finite().nonnegative(),
  /** Mean bias-corrected T1 intensity in the region. */
  t1Mean: measure,
  /** Mean SUVR in the region. */
  suvrMean: measure,
});
/** One region of {@link RoiFeatures}. */
export type RoiRegion = z.infer<typeof roiRegionSchema>;

/**
 * `roi_features.json`: what the preprocessing pipeline measured for one session (versioned; the
 * progression model and outside checks read exactly this).
 *
 * @example
 * const features = roiFeaturesSchema.parse(JSON.parse(await readFile('roi_features.json', 'utf8')));
 * features.regions.find((r) => r.name === 'Hippocampus_L')?.volumeMm3;
 */
export const roiFeaturesSchema = z.object({
  schemaVersion: z.literal(ROI_FEATURES_SCHEMA_VERSION),
  patientId: z.string().min(1).optional(),
  sessionDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  pipeline: z.object({
    name: z.string().min(1),
    version: z.string().min(1),
    /** Template bundle name (template.json `name`). */
    template: z.string().min(1),
    /** Atlas name (template.json `atlas.name`). */
    atlas: z.string().min(1),
    /** SUVR reference region. */
    reference: z.enum(['wholeCerebellum', 'cerebellarGray', 'pons']),
  }),
  global: z.object({
    /** Intracranial volume estimate: the refined brain mask (brain + CSF inside it), mm³. */
    icvMm3: z.number().finite().nonnegative(),
    /** Brain tissue volume: mask voxels brighter than the CSF/tissue Otsu split, mm³. */
    brainVolumeMm3: z.number().finite().nonnegative(),
    referenceRegion: z.enum(['wholeCerebellum', 'cerebellarGray', 'pons']),
    /** Mean PET (input units) in the reference region. */
    referenceMean: z.number().finite().positive(),
    /** GAAIN standard-method SUVR: Centiloid cortical target / whole cerebellum (bundle with Centiloid VOIs). */
    gaainSuvr: z.number().finite().optional(),
    /** Centiloid from `gaainSuvr` for the tracer given. */
    centiloid: z.number().finite().optional(),
    /** Tracer the Centiloid was computed for. */
    tracer: z.string().optional(),
  }),
  regions: z.array(roiRegionSchema),
  /** Wall time per step (ms); the only non-deterministic part of the file. */
  timingsMs: z.record(z.string(), z.number().nonnegative()),
});
/** Parsed `roi_features.json`. */
export type RoiFeatures = z.infer<typeof roiFeaturesSchema>;
