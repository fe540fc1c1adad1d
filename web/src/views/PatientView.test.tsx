import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client';
import { ApiProvider } from '../api/context';
import { PREDICTION, STATUS, TIMELINE } from '../fixtures';
import { routeFetch } from '../test-fetch';
import { PatientView, timelineRows } from './PatientView';

function renderWith(routes: Parameters<typeof routeFetch>[0]) {
  const recorder = routeFetch({ 'GET /patient-timeline/P001': { json: TIMELINE }, 'GET /preprocessing-status/P001': { json: STATUS }, ...routes });
  render(
    <ApiProvider client={createApiClient({ fetch: recorder.fetch })}>
      <PatientView patientId="P001" />
    </ApiProvider>,
  );
  return recorder;
}

describe('PatientView', () => {
  it('shows demographics and the timeline newest first with badges, failure reason and output links', async () => {
    // Prepare
    renderWith({});
    // Act
    const timeline = await screen.findByRole('list', { name: 'Sessions, newest first' });
    // Assess
    const items = within(timeline).getAllByRole('listitem');
    expect(items.map((i) => i.dataset.date)).toEqual(['2024-02-01', '2023-01-12', '2022-01-10']);
    expect(within(items[0]).getByText('Failed')).toBeTruthy();
    expect(items[0].textContent).toContain('registration failed: the MRI does not overlap the template');
    expect(within(items[1]).getByText('Completed')).toBeTruthy();
    expect(within(items[1]).getByRole('link', { name: 'View images' }).getAttribute('href')).toBe('#/patients/P001/sessions/2023-01-12');
    expect(within(items[1]).getByRole('link', { name: 'QC report' }).getAttribute('href')).toBe('/outputs/P001/2023-01-12/files/qc/index.html');
    expect(items[1].textContent).toContain('mean SUVR 1.31');
    expect(within(items[2]).getByText('Clinical visit')).toBeTruthy();
    const facts = screen.getByRole('region', { name: 'Demographics' });
    expect(facts.textContent).toContain('female');
    expect(facts.textContent).toContain('16 years');
    expect(facts.textContent).toContain('27 (12 Jan 2023)');
    expect(facts.textContent).toMatch(/Age\d+/);
  });

  it('shows the age at baseline from the patient list when there is no birth date', async () => {
    const timeline = structuredClone(TIMELINE);
    timeline.patient.birth_date = null;
    const summary = { patient_id: 'P001', sex: 'female', birth_date: null, education_years: 16, age_at_baseline: { age: 73.3, date: '2013-09-30' }, last_session: null, last_mmse: null };
    renderWith({ 'GET /patient-timeline/P001': { json: timeline }, 'GET /patients?search=P001': { json: { patients: [summary], total: 1 } } });
    expect(await screen.findByText(/^73\.3 at baseline \(30 Sept? 2013\)$/)).toBeTruthy();
  });

  it('predicts on request and shows model, version, device and what it was trained on', async () => {
    // Prepare
    const { requests } = renderWith({ 'POST /predict-progression': { json: PREDICTION } });
    await screen.findByRole('list', { name: 'Sessions, newest first' });
    // Act
    await userEvent.click(screen.getByRole('button', { name: 'Predict progression' }));
    // Assess
    const facts = await screen.findByTestId('model-facts');
    expect(facts.textContent).toContain('adni-progression-lstm');
    expect(facts.textContent).toContain('1.0.0');
    expect(facts.textContent).toContain('cpu');
    expect(facts.textContent).toContain('Trained on simulated data');
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ patient_id: 'P001' });
    expect(screen.getByTestId('chart-mmse').dataset.predicted).toBe('yes');
    expect(screen.getByTestId('chart-mmse').dataset.points).toBe('4');
  });

  it.each([
    [422, 'insufficient_data', 'cannot predict: needs at least one session with MMSE'],
    [501, 'not_implemented', 'prediction is not configured on this deployment'],
  ])('shows a %i from prediction as its message', async (status, code, message) => {
    renderWith({ 'POST /predict-progression': { status, json: { error: { code, message } } } });
    await screen.findByRole('list', { name: 'Sessions, newest first' });
    await userEvent.click(screen.getByRole('button', { name: 'Predict progression' }));
    expect((await screen.findByRole('alert')).textContent).toContain(message);
  });

  it('says the patient was not found on a 404', async () => {
    renderWith({
      'GET /patient-timeline/P001': { status: 404, json: { error: { code: 'patient_not_found', message: 'no patient with this id' } } },
      'GET /preprocessing-status/P001': { status: 404, json: { error: { code: 'patient_not_found', message: 'no patient with this id' } } },
    });
    expect(await screen.findByText('Patient P001 was not found')).toBeTruthy();
  });

  it('merges the status route over the timeline (the status route has the reason and times)', () => {
    const rows = timelineRows(TIMELINE, STATUS);
    expect(rows.find((r) => r.date === '2024-02-01')).toMatchObject({ status: 'failed', reason: 'registration failed: the MRI does not overlap the template', updatedAt: '2024-02-01T09:00:40Z' });
    expect(timelineRows(TIMELINE, undefined).find((r) => r.date === '2024-02-01')?.reason).toBe('x');
  });
});
