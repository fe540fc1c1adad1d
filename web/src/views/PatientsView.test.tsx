import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client';
import { ApiProvider } from '../api/context';
import { routeFetch } from '../test-fetch';
import { PatientsView } from './PatientsView';

const P001 = {
  patient_id: 'P001',
  sex: 'female',
  birth_date: '1950-04-02',
  education_years: 16,
  age_at_baseline: null,
  last_session: { session_date: '2024-02-01', status: 'failed' },
  last_mmse: { value: 27, date: '2023-01-12' },
};
const P002 = { ...P001, patient_id: 'P002', sex: 'male', last_session: null, last_mmse: null };

function renderWith(routes: Parameters<typeof routeFetch>[0]) {
  const recorder = routeFetch(routes);
  render(
    <ApiProvider client={createApiClient({ fetch: recorder.fetch })}>
      <PatientsView />
    </ApiProvider>,
  );
  return recorder;
}

describe('PatientsView', () => {
  it('shows each patient with last session, its status badge and last MMSE', async () => {
    // Prepare
    renderWith({ 'GET /patients': { json: { patients: [P001, P002], total: 2 } } });
    // Act
    const table = await screen.findByRole('table');
    // Assess
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]).getByRole('link', { name: 'P001' }).getAttribute('href')).toBe('#/patients/P001');
    expect(rows[1].textContent).toContain('1 Feb 2024');
    expect(within(rows[1]).getByText('Failed').dataset.status).toBe('failed');
    expect(rows[1].textContent).toContain('27 (12 Jan 2023)');
    expect(within(rows[2]).getByText('No imaging')).toBeTruthy();
    expect(screen.getByText('2 patients')).toBeTruthy();
  });

  it('searches by patient id as the user types', async () => {
    // Prepare
    const { requests } = renderWith({
      'GET /patients': { json: { patients: [P001, P002], total: 2 } },
      'GET /patients?search=P002': { json: { patients: [P002], total: 1 } },
    });
    await screen.findByRole('table');
    // Act
    await userEvent.type(screen.getByLabelText('Search patients'), 'P002');
    // Assess
    expect(await screen.findByText('1 patient matching “P002”')).toBeTruthy();
    expect(requests.at(-1)?.path).toBe('/patients?search=P002');
    expect(screen.queryByRole('link', { name: 'P001' })).toBeNull();
  });

  it('says when there are no patients and how to add some', async () => {
    renderWith({ 'GET /patients': { json: { patients: [], total: 0 } } });
    expect(await screen.findByText(/No patients yet/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'upload a session' }).getAttribute('href')).toBe('#/upload');
  });

  it('shows the API’s error message and retries on request', async () => {
    // Prepare
    let calls = 0;
    renderWith({
      'GET /patients': () => (++calls === 1 ? { status: 501, json: { error: { code: 'not_implemented', message: 'patient records are not configured on this deployment' } } } : { json: { patients: [P001], total: 1 } }),
    });
    // Act
    const alert = await screen.findByRole('alert');
    // Assess
    expect(alert.textContent).toContain('patient records are not configured on this deployment');
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('link', { name: 'P001' })).toBeTruthy();
  });

  it('reports an answer in an unexpected shape instead of showing nothing', async () => {
    renderWith({ 'GET /patients': { json: { items: [] } } });
    expect((await screen.findByRole('alert')).textContent).toContain('GET /patients answered in an unexpected shape (patients:');
  });
});
