import { LITERATURE as L, GROUPS, type Group } from './literature.js';
import { createRandom, type Random } from './random.js';

/** ADNIMERGE diagnosis labels (DX) and baseline labels (DX_bl). */
export type Diagnosis = 'CN' | 'MCI' | 'Dementia';
export type BaselineDiagnosis = 'CN' | 'LMCI' | 'AD';

/**
 * One visit, named as in ADNIMERGE. Optional fields are missing at that visit (empty in the CSV).
 * Volumes are FreeSurfer-style mm³ (ADNIMERGE scale); AV45 is florbetapir SUVR, whole-cerebellum reference.
 */
export interface CohortRow {
  RID: number;
  PTID: string;
  VISCODE: string;
  EXAMDATE: string;
  AGE: number;
  PTGENDER: 'Male' | 'Female';
  PTEDUCAT: number;
  APOE4: number;
  DX_bl: BaselineDiagnosis;
  DX: Diagnosis;
  MMSE?: number;
  CDRSB?: number;
  ADAS13?: number;
  Hippocampus?: number;
  Entorhinal?: number;
  WholeBrain?: number;
  ICV?: number;
  AV45?: number;
  Years_bl: number;
  Month_bl: number;
}

/** Column order of the CSV: ADNIMERGE names, identity first. */
export const COHORT_COLUMNS = [
  'RID', 'PTID', 'VISCODE', 'EXAMDATE', 'AGE', 'PTGENDER', 'PTEDUCAT', 'APOE4', 'DX_bl', 'DX',
  'MMSE', 'CDRSB', 'ADAS13', 'Hippocampus', 'Entorhinal', 'WholeBrain', 'ICV', 'AV45', 'Years_bl', 'Month_bl',
] as const satisfies readonly (keyof CohortRow)[];

export interface SimulateCohortOptions {
  patients: number;
  seed: number;
  /** Patient numbering starts here (RID); lets two calls make disjoint cohorts. */
  firstRid?: number;
}

/**
 * Simulates an ADNI-like longitudinal cohort: CN / MCI / AD at baseline, visits every 6 or 12 months,
 * conversions CN→MCI→dementia by hazards, scores and imaging that decline at literature rates scaled by a
 * per-patient pace (which amyloid status, APOE ε4 and atrophy reveal). Patient i depends only on
 * (seed, RID), so a smaller cohort is a prefix of a larger one with the same seed.
 *
 * @example
 * const rows = simulateCohort({ patients: 100, seed: 1 });
 * rows[0]; // { RID: 1, PTID: '999_S_0001', VISCODE: 'bl', DX: 'MCI', MMSE: 27, ... }
 */
export function simulateCohort(options: SimulateCohortOptions): CohortRow[] {
  const rows: CohortRow[] = [];
  const first = options.firstRid ?? 1;
  for (let rid = first; rid < first + options.patients; rid++) {
    const rng = createRandom((options.seed ^ Math.imul(rid, 0x9e3779b1)) >>> 0);
    rows.push(...simulatePatient(rid, rng));
  }
  return rows;
}

const MONTHLY = 1 / 12;
const DAY_MS = 86_400_000;
const FIRST_BASELINE = Date.UTC(2005, 8, 1);
const LAST_BASELINE = Date.UTC(2013, 11, 31);

