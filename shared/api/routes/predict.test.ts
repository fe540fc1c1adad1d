import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../providers/local/fs-object-store.js';
import { MemoryLogger } from '../../../test/support/recorders.js';
import { cohortHistories } from '../../model/cohort/cohort-history-source.js';
import { simulateCohort } from '../../model/cohort/simulate-cohort.js';
import type { PatientHistory, PatientHistorySource } from '../../model/patient-history.js';
import type { PredictionRecord } from '../../model/prediction-record.js';
import { createPredictor, type Predictor } from '../../model/predictor.js';
import { createApiApp } from '../app.js';

// A real ONNX session over the committed model, and simulated patients plus a few edge cases.
const cohort = cohortHistories(simulateCohort({ patients: 12, seed: 31 }));
const [firstId, secondId] = [...cohort.keys()];
const edgeCases: Record<string, PatientHistory> = {
  'NO-SESSIONS': { patientId: 'NO-SESSIONS', demographics: { ageAtBaseline: 70, sex: 'male' }, sessions: [] },
  'IMAGING-ONLY': {
    patientId: 'IMAGING-ONLY',
    demographics: { ageAtBaseline: 70, sex: 'male' },
    sessions: [{ date: '2024-01-01', scores: {}, imaging: { hippocampusMm3: 7000, icvMm3: 1.5e6, wholeBrainMm3: 1.0e6 } }],
  },
};
const histories: PatientHistorySource = {
  get: async (id) => structuredClone(cohort.get(id) ?? edgeCases[id]),
};

let predictor: Predictor;
let records: PredictionRecord[];
let logger: MemoryLogger;

async function makeApp(options: { failWriteBack?: boolean; source?: PatientHistorySource; withPrediction?: boolean } = {}) {
  const store = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-predict-')), publicBaseUrl: 'http://127.0.0.1:8080' });
  return createApiApp({
    store,
    logger,
    ...(options.withPrediction === false
      ? {}
      : {
          prediction: {
            predictor,
            history: options.source ?? histories,
            onPrediction: (record) => {
              if (options.failWriteBack) throw new Error('FHIR server unavailable');
              records.push(record);
            },
          },
        }),
  });
}

const post = async (app: Awaited<ReturnType<typeof makeApp>>, url: string, body: unknown) => {
  const response = await app.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as any };
};

