import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../providers/local/local-stack.js';
import { tinyNiftiGz } from './nifti-fixture.js';
import { sessionStatuses, startTestStack, uploadSession } from './stack-helpers.js';

const stacks: LocalStack[] = [];
async function stack(options?: Parameters<typeof startTestStack>[0]) {
  const started = await startTestStack(options);
  stacks.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.close()));
});

const keys = (heads: { key: string }[]) => heads.map((h) => h.key);

describe('local stack end to end', () => {
  it('two presigned uploads run one job whose outputs appear under preprocessed/', async () => {
    // Prepare
    const s = await stack();
    // Act
    const puts = await uploadSession(s, { patient: 'P001', date: '2024-03-01' }, { mri: tinyNiftiGz({ seed: 1 }), pet: tinyNiftiGz({ seed: 2 }) });
    await s.idle();
    // Assess
    expect(puts.mri.status).toBe(200);
    expect(puts.mri.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(keys(await s.store.list('preprocessed/P001/2024-03-01/'))).toEqual([
      'preprocessed/P001/2024-03-01/mri_brain.nii.gz',
      'preprocessed/P001/2024-03-01/pet_suvr.nii.gz',
      'preprocessed/P001/2024-03-01/roi_features.json',
    ]);
    const [record, ...others] = await sessionStatuses(s, 'P001', '2024-03-01');
    expect(others).toEqual([]);
    expect(record).toMatchObject({ status: 'completed', outputs: { mri_brain: 'preprocessed/P001/2024-03-01/mri_brain.nii.gz' } });
    expect(record.history.map((h) => h.status)).toContain('in-progress');
    expect(keys(await s.store.list('jobs/P001/2024-03-01/'))).toHaveLength(1);
  });

  it('a corrupt upload ends as failed with a clear reason and no outputs', async () => {
    const s = await stack();
    await uploadSession(s, { patient: 'P002', date: '2024-03-01' }, { mri: 'this is not a gzip file', pet: tinyNiftiGz() });
    await s.idle();
    const [record] = await sessionStatuses(s, 'P002', '2024-03-01');
    expect(record.status).toBe('failed');
    expect(record.reason).toContain('MRI input is not gzip-compressed');
    expect(await s.store.list('preprocessed/P002/')).toEqual([]);
  });

  it('is idempotent: the same file PUT again starts no second job, a changed file does', async () => {
    // Prepare
    const s = await stack();
    const session = { patient: 'P003', date: '2024-03-01' };
    await uploadSession(s, session, { mri: tinyNiftiGz({ seed: 1 }), pet: tinyNiftiGz({ seed: 2 }) });
    await s.idle();
    // Act
    const again = await uploadSession(s, session, { mri: tinyNiftiGz({ seed: 1 }), pet: tinyNiftiGz({ seed: 2 }) });
    await s.idle();
    const afterDuplicate = keys(await s.store.list('jobs/P003/'));
    await uploadSession(s, session, { pet: tinyNiftiGz({ seed: 3 }) });
    await s.idle();
    // Assess
    expect(again.mri.status).toBe(200);
    expect(afterDuplicate).toHaveLength(1);
    expect(keys(await s.store.list('jobs/P003/'))).toHaveLength(2);
    expect((await sessionStatuses(s, 'P003', '2024-03-01')).map((r) => r.status)).toEqual(['completed', 'completed']);
  });

  it('picks up files dropped into raw/ by hand once they stop growing', async () => {
    const s = await stack();
    const dir = path.join(s.dropDir, 'P004', '2024-03-01');
    await mkdir(dir, { recursive: true });
    // The MRI arrives in two writes, like a slow copy; the PET arrives whole.
    const mri = tinyNiftiGz({ seed: 5 });
    await writeFile(path.join(dir, 'mri.nii.gz'), mri.subarray(0, 20));
    await writeFile(path.join(dir, 'pet.nii.gz'), tinyNiftiGz({ seed: 6 }));
    await new Promise((resolve) => setTimeout(resolve, 60));
    await writeFile(path.join(dir, 'mri.nii.gz'), mri);

    await vi.waitFor(async () => expect((await sessionStatuses(s, 'P004', '2024-03-01')).at(-1)?.status).toBe('completed'), {
      timeout: 20_000,
      interval: 200,
    });
    await s.idle();
    expect(keys(await s.store.list('preprocessed/P004/'))).toHaveLength(3);
    expect(await sessionStatuses(s, 'P004', '2024-03-01')).toHaveLength(1);
  });

  it('scans raw/ at start for files that arrived while it was down, without redoing finished sessions', async () => {
    // Prepare: a session processed by one stack, and another dropped while no stack runs.
    const first = await stack({ watch: true });
    await uploadSession(first, { patient: 'P005', date: '2024-03-01' }, { mri: tinyNiftiGz({ seed: 1 }), pet: tinyNiftiGz({ seed: 2 }) });
    await first.idle();
    await first.close();
    const dir = path.join(first.dropDir, 'P006', '2024-03-01');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'mri.nii.gz'), tinyNiftiGz({ seed: 3 }));
    await writeFile(path.join(dir, 'pet.nii.gz'), tinyNiftiGz({ seed: 4 }));
    // Act
    const second = await stack({ dataDir: first.dataDir });
    await vi.waitFor(async () => expect((await sessionStatuses(second, 'P006', '2024-03-01')).at(-1)?.status).toBe('completed'), {
      timeout: 20_000,
      interval: 200,
    });
    await second.idle();
    // Assess
    expect(keys(await second.store.list('jobs/P005/'))).toHaveLength(1);
    expect(await sessionStatuses(second, 'P005', '2024-03-01')).toHaveLength(1);
  });
});