function simulatePatient(rid: number, rng: Random): CohortRow[] {
  const enrolment = L.enrolment.value;
  const group: Group = GROUPS[rng.categorical([enrolment.CN, enrolment.MCI, enrolment.AD])];
  const female = rng.bernoulli(L.female.value[group]);
  const [ageMean, ageSd] = L.age.value[group];
  const age = round(clamp(rng.normal(ageMean, ageSd), 55, 91), 1);
  const [eduMean, eduSd] = L.education.value[group];
  const education = clamp(Math.round(rng.normal(eduMean, eduSd)), 6, 20);
  const apoe4 = rng.bernoulli(L.apoe4Carrier.value[group]) ? (rng.bernoulli(L.apoe4Homozygous.value[group]) ? 2 : 1) : 0;

  // Pace: one latent speed per patient scaling every rate (scores, atrophy, conversion hazard); ε4 and
  // amyloid go with faster pace, which is what makes imaging informative about the future.
  const z = rng.normal() + 0.25 * (apoe4 - 0.5);
  const pace = Math.exp(0.35 * z);
  const amyloidPositive = rng.bernoulli(sigmoid(logit(L.amyloidPositive.value[group]) + 1.5 * z));
  // Baseline severity within the group, correlated with pace.
  const severity = 0.4 * z + Math.sqrt(1 - 0.16) * rng.normal();

  const score = (spec: readonly [number, number], sign: number) =>
    spec[0] + sign * spec[1] * (0.8 * severity + 0.6 * rng.normal());
  const truth = {
    mmse: Math.min(30, score(L.mmse.value[group], -1)),
    cdrsb: Math.max(0, score(L.cdrsb.value[group], 1)),
    adas13: Math.max(0, score(L.adas13.value[group], 1)),
    icv: female ? rng.normal(1.42e6, 0.11e6) : rng.normal(1.6e6, 0.12e6),
    hippocampus: 0,
    entorhinal: 0,
    wholeBrain: 0,
    suvr: amyloidPositive
      ? Math.max(L.amyloidCutoff.value + 0.01, rng.normal(1.4, 0.15))
      : Math.min(L.amyloidCutoff.value - 0.01, rng.normal(1.0, 0.05)),
  };
  const ageFactor = 1 - 0.004 * (age - 75);
  truth.hippocampus = truth.icv * L.hippocampusFraction.value[group] * ageFactor * (1 - 0.08 * severity + 0.06 * rng.normal());
  truth.entorhinal = truth.icv * L.entorhinalFraction.value[group] * ageFactor * (1 - 0.1 * severity + 0.08 * rng.normal());
  truth.wholeBrain = truth.icv * L.wholeBrainFraction.value[group] * ageFactor * (1 - 0.02 * severity + 0.015 * rng.normal());
  const [suvrRate, suvrRateSd] = L.amyloidAnnualPct.value[amyloidPositive ? 'positive' : 'negative'];
  const suvrAnnualPct = rng.normal(suvrRate, suvrRateSd);

  // Hazards scaled so the population mean matches the published annual rates: E[exp(0.8 z)] ≈ exp(0.32).
  const hazardScale = Math.exp(0.8 * z - 0.32);
  const hazard = {
    CN: -Math.log(1 - L.cnToMciPerYear.value) * hazardScale * (amyloidPositive ? 1.5 : 0.75),
    MCI: -Math.log(1 - L.mciToAdPerYear.value) * hazardScale,
    AD: 0,
  };

  const visits = 2 + rng.categorical([1, 2, 2, 2, 2, 2, 2, 1.5, 1.5]);
  const baselineDay = Math.floor(FIRST_BASELINE / DAY_MS) + rng.integer(0, Math.floor((LAST_BASELINE - FIRST_BASELINE) / DAY_MS));
  const ptid = `999_S_${String(rid).padStart(4, '0')}`;
  const rows: CohortRow[] = [];
  let state: Group = group;
  let plannedMonths = 0;
  let time = 0;
  for (let visit = 0; visit < visits; visit++) {
    if (visit > 0) plannedMonths += rng.bernoulli(0.5) ? 6 : 12;
    const jitterDays = visit === 0 ? 0 : rng.integer(-30, 30);
    const day = baselineDay + Math.round(plannedMonths * 30.4375) + jitterDays;
    const visitTime = (day - baselineDay) / 365.25;
    // Advance the latent trajectory month by month up to this visit.
    while (time < visitTime - 1e-9) {
      const dt = Math.min(MONTHLY, visitTime - time);
      if (state !== 'AD' && rng.bernoulli(1 - Math.exp(-hazard[state] * dt))) state = state === 'CN' ? 'MCI' : 'AD';
      const change = L.annualChange.value;
      truth.mmse = clamp(truth.mmse + change.mmse[state] * pace * dt, 0, 30);
      truth.cdrsb = clamp(truth.cdrsb + change.cdrsb[state] * pace * dt, 0, 18);
      truth.adas13 = clamp(truth.adas13 + change.adas13[state] * pace * dt, 0, 85);
      truth.hippocampus *= 1 - (L.hippocampusAtrophyPct.value[state] * pace * dt) / 100;
      truth.entorhinal *= 1 - (L.entorhinalAtrophyPct.value[state] * pace * dt) / 100;
      truth.wholeBrain *= 1 - (L.wholeBrainAtrophyPct.value[state] * pace * dt) / 100;
      truth.suvr *= 1 + (suvrAnnualPct * dt) / 100;
      time += dt;
    }
    rows.push(observe({ rid, ptid, age, female, education, apoe4, group, state, visit, plannedMonths, day, baselineDay, truth, rng }));
  }
  return rows;
}

