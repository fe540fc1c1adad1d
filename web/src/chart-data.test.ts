import { describe, expect, it } from 'vitest';
import { addMonths, chartPoints, horizonMonths } from './chart-data';
import { PREDICTION, TIMELINE } from './fixtures';

describe('chartPoints', () => {
  it('lists observed visits in date order and skips visits without the score', () => {
    // Act
    const points = chartPoints(TIMELINE.timeline, undefined, 'mmse');
    // Assess
    expect(points).toEqual([
      { t: Date.parse('2022-01-10'), observed: 29 },
      { t: Date.parse('2023-01-12'), observed: 27 },
    ]);
  });

  it.each([
    ['mmse', 27, [26.4, 25.5], [24.9, 27.8]],
    ['cdrsb', 1.5, [1.8, 2.1], [1.1, 2.6]],
    ['adas13', 14, [15.1, 16.2], [12.5, 18.2]],
  ] as const)('%s: forecast starts at the last observation and follows the horizons in order', (id, last, medians, firstBand) => {
    // Act
    const points = chartPoints(TIMELINE.timeline, PREDICTION, id);
    // Assess
    const forecast = points.filter((p) => p.horizon);
    expect(forecast.map((p) => p.predicted)).toEqual(medians);
    expect(forecast[0].band).toEqual(firstBand);
    expect(forecast[0].t).toBe(addMonths('2023-01-12', 6));
    expect(points[1]).toMatchObject({ observed: last, predicted: last, band: [last, last] });
  });

  it('does not change the timeline it is given (is idempotent)', () => {
    const entries = structuredClone(TIMELINE.timeline);
    const first = chartPoints(entries, PREDICTION, 'mmse');
    expect(chartPoints(entries, PREDICTION, 'mmse')).toEqual(first);
    expect(entries).toEqual(TIMELINE.timeline);
  });

  it.each([
    ['6_months', 6],
    ['36_months', 36],
    ['12', 12],
    ['baseline', undefined],
  ])('horizonMonths(%s) = %s', (key, months) => {
    expect(horizonMonths(key)).toBe(months);
  });
});
