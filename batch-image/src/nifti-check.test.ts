import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tinyNiftiGz } from '../../test/local/nifti-fixture.js';
import { assertGzipNifti } from './nifti-check.js';

/** The fixture inflated and changed by `edit`, then compressed again. */
function editedFixture(edit: (raw: Buffer) => void): Buffer {
  const raw = gunzipSync(tinyNiftiGz());
  edit(raw);
  return gzipSync(raw);
}

function nifti2(): Buffer {
  const header = Buffer.alloc(544);
  header.writeInt32LE(540, 0);
  header.write('n+2\0\r\n\x1a\n', 4, 'latin1');
  return gzipSync(header);
}

async function fileWith(bytes: Buffer): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'adni-nii-')), 'x.nii.gz');
  await writeFile(file, bytes);
  return file;
}

describe('assertGzipNifti', () => {
  it.each([
    ['NIfTI-1 little endian', () => tinyNiftiGz(), 'nifti-1'],
    ['NIfTI-1 big endian', () => editedFixture((raw) => raw.writeInt32BE(348, 0)), 'nifti-1'],
    ['NIfTI-2', nifti2, 'nifti-2'],
  ])('accepts %s', async (_name, make, version) => {
    // Prepare
    const file = await fileWith(make());
    // Act
    const result = await assertGzipNifti(file, 'MRI');
    // Assess
    expect(result).toBe(version);
  });

  it.each([
    ['plain text', () => Buffer.from('hello, not an image'), 'not gzip-compressed'],
    ['an empty file', () => Buffer.alloc(0), 'not gzip-compressed'],
    ['gzip of text', () => gzipSync(Buffer.from('x'.repeat(600))), 'sizeof_hdr is'],
    ['a truncated gzip stream', () => tinyNiftiGz().subarray(0, 12), 'not a valid gzip stream'],
    ['gzip of a tiny file', () => gzipSync(Buffer.from('ab')), 'too short'],
    ['a 348-byte header without the magic', () => editedFixture((raw) => raw.write('abc\0', 344, 'latin1')), 'not the NIfTI-1 magic'],
  ])('rejects %s with a reason', async (_name, make, reason) => {
    const file = await fileWith(make());
    const attempt = assertGzipNifti(file, 'PET');
    await expect(attempt).rejects.toThrow(reason);
    await expect(assertGzipNifti(file, 'PET')).rejects.toThrow(/^PET input/);
  });
});
