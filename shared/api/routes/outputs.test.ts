import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../providers/local/fs-object-store.js';
import { outputRoutes, OutputListResponseSchema } from './outputs.js';

const PREFIX = 'preprocessed/P001/2024-03-01/';

async function makeStore() {
  const store = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-outputs-')), publicBaseUrl: 'http://127.0.0.1:8080' });
  await store.put(`${PREFIX}mri_brain.nii.gz`, new Uint8Array(64 * 1024).fill(7));
  await store.put(`${PREFIX}roi_features.json`, '{"schemaVersion":1}');
  await store.put(`${PREFIX}qc/index.html`, '<img src="mask.png">');
  await store.put(`${PREFIX}qc/mask.png`, new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
  await store.put('preprocessed/P001/2024-09-01/mri_brain.nii.gz', 'other session');
  return store;
}

describe('output routes', () => {
  it('lists a session’s files with an API href and a presigned URL each', async () => {
    // Prepare
    const app = outputRoutes({ store: await makeStore() });
    // Act
    const response = await app.request('/outputs/P001/2024-03-01');
    // Assess
    expect(response.status).toBe(200);
    const body = OutputListResponseSchema.parse(await response.json());
    expect(body.files.map((f) => f.name)).toEqual(['mri_brain.nii.gz', 'qc/index.html', 'qc/mask.png', 'roi_features.json']);
    expect(body.files[0]).toMatchObject({ size: 64 * 1024, href: '/outputs/P001/2024-03-01/files/mri_brain.nii.gz' });
    expect(body.files[0].url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/local-store\/preprocessed\/P001\/2024-03-01\/mri_brain\.nii\.gz\?.*signature=/);
  });

  it('answers an empty list for a session without outputs', async () => {
    const app = outputRoutes({ store: await makeStore() });
    const response = await app.request('/outputs/P001/2020-01-01');
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).files).toEqual([]);
  });

  it.each([
    ['qc/index.html', 'text/html; charset=utf-8', '<img src="mask.png">'],
    ['qc/mask.png', 'image/png', '\x89PNG'],
    ['roi_features.json', 'application/json', '{"schemaVersion":1}'],
  ])('serves small file %s with content type %s', async (file, type, text) => {
    // Prepare
    const app = outputRoutes({ store: await makeStore() });
    // Act
    const response = await app.request(`/outputs/P001/2024-03-01/files/${file}`);
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await response.arrayBuffer()).toString('latin1')).toBe(text);
  });

  it('redirects a file above the inline limit to its presigned GET, which the store accepts', async () => {
    // Prepare
    const store = await makeStore();
    const app = outputRoutes({ store, inlineMaxBytes: 1024 });
    // Act
    const response = await app.request('/outputs/P001/2024-03-01/files/mri_brain.nii.gz');
    // Assess
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.pathname).toBe(`/local-store/${PREFIX}mri_brain.nii.gz`);
    expect(store.verifyPresigned('GET', `${PREFIX}mri_brain.nii.gz`, location.searchParams)).toEqual({ ok: true, key: `${PREFIX}mri_brain.nii.gz` });
  });

  it.each([
    ['/outputs/..%2Fx/2024-03-01', 400, 'patient'],
    ['/outputs/P001/2024-02-30', 400, 'session date'],
    ['/outputs/P001/2024-03-01/files/qc/..%2F..%2F2024-09-01%2Fmri_brain.nii.gz', 400, '".."'],
    ['/outputs/P001/2024-03-01/files/a%20b', 400, 'file path'],
    ['/outputs/P001/2024-03-01/files/missing.nii.gz', 404, 'missing.nii.gz'],
  ])('GET %s → %i mentioning %s', async (url, status, words) => {
    const app = outputRoutes({ store: await makeStore() });
    const response = await app.request(url);
    expect(response.status).toBe(status);
    const body = (await response.json()) as any;
    expect(body.error.message).toContain(words);
  });
});
