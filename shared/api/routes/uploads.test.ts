import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../providers/local/fs-object-store.js';
import type { ObjectStore, PresignOptions } from '../../ports/object-store.js';
import { uploadRoutes } from './uploads.js';

/** A store that records the presign options the route asks for. */
async function recordingStore() {
  const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-uploads-')) });
  const asked: { key: string; options?: PresignOptions }[] = [];
  const store: ObjectStore = Object.assign(Object.create(fs) as FsObjectStore, {
    presignPut: (key: string, options?: PresignOptions) => (asked.push({ key, options }), fs.presignPut(key, options)),
  });
  return { store, asked };
}

const post = (app: ReturnType<typeof uploadRoutes>, body: unknown) =>
  app.request('/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /uploads size limits', () => {
  it('passes each declared size and the limit to the store, and tells the client the limit', async () => {
    // Prepare
    const { store, asked } = await recordingStore();
    const app = uploadRoutes({ store, maxUploadBytes: 1000 });
    // Act
    const response = await post(app, { patient_id: 'P1', session_date: '2024-01-01', sizes: { mri: 1000, pet: 5 } });
    // Assess
    expect(response.status).toBe(201);
    expect(asked.map((a) => [a.key, a.options?.contentLength, a.options?.maxBytes])).toEqual([
      ['raw/P1/2024-01-01/mri.nii.gz', 1000, 1000],
      ['raw/P1/2024-01-01/pet.nii.gz', 5, 1000],
    ]);
    expect(((await response.json()) as { uploads: { mri: unknown } }).uploads.mri).toMatchObject({ method: 'PUT', max_bytes: 1000 });
  });

  it('without sizes the limit still goes to the store (GCS signs 0..limit)', async () => {
    const { store, asked } = await recordingStore();
    const response = await post(uploadRoutes({ store }), { patient_id: 'P1', session_date: '2024-01-01', modalities: ['pet'] });
    expect(response.status).toBe(201);
    expect(asked).toEqual([{ key: 'raw/P1/2024-01-01/pet.nii.gz', options: expect.objectContaining({ maxBytes: 2 * 1024 ** 3, contentLength: undefined }) }]);
  });

  it('a declared size over the limit is 413 naming the field, and nothing is presigned', async () => {
    const { store, asked } = await recordingStore();
    const response = await post(uploadRoutes({ store, maxUploadBytes: 1000 }), { patient_id: 'P1', session_date: '2024-01-01', sizes: { mri: 10, pet: 1001 } });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'upload_too_large', message: 'sizes.pet: 1001 bytes is over the upload limit of 1000 bytes' } });
    expect(asked).toEqual([]);
  });

  it.each([
    [{ mri: 0 }, 'sizes.mri'],
    [{ mri: 1.5 }, 'sizes.mri'],
    [{ mri: '10' }, 'sizes.mri'],
    [{ ct: 10 }, 'sizes'],
  ])('refuses sizes %j with 400 naming %s', async (sizes, field) => {
    const { store } = await recordingStore();
    const response = await post(uploadRoutes({ store }), { patient_id: 'P1', session_date: '2024-01-01', sizes });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(field);
  });
});
