import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client';
import { ApiProvider } from '../api/context';
import { routeFetch } from '../test-fetch';
import { describeLocation, labelColormap, viewerLayers, ViewerView } from './ViewerView';

const file = (name: string) => ({ name, size: 10, href: `/outputs/P001/2024-03-01/files/${name}`, url: `http://store/${name}?sig` });

describe('viewer helpers', () => {
  it('finds the brain, atlas, PET and features among the outputs', () => {
    const layers = viewerLayers({ patient_id: 'P001', session_date: '2024-03-01', files: ['qc/index.html', 'mri_brain.nii.gz', 'pet_suvr.nii.gz', 'roi_features.json'].map(file) });
    expect(layers.mri?.name).toBe('mri_brain.nii.gz');
    expect(layers.pet?.name).toBe('pet_suvr.nii.gz');
    expect(layers.atlas).toBeUndefined();
    expect(layers.features?.href).toBe('/outputs/P001/2024-03-01/files/roi_features.json');
  });

  it('builds a label table with index 0 transparent and every region named', () => {
    const cm = labelColormap(new Map([[1, 'Precentral_L'], [3, 'Hippocampus_R']]));
    expect(cm.I).toEqual([0, 1, 2, 3]);
    expect(cm.A).toEqual([0, 255, 255, 255]);
    expect(cm.labels).toEqual(['', 'Precentral_L', 'label 2', 'Hippocampus_R']);
    expect(new Set(cm.R.slice(1).map((r, i) => `${r},${cm.G[i + 1]},${cm.B[i + 1]}`)).size).toBe(3);
  });

  it.each([
    [['', 'Hippocampus_L'], 1, 1.234, 'Region: Hippocampus_L · SUVR 1.23'],
    [['', 'Hippocampus_L'], 0.9999, undefined, 'Region: Hippocampus_L'],
    [['', 'Hippocampus_L'], 0, 0.5, 'Region: no atlas region · SUVR 0.50'],
    [undefined, 7, Number.NaN, 'Region: label 7'],
  ])('describeLocation(%j, %s, %s) = %s', (labels, label, suvr, text) => {
    expect(describeLocation(labels, label, suvr)).toBe(text);
  });
});

describe('ViewerView', () => {
  it('says so when the session has no preprocessed brain yet', async () => {
    const recorder = routeFetch({ 'GET /outputs/P001/2024-03-01': { json: { patient_id: 'P001', session_date: '2024-03-01', files: [file('roi_features.json')] } } });
    render(
      <ApiProvider client={createApiClient({ fetch: recorder.fetch })}>
        <ViewerView patientId="P001" sessionDate="2024-03-01" />
      </ApiProvider>,
    );
    expect(await screen.findByText(/no preprocessed brain image \(mri_brain\.nii\.gz\) yet/)).toBeTruthy();
  });

  it('shows why the outputs could not be listed', async () => {
    const recorder = routeFetch({ 'GET /outputs/P001/2024-03-01': { status: 400, json: { error: { code: 'invalid_request', message: 'session_date: session date is not a real calendar date' } } } });
    render(
      <ApiProvider client={createApiClient({ fetch: recorder.fetch })}>
        <ViewerView patientId="P001" sessionDate="2024-03-01" />
      </ApiProvider>,
    );
    expect((await screen.findByRole('alert')).textContent).toContain('session date is not a real calendar date');
  });
});
