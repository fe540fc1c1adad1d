import { describe, expect, it } from 'vitest';
import type { PatientHistory } from '../patient-history.js';
import { linearTrend, locf } from './baselines.js';
import { splitOf } from './split.js';

const history = (points: Array<[string, number | undefined]>): PatientHistory => ({
  patientId: 'P1',
  demographics: { ageAtBaseline: 70, sex: 'female' },
  sessions: points.map(([date, mmse]) => ({ date, scores: mmse === undefined ? {} : { mmse } })),
});

describe('baselines (same numbers as model/train.py)', () => {
  const h = history([['2020-01-01', 28], ['2021-01-01', 27], ['2021-07-01', undefined], ['2022-01-01', 25]]);

  it.each([
    ['LOCF skips sessions without the score', () => locf(history([['2020-01-01', 28], ['2021-01-01', undefined]]), 'mmse'), 28],
    ['LOCF of a never-measured score is undefined', () => locf(h, 'adas13'), undefined],
    // Expected values printed by train.linear_trend (np.polyfit) on the same dates.
    ['linear trend one year ahead', () => linearTrend(h, 'mmse', 1.0, [0, 30]), 23.668834259464887],
    ['linear trend with one point is LOCF', () => linearTrend(history([['2020-01-01', 28]]), 'mmse', 1.0, [0, 30]), 28],
    ['linear trend is clipped to the score range', () => linearTrend(history([['2020-01-01', 3], ['2021-01-01', 1]]), 'mmse', 3.0, [0, 30]), 0],
  ])('%s', (_what, act, expected) => {
    const got = act();
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(expected, 9);
  });

  it.each([
    ['999_S_0001', 'train'],
    ['999_S_0002', 'test'],
    ['999_S_0014', 'val'],
    ['999_S_0031', 'test'],
    ['999_S_0036', 'val'],
  ] as const)('splitOf(%s, 7) is %s, as train.py split_of', (id, part) => {
    expect(splitOf(id, 7)).toBe(part);
  });
});
