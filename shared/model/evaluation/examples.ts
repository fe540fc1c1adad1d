import { orderedSessions } from '../assemble-features.js';
import type { PatientHistory, SessionScores } from '../patient-history.js';

const YEAR_MS = 365.25 * 86_400_000;
/** A later visit is the target of a horizon when within this many years of it (train.py HORIZON_TOLERANCE_YEARS). */
export const HORIZON_TOLERANCE_YEARS = 0.25;
/** Output score key → session score key. */
export const SCORE_FIELDS = { mmse: 'mmse', cdr: 'cdrsb', adas: 'adas13' } as const satisfies Record<string, keyof SessionScores>;
export type EvalScore = keyof typeof SCORE_FIELDS;

/** One forecasting problem: the history up to a visit, and what was observed at each horizon after it. */
export interface EvalExample {
  patientId: string;
  /** The history the forecast may use (sessions up to and including the cut). */
  history: PatientHistory;
  /** Per horizon (same order as `horizonsMonths`): years from the cut to the target visit, or undefined. */
  targetYears: Array<number | undefined>;
  /** Per horizon: the observed scores at the target visit. */
  targets: Array<Partial<Record<EvalScore, number>>>;
}

/**
 * Every (patient, cut) example exactly as model/train.py's `build_examples`: for each visit but the last, the
 * history so far and, per horizon, the nearest later visit within ±0.25 years; cuts with no target are skipped.
 *
 * @example
 * const examples = buildExamples([...histories.values()], [6, 12, 18, 24, 36]);
 * examples[0].targets[1].mmse; // MMSE observed ~12 months after the cut
 */
export function buildExamples(histories: readonly PatientHistory[], horizonsMonths: readonly number[]): EvalExample[] {
  const examples: EvalExample[] = [];
  for (const patient of histories) {
    const sessions = orderedSessions({ ...patient, sessions: patient.sessions });
    for (let k = 0; k < sessions.length - 1; k++) {
      const cut = Date.parse(sessions[k].date);
      const targetYears: Array<number | undefined> = [];
      const targets: Array<Partial<Record<EvalScore, number>>> = [];
      let any = false;
      for (const months of horizonsMonths) {
        let best: { gap: number; years: number; index: number } | undefined;
        for (let j = k + 1; j < sessions.length; j++) {
          const years = (Date.parse(sessions[j].date) - cut) / YEAR_MS;
          const gap = Math.abs(years - months / 12);
          if (gap <= HORIZON_TOLERANCE_YEARS && (best === undefined || gap < best.gap)) best = { gap, years, index: j };
        }
        const observed: Partial<Record<EvalScore, number>> = {};
        if (best) {
          for (const [score, field] of Object.entries(SCORE_FIELDS) as Array<[EvalScore, keyof SessionScores]>) {
            const v = sessions[best.index].scores[field];
            if (typeof v === 'number' && Number.isFinite(v)) {
              observed[score] = v;
              any = true;
            }
          }
        }
        targetYears.push(best?.years);
        targets.push(observed);
      }
      if (!any) continue;
      examples.push({ patientId: patient.patientId, history: { ...patient, sessions: sessions.slice(0, k + 1) }, targetYears, targets });
    }
  }
  return examples;
}
