import type { Prediction, PreprocessingStatusResponse, Timeline } from './api/schemas';

/** API answers in the routes' real shapes (shared/api/routes/*.ts), for component tests. */
export const TIMELINE: Timeline = {
  patient_id: 'P001',
  patient: { sex: 'female', birth_date: '1950-04-02', education_years: 16, apoe4: 1 },
  timeline: [
    { date: '2022-01-10', scores: { mmse: 29, cdrsb: 0.5, adas13: 10, cdr_global: 0.5, diagnosis: 'MCI' }, imaging: null },
    {
      date: '2023-01-12',
      scores: { mmse: 27, cdrsb: 1.5, adas13: 14, cdr_global: 0.5, diagnosis: 'MCI' },
      imaging: { status: 'completed', error: null, outputs: {}, roi: { icv_mm3: 1450000, brain_volume_mm3: 1100000, hippocampus_mm3: 6400, entorhinal_mm3: null, mean_suvr: 1.31 } },
    },
    { date: '2024-02-01', scores: { mmse: null, cdrsb: null, adas13: null, cdr_global: null, diagnosis: null }, imaging: { status: 'failed', error: 'x', outputs: {}, roi: null } },
  ],
};

export const STATUS: PreprocessingStatusResponse = {
  patient_id: 'P001',
  sessions: [
    { session_date: '2023-01-12', status: 'completed', error: null, requested_at: '2023-01-12T10:00:00Z', updated_at: '2023-01-12T10:01:05Z', outputs: {} },
    { session_date: '2024-02-01', status: 'failed', error: 'registration failed: the MRI does not overlap the template', requested_at: '2024-02-01T09:00:00Z', updated_at: '2024-02-01T09:00:40Z', outputs: {} },
  ],
};

export const PREDICTION: Prediction = {
  patient_id: 'P001',
  model: { name: 'adni-progression-lstm', version: '1.0.0', trainedOn: 'simulated', statement: 'Trained on a simulated ADNI-like cohort, not on real patients.' },
  device: 'cpu',
  predictions: {
    '12_months': { mmse: { value: 25.5, low: 23.1, high: 27.4 }, cdr: { value: 2.1, low: 1.2, high: 3.3 }, adas: { value: 16.2, low: 12.9, high: 20.1 } },
    '6_months': { mmse: { value: 26.4, low: 24.9, high: 27.8 }, cdr: { value: 1.8, low: 1.1, high: 2.6 }, adas: { value: 15.1, low: 12.5, high: 18.2 } },
  },
  inputs: { sessions: 2, lastSessionDate: '2023-01-12' },
  processing_time_ms: 3.2,
};