interface ObserveInput {
  rid: number;
  ptid: string;
  age: number;
  female: boolean;
  education: number;
  apoe4: number;
  group: Group;
  state: Group;
  visit: number;
  plannedMonths: number;
  day: number;
  baselineDay: number;
  truth: { mmse: number; cdrsb: number; adas13: number; icv: number; hippocampus: number; entorhinal: number; wholeBrain: number; suvr: number };
  rng: Random;
}

/** One visit's measurements: the latent truth plus measurement noise, rounding as the instruments do, and missingness. */
function observe(input: ObserveInput): CohortRow {
  const { truth, rng } = input;
  const noise = L.noise.value;
  const years = (input.day - input.baselineDay) / 365.25;
  const row: CohortRow = {
    RID: input.rid,
    PTID: input.ptid,
    VISCODE: input.visit === 0 ? 'bl' : `m${String(input.plannedMonths).padStart(2, '0')}`,
    EXAMDATE: new Date(input.day * DAY_MS).toISOString().slice(0, 10),
    AGE: input.age,
    PTGENDER: input.female ? 'Female' : 'Male',
    PTEDUCAT: input.education,
    APOE4: input.apoe4,
    DX_bl: ({ CN: 'CN', MCI: 'LMCI', AD: 'AD' } as const)[input.group],
    DX: ({ CN: 'CN', MCI: 'MCI', AD: 'Dementia' } as const)[input.state],
    Years_bl: round(years, 4),
    Month_bl: round(years * 12, 4),
  };
  if (!rng.bernoulli(0.04)) row.MMSE = clamp(Math.round(truth.mmse + rng.normal(0, noise.mmse)), 0, 30);
  if (!rng.bernoulli(0.04)) row.CDRSB = clamp(Math.round(2 * (truth.cdrsb + rng.normal(0, noise.cdrsb))) / 2, 0, 18);
  if (!rng.bernoulli(0.06)) row.ADAS13 = clamp(round(Math.round(3 * (truth.adas13 + rng.normal(0, noise.adas13))) / 3, 2), 0, 85);
  if (!rng.bernoulli(0.15)) {
    const measured = (value: number, pct: number) => Math.round(value * (1 + rng.normal(0, pct / 100)));
    row.ICV = measured(truth.icv, noise.icvPct);
    row.Hippocampus = measured(truth.hippocampus, noise.hippocampusPct);
    row.WholeBrain = measured(truth.wholeBrain, noise.wholeBrainPct);
    // FreeSurfer's entorhinal estimate fails QC a little more often than the rest.
    if (!rng.bernoulli(0.05)) row.Entorhinal = measured(truth.entorhinal, noise.entorhinalPct);
  }
  // Amyloid PET at baseline and every second year, when the participant had one.
  if (input.plannedMonths % 24 === 0 && rng.bernoulli(0.7)) row.AV45 = round(truth.suvr + rng.normal(0, noise.suvr), 4);
  return row;
}

function clamp(x: number, lo: number, hi: number) {
  return Math.min(hi, Math.max(lo, x));
}
function round(x: number, digits: number) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
function sigmoid(x: number) {
  return 1 / (1 + Math.exp(-x));
}
function logit(p: number) {
  return Math.log(p / (1 - p));
}
