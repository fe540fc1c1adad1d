import type { ModelSpec } from './model-spec.js';
import type { PatientHistory, PatientSession } from './patient-history.js';
import { sessionMeasures } from './roi-measures.js';

/** Sessions beyond this many (the most recent are kept) add nothing the LSTM has seen in training. */
export const MAX_SESSIONS = 32;
const STATIC_COUNT = 4;
const SEQUENCE_COUNT = 14;
const YEAR_MS = 365.25 * 86_400_000;

/** Model input for a batch of patients: row-major tensors as onnxruntime wants them. */
export interface AssembledBatch {
  batch: number;
  sessions: number;
  static: Float32Array;
  sequence: Float32Array;
  lengths: BigInt64Array;
}

/** Why a history cannot be predicted from; `undefined` when it can. */
export function insufficientDataReason(history: PatientHistory): string | undefined {
  if (history.sessions.length === 0) return 'the patient has no sessions';
  const scored = history.sessions.some((s) => [s.scores.mmse, s.scores.cdrsb, s.scores.adas13].some((v) => typeof v === 'number' && Number.isFinite(v)));
  if (!scored) return 'no session has a cognitive score (MMSE, CDR-SB or ADAS13)';
  if (!Number.isFinite(history.demographics.ageAtBaseline)) return 'age at baseline is unknown';
  // Sex is a model input with no missing-value mask: guessing one would silently shift the forecast.
  const sex: string = history.demographics.sex;
  if (sex !== 'female' && sex !== 'male') return 'sex is unknown (record the Patient gender as female or male)';
  return undefined;
}

/** Sessions oldest first, same-day sessions merged (as train.py does), at most {@link MAX_SESSIONS}. */
export function orderedSessions(history: PatientHistory): PatientSession[] {
  const sorted = [...history.sessions].sort((a, b) => a.date.localeCompare(b.date));
  const merged: PatientSession[] = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.date === s.date) {
      merged[merged.length - 1] = {
        date: s.date,
        scores: { ...s.scores, ...definedScores(last.scores) },
        roi: last.roi ?? s.roi,
        imaging: { ...(s.imaging ?? {}), ...(last.imaging ?? {}) },
        references: [...(last.references ?? []), ...(s.references ?? [])],
      };
    } else merged.push(s);
  }
  return merged.slice(-MAX_SESSIONS);
}

function definedScores(scores: PatientSession['scores']) {
  return Object.fromEntries(Object.entries(scores).filter(([, v]) => typeof v === 'number')) as PatientSession['scores'];
}

/**
 * Unnormalised features of one history, exactly as model/train.py's `raw_features`: per session the time to the
 * last session, scores and imaging carried forward with "observed" flags; missing-so-far values are NaN and
 * become 0 (the training mean) after normalisation, so a missing modality is a mask, not an error.
 */
export function rawFeatures(history: PatientHistory, spec: ModelSpec): { static: number[]; sequence: number[][] } {
  const sessions = orderedSessions(history);
  // Age counts from the history's first session even when only the last MAX_SESSIONS are used.
  const first = Math.min(...history.sessions.map((s) => Date.parse(s.date)));
  const last = Date.parse(sessions[sessions.length - 1].date);
  const carried: Record<string, number> = {};
  const value = (key: string) => carried[key] ?? Number.NaN;
  const sequence = sessions.map((s) => {
    const row = [(Date.parse(s.date) - last) / YEAR_MS];
    for (const key of ['mmse', 'cdrsb', 'adas13'] as const) {
      const v = s.scores[key];
      const observed = typeof v === 'number' && Number.isFinite(v);
      if (observed) carried[key] = v;
      row.push(value(key), observed ? 1 : 0);
    }
    const m = sessionMeasures(s, spec.roiMapping);
    const icvOk = m.icvMm3 !== undefined && m.icvMm3 > 0;
    const mri = m.hippocampusMm3 !== undefined && m.wholeBrainMm3 !== undefined && icvOk;
    if (mri) {
      carried.hippocampus = (m.hippocampusMm3! / m.icvMm3!) * 1000;
      carried.wholeBrain = m.wholeBrainMm3! / m.icvMm3!;
    }
    const ento = m.entorhinalMm3 !== undefined && icvOk;
    if (ento) carried.entorhinal = (m.entorhinalMm3! / m.icvMm3!) * 1000;
    const amyloid = m.amyloidSuvr !== undefined;
    if (amyloid) carried.amyloid = m.amyloidSuvr!;
    row.push(value('hippocampus'), value('wholeBrain'), mri ? 1 : 0, value('entorhinal'), ento ? 1 : 0, value('amyloid'), amyloid ? 1 : 0);
    return row;
  });
  const d = history.demographics;
  const staticRow = [
    d.ageAtBaseline + (last - first) / YEAR_MS,
    d.sex === 'female' ? 1 : 0,
    d.educationYears ?? Number.NaN,
    d.apoe4 ?? Number.NaN,
  ];
  return { static: staticRow, sequence };
}

/**
 * Normalised, padded tensors for a batch of histories (each must pass {@link insufficientDataReason}).
 *
 * @example
 * const batch = assembleBatch([history], spec);
 * batch.sequence.length === batch.batch * batch.sessions * 14;
 */
export function assembleBatch(histories: readonly PatientHistory[], spec: ModelSpec): AssembledBatch {
  const raws = histories.map((h) => rawFeatures(h, spec));
  const sessions = Math.max(1, ...raws.map((r) => r.sequence.length));
  const batch = histories.length;
  const staticT = new Float32Array(batch * STATIC_COUNT);
  const sequenceT = new Float32Array(batch * sessions * SEQUENCE_COUNT);
  const lengths = new BigInt64Array(batch);
  const sn = spec.normalization.static;
  const qn = spec.normalization.sequence;
  raws.forEach((raw, b) => {
    for (let i = 0; i < STATIC_COUNT; i++) staticT[b * STATIC_COUNT + i] = normalise(raw.static[i], sn.mean[i], sn.std[i]);
    raw.sequence.forEach((row, t) => {
      const base = (b * sessions + t) * SEQUENCE_COUNT;
      for (let i = 0; i < SEQUENCE_COUNT; i++) sequenceT[base + i] = normalise(row[i], qn.mean[i], qn.std[i]);
    });
    lengths[b] = BigInt(raw.sequence.length);
  });
  return { batch, sessions, static: staticT, sequence: sequenceT, lengths };
}

function normalise(x: number, mean: number, std: number) {
  const z = (x - mean) / std;
  return Number.isNaN(z) ? 0 : z;
}
