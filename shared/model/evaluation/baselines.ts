import type { PatientHistory, SessionScores } from '../patient-history.js';

const YEAR_MS = 365.25 * 86_400_000;

/**
 * Last observation carried forward: the most recent observed value of a score, or undefined if never measured.
 *
 * @example
 * locf(history, 'mmse'); // 27
 */
export function locf(history: PatientHistory, field: keyof SessionScores): number | undefined {
  for (let i = history.sessions.length - 1; i >= 0; i--) {
    const v = history.sessions[i].scores[field];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/**
 * Per-patient least-squares line through the observed values, evaluated `yearsAhead` after the last session and
 * clipped to the score's range; with one observation (or all on one date) it is LOCF. Mirrors train.py's
 * `linear_trend` (np.polyfit degree 1).
 *
 * @example
 * linearTrend(history, 'adas13', 1.0, [0, 85]); // 21.4
 */
export function linearTrend(history: PatientHistory, field: keyof SessionScores, yearsAhead: number, range: readonly [number, number]): number | undefined {
  const last = Date.parse(history.sessions[history.sessions.length - 1].date);
  const points: Array<[number, number]> = [];
  for (const s of history.sessions) {
    const v = s.scores[field];
    if (typeof v === 'number' && Number.isFinite(v)) points.push([(Date.parse(s.date) - last) / YEAR_MS, v]);
  }
  if (points.length === 0) return undefined;
  const ts = points.map(([t]) => t);
  let value: number;
  if (points.length < 2 || Math.max(...ts) - Math.min(...ts) < 1e-6) value = points[points.length - 1][1];
  else {
    const n = points.length;
    const mt = ts.reduce((a, b) => a + b, 0) / n;
    const my = points.reduce((a, [, y]) => a + y, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (const [t, y] of points) {
      sxy += (t - mt) * (y - my);
      sxx += (t - mt) ** 2;
    }
    const slope = sxy / sxx;
    value = my - slope * mt + slope * yearsAhead;
  }
  return Math.min(range[1], Math.max(range[0], value));
}