describe('POST /predict-progression (real ONNX session)', () => {
  beforeAll(async () => {
    predictor = await createPredictor({ device: 'cpu' });
  });
  afterAll(async () => predictor?.release());
  beforeEach(() => {
    records = [];
    logger = new MemoryLogger();
  });

  it('predicts MMSE, CDR-SB and ADAS13 at every horizon with ordered 80 % intervals, says the model was trained on simulated data', async () => {
    // Prepare
    const app = await makeApp();
    // Act
    const { status, json } = await post(app, '/predict-progression', { patient_id: firstId });
    // Assess
    expect(status).toBe(200);
    expect(json.patient_id).toBe(firstId);
    expect(json.model).toMatchObject({ name: predictor.spec.name, version: predictor.spec.version, trainedOn: 'simulated' });
    expect(json.model.statement).toMatch(/SIMULATED/);
    expect(json.device).toBe('cpu');
    expect(Object.keys(json.predictions)).toEqual(['6_months', '12_months', '18_months', '24_months', '36_months']);
    for (const perScore of Object.values(json.predictions) as any[]) {
      expect(Object.keys(perScore).sort()).toEqual(['adas', 'cdr', 'mmse']);
      for (const p of Object.values(perScore) as any[]) {
        expect(p.low).toBeLessThanOrEqual(p.value);
        expect(p.value).toBeLessThanOrEqual(p.high);
      }
    }
    const sessions = cohort.get(firstId)!.sessions;
    expect(json.inputs).toEqual({ sessions: sessions.length, lastSessionDate: sessions[sessions.length - 1].date });
    expect(json.processing_time_ms).toBeGreaterThanOrEqual(0);
  });

  it('hands each prediction, with its basis, to the write-back hook', async () => {
    const app = await makeApp();
    await post(app, '/predict-progression', { patient_id: firstId });
    expect(records).toHaveLength(1);
    expect(records[0].patientId).toBe(firstId);
    expect(records[0].basis.sessions.flatMap((s) => s.references)).toContain(`cohort:${firstId}:bl`);
  });

  it('returns only the asked horizons', async () => {
    const app = await makeApp();
    const { status, json } = await post(app, '/predict-progression', { patient_id: firstId, horizons: [12, 36] });
    expect(status).toBe(200);
    expect(Object.keys(json.predictions)).toEqual(['12_months', '36_months']);
  });

  it('is idempotent: the same request gives the same prediction', async () => {
    const app = await makeApp();
    const a = await post(app, '/predict-progression', { patient_id: secondId });
    const b = await post(app, '/predict-progression', { patient_id: secondId });
    expect(b.json.predictions).toEqual(a.json.predictions);
  });

  it('handles missing imaging by masks: a history without MRI/PET still predicts, and differently', async () => {
    const withImaging = await post(await makeApp(), '/predict-progression', { patient_id: firstId });
    const stripped: PatientHistorySource = {
      get: async (id) => {
        const h = structuredClone(cohort.get(id)!);
        h.sessions.forEach((s) => delete s.imaging);
        return h;
      },
    };
    const without = await post(await makeApp({ source: stripped }), '/predict-progression', { patient_id: firstId });
    expect(without.status).toBe(200);
    expect(without.json.predictions).not.toEqual(withImaging.json.predictions);
  });

  it.each([
    ['not JSON', '{"patient_id":', 'invalid_json'],
    ['no patient_id', {}, 'patient_id'],
    ['a path as patient_id', { patient_id: '../etc' }, 'patient_id'],
    ['an unknown field', { patient_id: 'P1', extra: 1 }, 'extra'],
    ['a horizon the model lacks', { patient_id: 'P1', horizons: [7] }, '7'],
    ['a non-numeric horizon', { patient_id: 'P1', horizons: ['12'] }, 'horizons'],
  ])('400 for %s, saying what was wrong', async (_what, body, says) => {
    const { status, json } = await post(await makeApp(), '/predict-progression', body);
    expect(status).toBe(400);
    expect(`${json.error.code} ${json.error.message}`).toContain(says);
  });

  it('404 for an unknown patient', async () => {
    const { status, json } = await post(await makeApp(), '/predict-progression', { patient_id: 'NOBODY' });
    expect(status).toBe(404);
    expect(json.error.code).toBe('patient_not_found');
  });

  it.each([
    ['NO-SESSIONS', 'no sessions'],
    ['IMAGING-ONLY', 'cognitive score'],
  ])('422 with a reason for %s', async (id, reason) => {
    const { status, json } = await post(await makeApp(), '/predict-progression', { patient_id: id });
    expect(status).toBe(422);
    expect(json.error.message).toContain(reason);
  });

  it('a failed write-back still answers 200 and logs without the patient id', async () => {
    const app = await makeApp({ failWriteBack: true });
    const { status } = await post(app, '/predict-progression', { patient_id: firstId });
    expect(status).toBe(200);
    expect(logger.lines.some((l) => l.level === 'error' && l.message === 'prediction write-back failed')).toBe(true);
    expect(logger.text()).not.toContain(firstId);
  });

  it('batch: one run for many patients, each with its own status', async () => {
    const app = await makeApp();
    const { status, json } = await post(app, '/predict-progression/batch', { patient_ids: [firstId, 'NOBODY', 'NO-SESSIONS', secondId] });
    expect(status).toBe(200);
    expect(json.results.map((r: any) => r.status)).toEqual([200, 404, 422, 200]);
    const single = await post(app, '/predict-progression', { patient_id: secondId });
    expect(json.results[3].predictions).toEqual(single.json.predictions);
  });

  it('answers 501 with a clear message when the deployment has no prediction configured', async () => {
    const { status, json } = await post(await makeApp({ withPrediction: false }), '/predict-progression', { patient_id: firstId });
    expect(status).toBe(501);
    expect(json.error.message).toContain('not configured');
  });
});
