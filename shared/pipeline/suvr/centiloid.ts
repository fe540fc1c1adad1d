/**
 * Centiloid conversion of GAAIN standard-method SUVR (cortical target VOI / whole cerebellum),
 * CL = slope × SUVR + intercept, with the published calibrations of each tracer.
 */
export const CENTILOID_CALIBRATIONS = {
  /** Klunk et al., Alzheimer's & Dementia 2015 (the Centiloid definition). */
  pib: { slope: 93.7, intercept: -94.6 },
  /** Navitsky et al., Alzheimer's & Dementia 2018. */
  florbetapir: { slope: 175.4, intercept: -182.3 },
  /** Rowe et al., EJNMMI 2017. */
  florbetaben: { slope: 153.4, intercept: -154.9 },
  /** Battle et al., EJNMMI Research 2018. */
  flutemetamol: { slope: 121.42, intercept: -121.16 },
  /** Rowe et al., EJNMMI Research 2016. */
  nav4694: { slope: 85.2, intercept: -87.6 },
} as const;

/** A tracer {@link centiloid} knows. */
export type CentiloidTracer = keyof typeof CENTILOID_CALIBRATIONS;
/** The tracers, for option validation. */
export const CENTILOID_TRACERS = Object.keys(CENTILOID_CALIBRATIONS) as CentiloidTracer[];

/**
 * Centiloid from a GAAIN standard-method SUVR.
 *
 * @example
 * centiloid(1.5, 'pib') // 45.95
 */
export function centiloid(gaainSuvr: number, tracer: CentiloidTracer): number {
  const c = CENTILOID_CALIBRATIONS[tracer];
  return c.slope * gaainSuvr + c.intercept;
}
