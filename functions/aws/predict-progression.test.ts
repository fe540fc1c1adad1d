import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RiskAssessment } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { observationQuery, observationResource, patientQuery, patientResource, type MeasureValue } from '../../shared/fhir/mapping.js';
import { createPredictor, type Predictor } from '../../shared/model/predictor.js';
import { memoryFhirStore } from '../../test/fhir/memory-store.js';
import { MemoryLogger } from '../../test/support/recorders.js';
import { createHttpApiHandler } from './http-api.js';
import { predictionDeps, predictionDepsFromEnv } from './predict-progression.js';

/** The real API Gateway v2 payload of POST /uploads, turned into POST /predict-progression. */
function predictEvent(body: unknown) {
  const event = structuredClone(JSON.parse(readFileSync(new URL('../../test/events/http-api/post-uploads.json', import.meta.url), 'utf8')));
  Object.assign(event, { rawPath: '/predict-progression', routeKey: 'POST /predict-progression', body: JSON.stringify(body), isBase64Encoded: false });
  Object.assign(event.requestContext.http, { method: 'POST', path: '/predict-progression' });
  return event;
}

async function seedPatient(store: ReturnType<typeof memoryFhirStore>['store'], patientId: string) {
  const patient = await store.conditionalUpdate(
    patientResource({ patientId, sex: 'female', birthDate: '1948-05-20', educationYears: 14, ageAtBaseline: { age: 72.8, date: '2021-03-02' } }),
    patientQuery(patientId),
  );
  const visits: Array<[string, number, number, number]> = [['2021-03-02', 28, 1, 12], ['2022-03-08', 27, 1.5, 14.3], ['2023-03-14', 25, 2.5, 18]];
  for (const [date, mmse, cdrsb, adas13] of visits) {
    for (const [measure, value] of [['mmse', mmse], ['cdrsb', cdrsb], ['adas13', adas13]] as const) {
      const m: MeasureValue = { patientId, date, measure, value };
      await store.conditionalUpdate(observationResource(m, { reference: `Patient/${patient.id}` }), observationQuery(m));
    }
  }
  return patient;
}

let predictor: Predictor;
beforeAll(async () => {
  predictor = await createPredictor({ device: 'cpu' });
});

describe('prediction Lambda (container image) handler', () => {
  it('POST /predict-progression reads the history from FHIR, answers with intervals and writes a RiskAssessment back', async () => {
    // Prepare
    const { store: fhir } = memoryFhirStore();
    const patient = await seedPatient(fhir, 'P001');
    const outputs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-predict-')) });
    const handler = createHttpApiHandler(() => predictionDeps({ base: { store: outputs, logger: new MemoryLogger() }, fhir, outputs, predictor }));
    // Act
    const response = await handler(predictEvent({ patient_id: 'P001' }));
    // Assess
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(Object.keys(body.predictions)).toEqual(['6_months', '12_months', '18_months', '24_months', '36_months']);
    const mmse12 = body.predictions['12_months'].mmse;
    expect(mmse12.low).toBeLessThanOrEqual(mmse12.value);
    expect(mmse12.value).toBeLessThanOrEqual(mmse12.high);
    expect(body.device).toBe('cpu');
    const risks = await fhir.search<RiskAssessment>('RiskAssessment', `subject=Patient/${patient.id}`);
    expect(risks).toHaveLength(1);
    expect(risks[0].prediction).toHaveLength(15);
    expect(risks[0].basis?.length).toBeGreaterThan(0);
  });

  it.each([
    ['an unknown patient', { patient_id: 'NOBODY' }, 404],
    ['a malformed id', { patient_id: '../x' }, 400],
  ])('answers %s with %i', async (_what, body, status) => {
    const { store: fhir } = memoryFhirStore();
    const outputs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-predict-')) });
    const handler = createHttpApiHandler(() => predictionDeps({ base: { store: outputs, logger: new MemoryLogger() }, fhir, outputs, predictor }));
    expect((await handler(predictEvent(body))).statusCode).toBe(status);
  });

  it('without FHIR_BASE_URL answers 500 misconfigured and logs the variable', async () => {
    // Prepare
    const logger = new MemoryLogger();
    const handler = createHttpApiHandler(() => predictionDepsFromEnv({ ADNI_RAW_BUCKET: 'raw-bucket', ADNI_PREPROCESSED_BUCKET: 'preprocessed-bucket' }), logger);
    // Act
    const response = await handler(predictEvent({ patient_id: 'P001' }));
    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body).error.code).toBe('misconfigured');
    expect(logger.text()).toContain('FHIR_BASE_URL');
  });
});
