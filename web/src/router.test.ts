import { describe, expect, it } from 'vitest';
import { href, parseRoute, type Route } from './router';

describe('router', () => {
  it.each<[string, Route]>([
    ['', { view: 'patients' }],
    ['#/', { view: 'patients' }],
    ['#/patients/P%20001', { view: 'patient', patientId: 'P 001' }],
    ['#/patients/P001/sessions/2024-03-01', { view: 'viewer', patientId: 'P001', sessionDate: '2024-03-01' }],
    ['#/upload?patient=P001&session=2024-03-01', { view: 'upload', patientId: 'P001', sessionDate: '2024-03-01' }],
    ['#/upload', { view: 'upload', patientId: undefined, sessionDate: undefined }],
    ['#/nowhere', { view: 'not-found', path: '/nowhere' }],
  ])('parses %s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it.each<Route>([
    { view: 'patients' },
    { view: 'patient', patientId: 'P/1' },
    { view: 'viewer', patientId: 'P001', sessionDate: '2024-03-01' },
    { view: 'upload', patientId: 'P001', sessionDate: '2024-03-01' },
  ])('href and parseRoute round-trip %j', (route) => {
    expect(parseRoute(href(route))).toEqual(route);
  });
});
