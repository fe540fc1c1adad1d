import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { MemoryLogger } from '../../test/support/recorders.js';
import { createApiApp } from './app.js';

async function makeApp() {
  const store = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-api-')), publicBaseUrl: 'http://127.0.0.1:8080' });
  return createApiApp({ store, logger: new MemoryLogger() });
}

describe('API app', () => {
  it('POST /uploads returns a presigned PUT per modality', async () => {
    const app = await makeApp();
    const response = await app.request('/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ patient_id: 'P1', session_date: '2024-01-01' }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as any;
    expect(body.uploads.mri).toMatchObject({ key: 'raw/P1/2024-01-01/mri.nii.gz', method: 'PUT' });
    expect(body.uploads.pet.url).toContain('/local-store/raw/P1/2024-01-01/pet.nii.gz?');
  });

  it.each([
    [{ patient_id: '../x', session_date: '2024-01-01' }, 'patient_id'],
    [{ patient_id: 'P1', session_date: '2024-02-30' }, 'session_date'],
    [{ patient_id: 'P1' }, 'session_date'],
    [{ patient_id: 'P1', session_date: '2024-01-01', modalities: ['ct'] }, 'modalities'],
  ])('POST /uploads rejects %j with 400 naming %s', async (body, field) => {
    const app = await makeApp();
    const response = await app.request('/uploads', { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    const json = (await response.json()) as any;
    expect(json.error.code).toBe('invalid_request');
    expect(json.error.message).toContain(field);
  });

  it('unknown routes get the JSON error shape', async () => {
    const app = await makeApp();
    const response = await app.request('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
