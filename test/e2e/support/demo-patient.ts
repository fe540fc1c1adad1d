import { observationQuery, observationResource, patientQuery, patientResource, type MeasureValue } from '../../../shared/fhir/mapping.js';

export const DEMO_PATIENT = 'DEMO001';

/** Three yearly visits of a declining MCI patient, as `adni import` would write them. */
export const DEMO_VISITS: { date: string; mmse: number; cdrsb: number; adas13: number }[] = [
  { date: '2021-03-02', mmse: 28, cdrsb: 1, adas13: 12 },
  { date: '2022-03-08', mmse: 27, cdrsb: 1.5, adas13: 14.33 },
  { date: '2023-03-14', mmse: 25, cdrsb: 2.5, adas13: 18 },
];

/**
 * Writes the demo patient through the FHIR REST API (`/fhir/R4`) with conditional updates, so running it
 * twice changes nothing.
 *
 * @example
 * await seedDemoPatient(stack.fhirUrl!);
 */
export async function seedDemoPatient(fhirUrl: string): Promise<void> {
  const put = async (resourceType: string, query: string, body: unknown) => {
    const response = await fetch(`${fhirUrl}/${resourceType}?${query}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`PUT ${resourceType}?${query}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  };
  const patient = await put('Patient', patientQuery(DEMO_PATIENT), {
    ...patientResource({ patientId: DEMO_PATIENT, sex: 'female', birthDate: '1948-05-20', educationYears: 14, ageAtBaseline: { age: 72.8, date: DEMO_VISITS[0].date } }),
  });
  const subject = { reference: `Patient/${patient.id}` };
  const values: MeasureValue[] = [{ patientId: DEMO_PATIENT, date: DEMO_VISITS[0].date, measure: 'apoe4', value: 1 }];
  for (const v of DEMO_VISITS) {
    values.push({ patientId: DEMO_PATIENT, date: v.date, measure: 'mmse', value: v.mmse });
    values.push({ patientId: DEMO_PATIENT, date: v.date, measure: 'cdrsb', value: v.cdrsb });
    values.push({ patientId: DEMO_PATIENT, date: v.date, measure: 'adas13', value: v.adas13 });
  }
  for (const m of values) await put('Observation', observationQuery(m), observationResource(m, subject));
}
