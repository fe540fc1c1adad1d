import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OutputDirError, stageOutputDir } from './output-dir.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'adni-stage-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('stageOutputDir', () => {
  test.each([
    ['a new folder', async (dir: string) => dir],
    ['an existing empty folder', async (dir: string) => { await mkdir(dir); return dir; }],
  ])('commits into %s: only the final folder remains', async (_name, make) => {
    // Prepare
    const parent = await mkdtemp(join(root, 'p-'));
    const out = await make(join(parent, 'out'));
    // Act
    const staged = await stageOutputDir(out);
    await writeFile(join(staged.path, 'a.txt'), 'x');
    await staged.commit();
    // Assess
    expect(await readdir(parent)).toEqual(['out']);
    expect(await readdir(out)).toEqual(['a.txt']);
  });

  test('discard leaves nothing behind', async () => {
    const parent = await mkdtemp(join(root, 'p-'));
    const staged = await stageOutputDir(join(parent, 'out'));
    await writeFile(join(staged.path, 'half.nii.gz'), 'partial');
    await staged.discard();
    expect(await readdir(parent)).toEqual([]);
  });

  test.each([
    ['a folder with files', async (p: string) => { await mkdir(p); await writeFile(join(p, 'old'), 'x'); }, /not empty/],
    ['a file', async (p: string) => { await writeFile(p, 'x'); }, /not a folder/],
  ])('refuses %s before any work', async (_name, make, message) => {
    const parent = await mkdtemp(join(root, 'p-'));
    const out = join(parent, 'out');
    await make(out);
    await expect(stageOutputDir(out)).rejects.toThrow(OutputDirError);
    await expect(stageOutputDir(out)).rejects.toThrow(message);
    expect(await readdir(parent)).toEqual(['out']);
  });
});