describe('local presigned storage routes', () => {
  it.each([
    ['a tampered signature', (u: URL) => u.searchParams.set('signature', '00'.repeat(32)), 'bad signature'],
    ['another key', (u: URL) => (u.pathname = u.pathname.replace('mri.nii.gz', 'pet.nii.gz')), 'bad signature'],
    ['an expired URL', (u: URL) => u.searchParams.set('expires', '1000'), 'URL expired'],
    ['no signature', (u: URL) => (u.search = ''), 'missing or malformed expires'],
  ])('refuses a PUT with %s (403) and stores nothing', async (_name, tamper, reason) => {
    const s = await stack({ watch: false });
    const put = await s.store.presignPut('raw/P7/2024-01-01/mri.nii.gz');
    const url = new URL(put.url);
    tamper(url);
    const response = await fetch(url, { method: 'PUT', body: 'x' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as any).error.message).toContain(reason);
    expect(await s.store.list('raw/')).toEqual([]);
  });

  it('refuses an upload over the size limit with 413 and keeps nothing of it', async () => {
    const s = await stack({ watch: false, maxUploadBytes: 1000 });
    const put = await s.store.presignPut('raw/P7/2024-01-01/mri.nii.gz');
    const declared = await fetch(put.url, { method: 'PUT', body: Buffer.alloc(1001) });
    // A chunked body declares no length: the limit is enforced while streaming.
    const chunked = await fetch(put.url, {
      method: 'PUT',
      body: new ReadableStream({ start(c) { for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(400)); c.close(); } }),
      duplex: 'half',
    } as RequestInit);
    expect(declared.status).toBe(413);
    expect(chunked.status).toBe(413);
    expect(await s.store.list('')).toEqual([]);
  });

  it('GET serves an object through a presigned URL and 404s a missing one', async () => {
    const s = await stack({ watch: false });
    await s.store.put('preprocessed/P7/2024-01-01/roi_features.json', '{"a":1}');
    const get = await s.store.presignGet('preprocessed/P7/2024-01-01/roi_features.json');
    const missing = await s.store.presignGet('preprocessed/P7/2024-01-01/none.json');
    expect(await (await fetch(get.url)).json()).toEqual({ a: 1 });
    expect((await fetch(missing.url)).status).toBe(404);
  });

  it('GET /local-status rejects bad parameters with the field named', async () => {
    const s = await stack({ watch: false });
    const response = await fetch(`${s.url}/local-status/..%2Fx/2024-01-01`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.message).toContain('patient');
  });
});
