/**
 * Every number the cohort simulator draws from, with where it comes from. `source` keys are the
 * references listed in docs/MODEL.md; `choice` marks a simulation choice (no single published figure),
 * kept within the range ADNI analyses report, so nobody mistakes it for a citation.
 */
export type Group = 'CN' | 'MCI' | 'AD';
export const GROUPS: readonly Group[] = ['CN', 'MCI', 'AD'];

interface PerGroup<T> {
  CN: T;
  MCI: T;
  AD: T;
}
interface Cited<T> {
  value: T;
  source: string;
}

export const LITERATURE = {
  /** ADNI-1 enrolment: 229 CN, 398 MCI, 192 AD. */
  enrolment: { value: { CN: 229, MCI: 398, AD: 192 }, source: 'Petersen2010' } as Cited<PerGroup<number>>,
  /** Baseline age mean/SD (years). */
  age: { value: { CN: [76.0, 5.0], MCI: [74.7, 7.4], AD: [75.3, 7.5] }, source: 'Petersen2010' } as Cited<PerGroup<[number, number]>>,
  /** Fraction female. */
  female: { value: { CN: 0.48, MCI: 0.36, AD: 0.47 }, source: 'Petersen2010' } as Cited<PerGroup<number>>,
  /** Years of education mean/SD. */
  education: { value: { CN: [16.0, 2.9], MCI: [15.7, 3.0], AD: [14.7, 3.1] }, source: 'Petersen2010' } as Cited<PerGroup<[number, number]>>,
  /** Fraction carrying at least one APOE ε4 allele. */
  apoe4Carrier: { value: { CN: 0.27, MCI: 0.53, AD: 0.66 }, source: 'Petersen2010' } as Cited<PerGroup<number>>,
  /** Fraction of carriers who are ε4/ε4. */
  apoe4Homozygous: { value: { CN: 0.12, MCI: 0.25, AD: 0.3 }, source: 'choice' } as Cited<PerGroup<number>>,
  /** Baseline MMSE mean/SD. */
  mmse: { value: { CN: [29.1, 1.0], MCI: [27.0, 1.8], AD: [23.3, 2.0] }, source: 'Petersen2010' } as Cited<PerGroup<[number, number]>>,
  /** Baseline CDR-SB mean/SD. */
  cdrsb: { value: { CN: [0.03, 0.12], MCI: [1.6, 0.9], AD: [4.3, 1.6] }, source: 'Petersen2010' } as Cited<PerGroup<[number, number]>>,
  /** Baseline ADAS13 mean/SD (ADAS-Cog 11 plus delayed recall and number cancellation, so above ADAS11). */
  adas13: { value: { CN: [9.5, 4.2], MCI: [18.5, 6.5], AD: [29.5, 8.0] }, source: 'choice' } as Cited<PerGroup<[number, number]>>,
  /**
   * Mean annual change while in a state. ADAS-Cog 11 moved about 0 (CN), +1.1 (MCI) and +4.3 (AD) in 12
   * months in ADNI-1 (Petersen2010); ADAS13 is scaled up by ~1.3 and MMSE / CDR-SB set in proportion.
   */
  annualChange: {
    value: {
      mmse: { CN: -0.1, MCI: -0.9, AD: -2.4 },
      cdrsb: { CN: 0.05, MCI: 0.6, AD: 1.6 },
      adas13: { CN: -0.2, MCI: 1.5, AD: 5.5 },
    },
    source: 'Petersen2010 (ADAS), choice (scaling)',
  } as Cited<Record<'mmse' | 'cdrsb' | 'adas13', PerGroup<number>>>,
  /** MCI → dementia: 16.5 % per year in ADNI-1. */
  mciToAdPerYear: { value: 0.165, source: 'Petersen2010' } as Cited<number>,
  /** CN → MCI per year (low single-digit percent in ADNI follow-up). */
  cnToMciPerYear: { value: 0.03, source: 'choice' } as Cited<number>,
  /** Hippocampal atrophy, % per year: controls 1.41, AD 4.66 (meta-analysis); MCI between (Jack2000: 2.55 stable, faster in decliners). */
  hippocampusAtrophyPct: { value: { CN: 1.41, MCI: 2.55, AD: 4.66 }, source: 'Barnes2009, Jack2000' } as Cited<PerGroup<number>>,
  /** Entorhinal atrophy, % per year (a little faster than hippocampus, as in Jack2004). */
  entorhinalAtrophyPct: { value: { CN: 1.2, MCI: 3.0, AD: 5.2 }, source: 'choice (ordering per Jack2004)' } as Cited<PerGroup<number>>,
  /** Whole-brain atrophy, % per year (no acceleration within a group, Leung2013). */
  wholeBrainAtrophyPct: { value: { CN: 0.6, MCI: 1.0, AD: 1.5 }, source: 'choice (linear per Leung2013)' } as Cited<PerGroup<number>>,
  /** Baseline volume / ICV fractions for FreeSurfer-style volumes (ADNIMERGE scale). */
  hippocampusFraction: { value: { CN: 0.00485, MCI: 0.0043, AD: 0.00385 }, source: 'choice' } as Cited<PerGroup<number>>,
  entorhinalFraction: { value: { CN: 0.0025, MCI: 0.00225, AD: 0.00195 }, source: 'choice' } as Cited<PerGroup<number>>,
  wholeBrainFraction: { value: { CN: 0.68, MCI: 0.665, AD: 0.64 }, source: 'choice' } as Cited<PerGroup<number>>,
  /** Florbetapir SUVR positivity cut-off with a whole-cerebellum reference. */
  amyloidCutoff: { value: 1.11, source: 'Landau2013' } as Cited<number>,
  /** Fraction amyloid positive at baseline. */
  amyloidPositive: { value: { CN: 0.3, MCI: 0.55, AD: 0.88 }, source: 'choice (ordering per Landau2013, Doraiswamy2014)' } as Cited<PerGroup<number>>,
  /** Annual florbetapir SUVR change: 1–2 % with SD 1 % across individuals. */
  amyloidAnnualPct: { value: { positive: [1.5, 1.0], negative: [0.5, 1.0] }, source: 'Landau2014' } as Cited<Record<'positive' | 'negative', [number, number]>>,
  /** Visit-to-visit measurement noise (SD). */
  noise: {
    value: { mmse: 1.2, cdrsb: 0.4, adas13: 2.5, hippocampusPct: 1.5, entorhinalPct: 2.5, wholeBrainPct: 0.5, icvPct: 0.5, suvr: 0.02 },
    source: 'choice',
  } as Cited<Record<string, number>>,
} as const;
