import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { ObjectNotFoundError } from '../../shared/ports/object-store.js';

export interface ObjectStoreContractOptions {
  /** False for emulators known to ignore conditional writes (s3rver): the S3 test proves the header instead. */
  enforcesConditionalCreate?: boolean;
  /** Fetch a presigned request for real (loopback servers only). */
  canFetchPresigned?: boolean;
}

/**
 * The contract every ObjectStore implementation passes: local, S3, Azure Blob, GCS.
 * `makeStore` returns a store over an empty bucket.
 */
export function objectStoreContract(
  name: string,
  makeStore: () => Promise<ObjectStore>,
  options: ObjectStoreContractOptions = {},
) {
  const { enforcesConditionalCreate = true, canFetchPresigned = true } = options;
  describe(`ObjectStore contract: ${name}`, () => {
    it('round-trips bytes and reports size and etag', async () => {
      // Prepare
      const store = await makeStore();
      const body = new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5]);
      // Act
      const head = await store.put('raw/P1/2024-01-01/mri.nii.gz', body);
      const read = await store.get('raw/P1/2024-01-01/mri.nii.gz');
      const again = await store.head('raw/P1/2024-01-01/mri.nii.gz');
      // Assess
      expect(Buffer.from(read)).toEqual(Buffer.from(body));
      expect(head.size).toBe(7);
      expect(again?.etag).toBe(head.etag);
      expect(again?.etag).not.toMatch(/"/);
    });

    it('head of a missing object is undefined and get throws ObjectNotFoundError', async () => {
      const store = await makeStore();
      expect(await store.head('raw/nobody/2024-01-01/mri.nii.gz')).toBeUndefined();
      await expect(store.get('raw/nobody/2024-01-01/mri.nii.gz')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('a new write gives a new etag or version', async () => {
      const store = await makeStore();
      const first = await store.put('raw/P1/2024-01-01/pet.nii.gz', 'one');
      const second = await store.put('raw/P1/2024-01-01/pet.nii.gz', 'two');
      expect(`${second.etag}@${second.version}`).not.toBe(`${first.etag}@${first.version}`);
    });

    it('putIfAbsent creates once', async () => {
      const store = await makeStore();
      const first = await store.putIfAbsent('jobs/P1/2024-01-01/abc.json', '{"n":1}');
      expect(first.created).toBe(true);
      if (enforcesConditionalCreate) {
        const second = await store.putIfAbsent('jobs/P1/2024-01-01/abc.json', '{"n":2}');
        expect(second.created).toBe(false);
        expect(new TextDecoder().decode(await store.get('jobs/P1/2024-01-01/abc.json'))).toBe('{"n":1}');
      }
    });

    it.runIf(enforcesConditionalCreate)('putIfAbsent racing 20 writers lets exactly one win', async () => {
      const store = await makeStore();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.putIfAbsent('jobs/P1/2024-01-01/race.json', `{"writer":${i}}`)),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });

    it('lists by prefix in key order and deletes', async () => {
      const store = await makeStore();
      await store.put('preprocessed/P2/2024-01-01/b.json', 'b');
      await store.put('preprocessed/P2/2024-01-01/a.json', 'a');
      await store.put('preprocessed/P3/2024-01-01/a.json', 'x');
      const listed = await store.list('preprocessed/P2/');
      expect(listed.map((h) => h.key)).toEqual(['preprocessed/P2/2024-01-01/a.json', 'preprocessed/P2/2024-01-01/b.json']);
      await store.delete('preprocessed/P2/2024-01-01/a.json');
      await store.delete('preprocessed/P2/2024-01-01/never-existed.json');
      expect((await store.list('preprocessed/P2/')).map((h) => h.key)).toEqual(['preprocessed/P2/2024-01-01/b.json']);
    });

    it('copy replaces the destination with the source bytes and content type, and leaves the source', async () => {
      // Prepare
      const store = await makeStore();
      expect(typeof store.copy, 'every product store implements copy (the batch commit relies on it)').toBe('function');
      const body = new Uint8Array([7, 6, 5, 4, 3, 2, 1, 0]);
      await store.put('staging/P4/2024-02-02/0123456789abcdef-a1/roi_features.json', body, { contentType: 'application/json' });
      await store.put('preprocessed/P4/2024-02-02/roi_features.json', 'old version');
      // Act
      const head = await store.copy!('staging/P4/2024-02-02/0123456789abcdef-a1/roi_features.json', 'preprocessed/P4/2024-02-02/roi_features.json');
      // Assess
      expect(Buffer.from(await store.get('preprocessed/P4/2024-02-02/roi_features.json'))).toEqual(Buffer.from(body));
      expect(head).toMatchObject({ key: 'preprocessed/P4/2024-02-02/roi_features.json', size: 8 });
      expect((await store.head('preprocessed/P4/2024-02-02/roi_features.json'))?.etag).toBe(head.etag);
      expect(await store.head('staging/P4/2024-02-02/0123456789abcdef-a1/roi_features.json')).toBeDefined();
      const type = (await store.head('preprocessed/P4/2024-02-02/roi_features.json'))?.contentType;
      if (type !== undefined) expect(type).toMatch(/^application\/json/);
    });

    it('copy of a missing object throws ObjectNotFoundError and creates nothing', async () => {
      const store = await makeStore();
      await expect(store.copy!('staging/nobody/2024-01-01/x-y/a.json', 'preprocessed/nobody/2024-01-01/a.json')).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(await store.head('preprocessed/nobody/2024-01-01/a.json')).toBeUndefined();
    });

    it.runIf(canFetchPresigned)('presigned PUT uploads and presigned GET downloads without credentials', async () => {
      const store = await makeStore();
      const key = 'raw/P9/2024-05-05/mri.nii.gz';
      const put = await store.presignPut(key, { expiresInSeconds: 60 });
      expect(put.method).toBe('PUT');
      const uploaded = await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'hello' });
      expect(uploaded.ok).toBe(true);
      const get = await store.presignGet(key, { expiresInSeconds: 60 });
      const downloaded = await fetch(get.url);
      expect(await downloaded.text()).toBe('hello');
    });
  });
}
