import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectStoreContract } from '../../test/contracts/object-store.contract.js';
import { FsObjectStore } from './fs-object-store.js';

objectStoreContract('local filesystem', async () => new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-fs-')) }), {
  // The local HTTP server serves presigned URLs; its own test fetches them.
  canFetchPresigned: false,
});

describe('FsObjectStore', () => {
  it.each(['../x', '/abs', 'a//b', 'a/./b', '.tmp/x', ''])('refuses the unsafe key %j', async (key) => {
    const store = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-fs-')) });
    await expect(store.put(key, 'x')).rejects.toThrow('invalid object key');
  });

  it('presigned URLs verify only for their method, key and lifetime', async () => {
    const store = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-fs-')), publicBaseUrl: 'http://127.0.0.1:9' });
    const put = await store.presignPut('raw/P1/2024-01-01/mri.nii.gz', { expiresInSeconds: 60 });
    const query = new URL(put.url).searchParams;
    expect(store.verifyPresigned('PUT', 'raw/P1/2024-01-01/mri.nii.gz', query)).toEqual({ ok: true, key: 'raw/P1/2024-01-01/mri.nii.gz' });
    expect(store.verifyPresigned('GET', 'raw/P1/2024-01-01/mri.nii.gz', query)).toMatchObject({ ok: false });
    expect(store.verifyPresigned('PUT', 'raw/P1/2024-01-01/pet.nii.gz', query)).toMatchObject({ ok: false });
    expect(store.verifyPresigned('PUT', 'raw/P1/2024-01-01/mri.nii.gz', query, new Date(Date.now() + 120_000))).toEqual({
      ok: false,
      reason: 'URL expired',
    });
  });
});
