import type { RiskAssessment } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { memoryFhirStore } from '../../test/fhir/memory-store.js';
import type { PredictionRecord } from '../model/prediction-record.js';
import { SYSTEMS } from './codes.js';
import { fhirPredictionWriter, PREDICTION_EXTENSIONS, riskAssessmentFromPrediction } from './risk-assessment.js';
import { identifierQuery } from './store.js';

const interval = (value: number) => ({ value, low: value - 1, high: value + 1 });
const record: PredictionRecord = {
  patientId: 'P001',
  createdAt: '2026-11-25T12:00:00.000Z',
  model: { name: 'adni-lstm', version: '1.0.0', trainedOn: 'simulated', statement: 'Simulated cohort only.' },
  device: 'cpu',
  predictions: {
    '6_months': { mmse: interval(27), cdr: interval(1.5), adas: interval(14) },
    '12_months': { mmse: interval(26), cdr: interval(2), adas: interval(15) },
  },
  inputs: { sessions: 2, lastSessionDate: '2024-06-01' },
  basis: {
    sessions: [
      { date: '2024-01-01', scores: ['mmse'], mri: true, amyloid: false, references: ['Observation/o1', 'ImagingStudy/s1'] },
      { date: '2024-06-01', scores: ['mmse'], mri: false, amyloid: false, references: ['Observation/o2', 'Observation/o1'] },
    ],
  },
};

describe('RiskAssessment write-back', () => {
  it('maps every score and horizon, with the median and the 80 % interval, the basis and the model', () => {
    // Act
    const risk = riskAssessmentFromPrediction(record, { reference: 'Patient/x' });
    // Assess
    expect(risk.prediction).toHaveLength(6);
    const mmse12 = risk.prediction!.find((p) => p.outcome?.coding?.[0].code === '72107-6' && p.whenRange?.low?.value === 12)!;
    expect(mmse12.extension).toEqual([
      { url: PREDICTION_EXTENSIONS.predictedValue, valueDecimal: 26 },
      { url: PREDICTION_EXTENSIONS.predictionInterval80, valueRange: { low: { value: 25 }, high: { value: 27 } } },
    ]);
    expect(risk.basis).toEqual([{ reference: 'Observation/o1' }, { reference: 'ImagingStudy/s1' }, { reference: 'Observation/o2' }]);
    expect(risk.method?.text).toBe('adni-lstm 1.0.0 (cpu)');
    expect(risk.note?.[0].text).toContain('Trained on simulated data');
  });

  it('is idempotent: the same prediction written twice is one resource, on the patient found by identifier', async () => {
    // Prepare
    const { store } = memoryFhirStore();
    const patient = await store.createIfNoneExist(
      { resourceType: 'Patient', identifier: [{ system: SYSTEMS.patientId, value: 'P001' }] },
      identifierQuery(SYSTEMS.patientId, 'P001'),
    );
    const write = fhirPredictionWriter({ store });
    // Act
    await write(record);
    await write(structuredClone(record));
    // Assess
    const risks = await store.search<RiskAssessment>('RiskAssessment', `subject=Patient/${patient.id}`);
    expect(risks).toHaveLength(1);
    expect(risks[0].status).toBe('final');
  });

  it('refuses a patient that is not in FHIR, so the route logs it', async () => {
    const { store } = memoryFhirStore();
    await expect(fhirPredictionWriter({ store })(record)).rejects.toThrow('the patient is not in FHIR');
  });
});
