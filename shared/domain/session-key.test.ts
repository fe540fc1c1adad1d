import { describe, expect, it } from 'vitest';
import { parseRawKey } from './session-key.js';

describe('parseRawKey', () => {
  it.each([
    ['raw/P001/2024-03-01/mri.nii.gz', 'P001', '2024-03-01', 'mri'],
    ['raw/002_S_0295/2011-06-02/pet.nii.gz', '002_S_0295', '2011-06-02', 'pet'],
    ['raw/a.b-c_D/2000-02-29/mri.nii.gz', 'a.b-c_D', '2000-02-29', 'mri'],
  ])('accepts %s', (key, patientId, sessionDate, modality) => {
    expect(parseRawKey(key)).toEqual({ ok: true, value: { key, patientId, sessionDate, modality } });
  });

  it.each([
    ['', 'empty'],
    ['/raw/P1/2024-01-01/mri.nii.gz', 'absolute'],
    ['raw/../P1/2024-01-01/mri.nii.gz', '".."'],
    ['raw/P1/../2024-01-01/mri.nii.gz', '".."'],
    ['raw/./2024-01-01/mri.nii.gz', '".."'],
    ['raw//2024-01-01/mri.nii.gz', 'empty path segment'],
    ['raw/P1/2024-01-01//mri.nii.gz', 'empty path segment'],
    ['raw\\P1\\2024-01-01\\mri.nii.gz', 'backslash'],
    ['raw/P1/2024-01-01/mri.nii', 'file name'],
    ['raw/P1/2024-01-01/t1.nii.gz', 'file name'],
    ['raw/P1/2024-01-01/MRI.NII.GZ', 'file name'],
    ['raw/P1/2024-01-01/mri.nii.gz.exe', 'file name'],
    ['raw/P1/2024-13-01/mri.nii.gz', 'calendar date'],
    ['raw/P1/2023-02-29/mri.nii.gz', 'calendar date'],
    ['raw/P1/24-01-01/mri.nii.gz', 'ISO date'],
    ['raw/P1/20240101/mri.nii.gz', 'ISO date'],
    ['raw/P 1/2024-01-01/mri.nii.gz', 'patient id'],
    ['raw/P%2F1/2024-01-01/mri.nii.gz', 'patient id'],
    [`raw/${'x'.repeat(65)}/2024-01-01/mri.nii.gz`, 'patient id'],
    ['raw/P1/2024-01-01/extra/mri.nii.gz', 'must look like'],
    ['preprocessed/P1/2024-01-01/mri.nii.gz', 'must look like'],
    ['raw/P1/mri.nii.gz', 'must look like'],
    ['raw/P1/2024-01-01/mri.nii.gz\u0000', 'control'],
  ])('rejects %j with a reason mentioning %s', (key, reasonPart) => {
    const result = parseRawKey(key);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reasonPart);
  });
});
