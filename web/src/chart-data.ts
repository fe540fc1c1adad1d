import type { Prediction, TimelineEntry } from './api/schemas';

/** The three scores charted, with the key each has in timeline scores and in predictions. */
export const SCORES = [
  { id: 'mmse', label: 'MMSE', predictionKey: 'mmse', better: 'higher', range: [0, 30] },
  { id: 'cdrsb', label: 'CDR-SB', predictionKey: 'cdr', better: 'lower', range: [0, 18] },
  { id: 'adas13', label: 'ADAS-Cog 13', predictionKey: 'adas', better: 'lower', range: [0, 85] },
] as const;
export type ScoreId = (typeof SCORES)[number]['id'];

/** One x position of a chart: observed value and/or predicted median with its interval. */
export interface ChartPoint {
  /** Epoch ms of the visit or predicted horizon. */
  t: number;
  observed?: number;
  predicted?: number;
  /** `[low, high]` of the 80 % interval (an Area range). */
  band?: [number, number];
  /** `"12 months"` for predicted points. */
  horizon?: string;
}

const DAY = 24 * 3600 * 1000;

/** A timeline entry's value of one score, whatever the route calls it. */
export function scoreOf(entry: TimelineEntry, id: ScoreId): number | undefined {
  const s = entry.scores;
  if (!s) return undefined;
  const value = id === 'mmse' ? s.mmse : id === 'cdrsb' ? s.cdrsb : s.adas13;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Adds `months` (fractional allowed) to an ISO date, as epoch ms. */
export function addMonths(iso: string, months: number): number {
  return Date.parse(iso.slice(0, 10)) + months * 30.4375 * DAY;
}

/** `"12_months"` → 12; anything else → undefined. */
export function horizonMonths(key: string): number | undefined {
  const match = /^(\d+)(?:_months?)?$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/**
 * The points of one score's chart: observed visits, then the predicted median and band from the last
 * session, joined at the last observation so the forecast line starts where the history ends.
 *
 * @example
 * chartPoints(timeline.entries, prediction, 'mmse')
 * // [{ t, observed: 28 }, ..., { t, observed: 26, predicted: 26, band: [26, 26] }, { t, predicted: 25.1, band: [23.9, 26.4], horizon: '6 months' }]
 */
export function chartPoints(entries: readonly TimelineEntry[], prediction: Prediction | undefined, id: ScoreId): ChartPoint[] {
  const points: ChartPoint[] = entries
    .map((e) => ({ t: Date.parse(e.date.slice(0, 10)), observed: scoreOf(e, id) }))
    .filter((p): p is { t: number; observed: number } => p.observed !== undefined && Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
  if (!prediction) return points;
  const key = SCORES.find((s) => s.id === id)!.predictionKey;
  const last = points.at(-1);
  if (last) {
    last.predicted = last.observed;
    last.band = [last.observed!, last.observed!];
  }
  const horizons = Object.entries(prediction.predictions)
    .map(([k, v]) => ({ months: horizonMonths(k), v: v[key] }))
    .filter((h): h is { months: number; v: { value: number; low: number; high: number } } => h.months !== undefined && h.v !== undefined)
    .sort((a, b) => a.months - b.months);
  for (const h of horizons) {
    points.push({ t: addMonths(prediction.inputs.lastSessionDate, h.months), predicted: h.v.value, band: [h.v.low, h.v.high], horizon: `${h.months} months` });
  }
  return points;
}
