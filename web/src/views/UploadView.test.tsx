import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client';
import { ApiProvider } from '../api/context';
import { routeFetch } from '../test-fetch';
import { UploadView, validateUpload } from './UploadView';

const gz = (name: string, size = 10) => new File([new Uint8Array(size)], name);

describe('validateUpload', () => {
  it.each([
    [{ patientId: 'P001', sessionDate: '2024-03-01', files: { mri: gz('t1.nii.gz'), pet: gz('pet.nii.gz') } }, {}],
    [{ patientId: '../x', sessionDate: '2024-03-01', files: { mri: gz('t1.nii.gz'), pet: gz('pet.nii.gz') } }, { patientId: expect.stringContaining('Patient id') }],
    [{ patientId: 'P001', sessionDate: '03/01/2024', files: { mri: gz('t1.nii.gz'), pet: gz('pet.nii.gz') } }, { sessionDate: expect.stringContaining('YYYY-MM-DD') }],
    [{ patientId: 'P001', sessionDate: '2024-03-01', files: { mri: gz('t1.nii'), pet: gz('pet.nii.gz', 0) } }, { mri: expect.stringContaining('.nii.gz'), pet: expect.stringContaining('empty') }],
    [{ patientId: 'P001', sessionDate: '2024-03-01', files: {} }, { mri: 'Choose the T1-weighted MRI file', pet: 'Choose the PET file' }],
  ])('%j → %j', (input, errors) => {
    expect(validateUpload(input)).toEqual(errors);
  });
});

describe('UploadView', () => {
  it('lists what is wrong and sends nothing until the form is valid', async () => {
    // Prepare
    const recorder = routeFetch({});
    render(
      <ApiProvider client={createApiClient({ fetch: recorder.fetch })}>
        <UploadView patientId="P001" />
      </ApiProvider>,
    );
    const user = userEvent.setup({ applyAccept: false });
    // Act
    await user.upload(screen.getByLabelText(/T1-weighted MRI/), gz('t1.nii'));
    await user.click(screen.getByRole('button', { name: 'Upload and preprocess' }));
    // Assess
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('T1-weighted MRI: a gzip-compressed NIfTI file (.nii.gz), not “t1.nii”');
    expect(alert.textContent).toContain('Choose the PET file');
    expect(recorder.requests).toEqual([]);
    expect((screen.getByLabelText('Patient id') as HTMLInputElement).value).toBe('P001');
  });

  it('shows the API’s reason when upload URLs are refused', async () => {
    // Prepare
    const recorder = routeFetch({ 'POST /uploads': { status: 400, json: { error: { code: 'invalid_request', message: 'session_date: session date is not a real calendar date' } } } });
    render(
      <ApiProvider client={createApiClient({ fetch: recorder.fetch })}>
        <UploadView patientId="P001" sessionDate="2024-03-01" />
      </ApiProvider>,
    );
    await userEvent.upload(screen.getByLabelText(/T1-weighted MRI/), gz('t1.nii.gz'));
    await userEvent.upload(screen.getByLabelText(/PET/), gz('pet.nii.gz'));
    // Act
    await userEvent.click(screen.getByRole('button', { name: 'Upload and preprocess' }));
    // Assess
    expect((await screen.findByRole('alert')).textContent).toContain('session date is not a real calendar date');
    expect(recorder.requests[0]).toEqual({ method: 'POST', path: '/uploads', body: { patient_id: 'P001', session_date: '2024-03-01', modalities: ['mri', 'pet'], sizes: { mri: 10, pet: 10 } } });
  });
});
