import { describe, expect, it } from 'vitest';
import { memoryFhirStore } from '../../../test/fhir/memory-store.js';
import { imagingStudyQuery, imagingStudyResource, observationQuery, observationResource, patientQuery, patientResource, type MeasureValue } from '../../fhir/mapping.js';
import type { FhirStore } from '../../fhir/store.js';
import { patientRoutes, PatientListResponseSchema } from './patients.js';

async function seed(store: FhirStore) {
  const patients: Record<string, string> = {};
  for (const [id, sex] of [['P001', 'female'], ['P002', 'male'], ['P010', 'female'], ['X9', 'male']] as const) {
    const p = await store.conditionalUpdate(patientResource({ patientId: id, sex, birthDate: '1950-04-02', educationYears: 16 }), patientQuery(id));
    patients[id] = `Patient/${p.id}`;
  }
  const scores: MeasureValue[] = [
    { patientId: 'P001', date: '2022-01-10', measure: 'mmse', value: 29 },
    { patientId: 'P001', date: '2023-01-12', measure: 'mmse', value: 27 },
    { patientId: 'P001', date: '2023-01-12', measure: 'adas13', value: 14 },
  ];
  for (const s of scores) await store.conditionalUpdate(observationResource(s, { reference: patients[s.patientId] }), observationQuery(s));
  for (const [date, status] of [['2022-01-10', 'completed'], ['2023-01-12', 'failed']] as const) {
    const study = { patientId: 'P001', sessionDate: date, status };
    await store.conditionalUpdate(imagingStudyResource(study, { reference: patients.P001 }), imagingStudyQuery(study));
  }
}

async function list(store: FhirStore, query = '') {
  const response = await patientRoutes({ fhir: store }).request(`/patients${query}`);
  return { status: response.status, body: (await response.json()) as any };
}

describe('GET /patients', () => {
  it('lists patients by id with the latest session, its status and the latest MMSE', async () => {
    // Prepare
    const { store } = memoryFhirStore();
    await seed(store);
    // Act
    const { status, body } = await list(store);
    // Assess
    expect(status).toBe(200);
    expect(PatientListResponseSchema.parse(body)).toEqual(body);
    expect(body.total).toBe(4);
    expect(body.patients.map((p: any) => p.patient_id)).toEqual(['P001', 'P002', 'P010', 'X9']);
    expect(body.patients[0]).toMatchObject({
      sex: 'female',
      birth_date: '1950-04-02',
      education_years: 16,
      last_session: { session_date: '2023-01-12', status: 'failed' },
      last_mmse: { value: 27, date: '2023-01-12' },
    });
    expect(body.patients[1]).toMatchObject({ last_session: null, last_mmse: null });
  });

  it.each([
    ['?search=p0', ['P001', 'P002', 'P010']],
    ['?search=01', ['P001', 'P010']],
    ['?search=x9', ['X9']],
    ['?search=nobody', []],
    ['?limit=2', ['P001', 'P002']],
  ])('%s → %j', async (query, ids) => {
    // Prepare
    const { store } = memoryFhirStore();
    await seed(store);
    // Act
    const { body } = await list(store, query);
    // Assess
    expect(body.patients.map((p: any) => p.patient_id)).toEqual(ids);
    if (query === '?limit=2') expect(body.total).toBe(4);
  });

  it.each([
    ['?search=a%2Fb', 'search'],
    ['?limit=0', 'limit'],
    ['?limit=abc', 'limit'],
    ['?sort=id', 'sort'],
  ])('rejects %s with 400 naming %s', async (query, field) => {
    const { store } = memoryFhirStore();
    const { status, body } = await list(store, query);
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toContain(field);
  });

  it('answers an empty list when FHIR has no patients', async () => {
    const { store } = memoryFhirStore();
    const { status, body } = await list(store);
    expect(status).toBe(200);
    expect(body).toEqual({ patients: [], total: 0 });
  });
});
