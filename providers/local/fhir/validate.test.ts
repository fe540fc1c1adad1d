import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { validateFhirResource } from './validate.js';

const risk = (prediction: object[]) => ({ resourceType: 'RiskAssessment', status: 'final', subject: { reference: 'Patient/1' }, prediction }) as Resource;

describe('validateFhirResource', () => {
  it.each([
    ['a prediction without a probability (Medplum 4.5 reports ras-2 wrongly)', risk([{ outcome: { text: 'MMSE at 12 months' } }])],
    ['a prediction with an extension and a whenRange', risk([{ outcome: { text: 'x' }, whenRange: { low: { value: 6 } }, extension: [{ url: 'https://e.org/v', valueDecimal: 26 }] }])],
    ['a probability of 40 %', risk([{ outcome: { text: 'x' }, probabilityDecimal: 40 }])],
  ])('accepts %s', (_what, resource) => {
    expect(() => validateFhirResource(resource)).not.toThrow();
  });

  it.each([
    ['a probability over 100 (ras-2 still enforced)', risk([{ outcome: { text: 'x' }, probabilityDecimal: 150 }]), 'ras-2'],
    ['an unknown element next to the ras-2 report', risk([{ outcome: { text: 'x' }, bogus: 1 }]), 'bogus'],
    ['a Patient whose birthDate is a number', { resourceType: 'Patient', birthDate: 1948 } as unknown as Resource, 'birthDate'],
  ])('refuses %s', (_what, resource, message) => {
    expect(() => validateFhirResource(resource)).toThrow(message);
  });
});
