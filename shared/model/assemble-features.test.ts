import { beforeAll, describe, expect, it } from 'vitest';
import { assembleBatch, insufficientDataReason, MAX_SESSIONS, orderedSessions, rawFeatures } from './assemble-features.js';
import { loadModelSpec, type ModelSpec } from './model-spec.js';
import type { PatientHistory } from './patient-history.js';

const base: PatientHistory = {
  patientId: 'P1',
  demographics: { ageAtBaseline: 70, sex: 'female', educationYears: 16, apoe4: 1 },
  sessions: [
    { date: '2020-01-01', scores: { mmse: 28, cdrsb: 0.5, adas13: 12 }, imaging: { hippocampusMm3: 7000, wholeBrainMm3: 1e6, icvMm3: 1.5e6, amyloidSuvr: 1.3 } },
    { date: '2021-01-01', scores: { mmse: 27 } },
  ],
};

let spec: ModelSpec;
beforeAll(async () => {
  spec = await loadModelSpec();
});

describe('feature assembly', () => {
  it('carries values forward and flags what was not measured at a session (masks, not errors)', () => {
    // Prepare
    const history = structuredClone(base);
    // Act
    const { sequence } = rawFeatures(history, spec);
    // Assess: [dt, mmse, obs, cdrsb, obs, adas, obs, hippo, brain, mri, ento, obs, suvr, obs]
    expect(sequence[1][1]).toBe(27);
    expect(sequence[1][2]).toBe(1);
    expect(sequence[1].slice(3, 7)).toEqual([0.5, 0, 12, 0]);
    expect(sequence[1][7]).toBeCloseTo((7000 / 1.5e6) * 1000, 9);
    expect(sequence[1][9]).toBe(0);
    expect(sequence[1][13]).toBe(0);
    expect(Number.isNaN(sequence[0][10])).toBe(true); // entorhinal never measured
  });

  it('a never-measured value becomes 0 after normalisation (the training mean)', () => {
    const batch = assembleBatch([base], spec);
    expect(batch.sequence[10]).toBe(0);
    expect(Array.from(batch.sequence).every(Number.isFinite)).toBe(true);
  });

  it('merges same-day sessions, first-listed values winning', () => {
    const history = structuredClone(base);
    history.sessions.push({ date: '2021-01-01', scores: { mmse: 20, adas13: 15 } });
    const sessions = orderedSessions(history);
    expect(sessions).toHaveLength(2);
    expect(sessions[1].scores).toEqual({ mmse: 27, adas13: 15 });
  });

  it(`keeps the last ${MAX_SESSIONS} sessions but counts age from the first`, () => {
    const history = structuredClone(base);
    history.sessions = Array.from({ length: 40 }, (_, i) => ({ date: `${1990 + i}-06-01`, scores: { mmse: 29 } }));
    const raw = rawFeatures(history, spec);
    expect(raw.sequence).toHaveLength(MAX_SESSIONS);
    expect(raw.static[0]).toBeCloseTo(70 + 39, 1);
  });

  it.each([
    ['no sessions', { sessions: [] }, 'no sessions'],
    ['no cognitive score', { sessions: [{ date: '2020-01-01', scores: {} }] }, 'cognitive score'],
    ['unknown age', { demographics: { ageAtBaseline: Number.NaN, sex: 'male' as const } }, 'age'],
    ['unknown sex (a FHIR Patient without gender)', { demographics: { ageAtBaseline: 70, sex: 'unknown' as 'male' } }, 'sex is unknown'],
    ['enough data', {}, undefined],
  ])('insufficientDataReason: %s', (_what, change, reason) => {
    const history = { ...structuredClone(base), ...change };
    const got = insufficientDataReason(history);
    if (reason === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(reason);
  });
});
