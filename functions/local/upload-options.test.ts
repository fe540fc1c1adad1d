import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyNiftiGz } from '../../test/local/nifti-fixture.js';
import { UploadOptionsSchema } from './upload-options.js';

let dir: string;
let good: { patient: string; session: string; mri: string; pet: string };
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'adni-opts-'));
  await writeFile(path.join(dir, 'mri.nii.gz'), tinyNiftiGz());
  await writeFile(path.join(dir, 'notes.txt'), 'plain text');
  good = { patient: 'P1', session: '2024-01-01', mri: path.join(dir, 'mri.nii.gz'), pet: path.join(dir, 'mri.nii.gz') };
});

describe('UploadOptionsSchema', () => {
  it('accepts good options, resolves the files and fills the defaults', () => {
    const parsed = UploadOptionsSchema.parse({ ...good, mri: path.relative(process.cwd(), good.mri) });
    expect(parsed).toMatchObject({ mri: good.mri, api: 'http://127.0.0.1:8080', wait: false, timeout: 600 });
  });

  it.each([
    [{ patient: '../P' }, 'patient id must be'],
    [{ session: '2024-02-30' }, 'not a real calendar date'],
    [{ mri: '/nonexistent/mri.nii.gz' }, '--mri /nonexistent/mri.nii.gz does not exist or cannot be read'],
    [{ pet: '<dir>' }, 'is not a file'],
    [{ pet: '<dir>/notes.txt' }, 'is not gzip-compressed'],
    [{ api: 'ftp://host' }, '--api must be an http(s) URL'],
    [{ timeout: '-3' }, '--timeout must be a positive number'],
    [{ bucket: 'b' }, '--bucket needs --store'],
  ])('rejects %j saying %s', (change, message) => {
    const input = Object.fromEntries(Object.entries({ ...good, ...change }).map(([k, v]) => [k, typeof v === 'string' ? v.replace('<dir>', dir) : v]));
    const result = UploadOptionsSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('; ')).toContain(message);
  });
});
