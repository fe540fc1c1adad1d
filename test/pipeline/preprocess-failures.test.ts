import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeNifti1 } from '../../shared/pipeline/io/encode-nifti.js';
import { preprocess } from '../../shared/pipeline/preprocess.js';
import { FAST_REGISTRATION, writeTinySession, type TinySession } from './support/tiny-session.js';

const exec = promisify(execFile);
let work: string;
let session: TinySession;
let plain: TinySession;
let n = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adni-pp-fail-'));
  session = await writeTinySession(join(work, 'session'));
  plain = await writeTinySession(join(work, 'plain'), { withoutCentiloid: true });
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** A fresh folder holding only `out` (not yet created), to check that nothing is left in it. */
async function outParent(): Promise<{ parent: string; out: string }> {
  const parent = join(work, `run-${n++}`);
  await mkdir(parent);
  return { parent, out: join(parent, 'out') };
}

const vol = (size: number[], data: Float32Array, spacing = [2, 2, 2, 1]) =>
  gzipSync(encodeNifti1({ size, datatype: 16, data, spacing, sform: { code: 2, rows: [[spacing[0], 0, 0, 0], [0, spacing[1], 0, 0], [0, 0, spacing[2], 0]] } }));
const ones = (k: number) => new Float32Array(k).fill(1);

// Each bad file replaces the T1 or the PET of a valid session.
const badInputs: Array<[string, 'mri' | 'pet', () => Uint8Array | string, RegExp]> = [
  ['a T1 that is not gzip', 'mri', () => 'plain text, not an image', /not gzip|gzip/i],
  ['a truncated gzip PET', 'pet', () => vol([40, 40, 40], ones(64000)).subarray(0, 200), /truncated/i],
  ['a gzip that is not NIfTI', 'mri', () => gzipSync(Buffer.alloc(4096, 7)), /NIfTI/],
  ['a 2-D T1', 'mri', () => vol([64, 64], ones(4096)), /2-D|dimension/i],
  ['a 5-D PET', 'pet', () => vol([8, 8, 8, 2, 2], ones(2048)), /5-D|dimension/i],
  ['an absurd size (513 voxels on an axis)', 'mri', () => vol([513, 2, 2], ones(8)), /512|too large/i],
  ['a zero spacing', 'mri', () => vol([32, 32, 32], ones(32768), [2, 0, 2, 1]), /spacing/i],
  ['an all-zero PET', 'pet', () => vol([32, 32, 32], new Float32Array(32768)), /zero/i],
  ['a NaN-filled T1', 'mri', () => vol([32, 32, 32], new Float32Array(32768).fill(Number.NaN)), /NaN/],
  ['a decompression bomb', 'pet', () => gzipSync(Buffer.concat([Buffer.from(encodeNifti1({ size: [32, 32, 32], datatype: 16, data: ones(32768), spacing: [2, 2, 2, 1] })), Buffer.alloc(3 * 2 ** 20)])), /bomb|more data|inflat/i],
  ['a T1 too small to be a head', 'mri', () => vol([20, 20, 20], ones(8000), [1, 1, 1, 1]), /too small/],
];

describe('preprocess refuses bad inputs clearly and leaves nothing behind', () => {
  test.each(badInputs)('%s', async (_name, which, bytes, message) => {
    // Prepare
    const { parent, out } = await outParent();
    const bad = join(parent, `bad-${which}.nii.gz`);
    await writeFile(bad, bytes());
    // Act
    const run = preprocess({ mriPath: which === 'mri' ? bad : session.mri, petPath: which === 'pet' ? bad : session.pet, outDir: out, templateDir: session.templateDir });
    // Assess
    await expect(run).rejects.toThrow(message);
    expect(await readdir(parent)).toEqual([`bad-${which}.nii.gz`]);
  });

  test.each<[string, (dir: string) => Promise<void>, RegExp]>([
    ['no template.json', async () => undefined, /no template.json/],
    ['template.json that is not JSON', (d) => writeFile(join(d, 'template.json'), '{"name":'), /not valid JSON/],
    ['template.json without an atlas', (d) => writeFile(join(d, 'template.json'), JSON.stringify({ name: 'x', t1: 't1.nii.gz', brainMask: 'm.nii.gz', referenceRegions: { wholeCerebellum: 'a', cerebellarGray: 'b', pons: 'c' } })), /template.json atlas/],
    ['a bundle path escaping the folder', (d) => writeFile(join(d, 'template.json'), JSON.stringify({ name: 'x', t1: '../t1.nii.gz', brainMask: 'm', atlas: { name: 'a', labels: 'l', lut: 't' }, referenceRegions: { wholeCerebellum: 'a', cerebellarGray: 'b', pons: 'c' } })), /inside the bundle folder/],
  ])('a template bundle with %s', async (_name, make, message) => {
    const { parent, out } = await outParent();
    const dir = join(parent, 'bundle');
    await mkdir(dir);
    await make(dir);
    await expect(preprocess({ mriPath: session.mri, petPath: session.pet, outDir: out, templateDir: dir })).rejects.toThrow(message);
    expect(await readdir(parent)).toEqual(['bundle']);
  });

  test('--tracer with a bundle that has no Centiloid VOIs', async () => {
    const { parent, out } = await outParent();
    await expect(preprocess({ mriPath: plain.mri, petPath: plain.pet, outDir: out, templateDir: plain.templateDir, tracer: 'pib' })).rejects.toThrow(/Centiloid VOIs/);
    expect(await readdir(parent)).toEqual([]);
  });

  test('an output folder that already holds files is not overwritten', async () => {
    const { parent, out } = await outParent();
    await mkdir(out);
    await writeFile(join(out, 'keep.txt'), 'earlier results');
    await expect(preprocess({ mriPath: session.mri, petPath: session.pet, outDir: out, templateDir: session.templateDir })).rejects.toThrow(/not empty/);
    expect(await readdir(out)).toEqual(['keep.txt']);
    expect(await readdir(parent)).toEqual(['out']);
  });

  test('a run stopped half-way (after registration) leaves no partial outputs', async () => {
    // Prepare
    const { parent, out } = await outParent();
    const controller = new AbortController();
    const steps: string[] = [];
    // Act
    const run = preprocess({
      mriPath: session.mri, petPath: session.pet, outDir: out, templateDir: session.templateDir, signal: controller.signal, registration: FAST_REGISTRATION,
      onStep: (s) => { steps.push(s); if (s === 'brainMask') controller.abort(); },
    });
    // Assess
    await expect(run).rejects.toThrow(/abort/i);
    expect(steps).toContain('warpTemplate');
    expect(await readdir(parent)).toEqual([]);
  }, 120_000);
});

describe('adni preprocess (CLI)', () => {
  const cli = async (args: string[]) => {
    try {
      const r = await exec(process.execPath, ['bin/adni.mjs', 'preprocess', ...args], { cwd: process.cwd() });
      return { code: 0, ...r };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  test.concurrent.each<[string, (p: { parent: string; out: string }) => string[], RegExp]>([
    ['a bad --reference', (p) => ['--mri', session.mri, '--pet', session.pet, '--out', p.out, '--template-dir', session.templateDir, '--reference', 'liver'], /--reference must be one of wholeCerebellum, cerebellarGray, pons/],
    ['a T1 that is not an image', (p) => ['--mri', session.templateDir + '/atlas.tsv', '--pet', session.pet, '--out', p.out, '--template-dir', session.templateDir, '--json'], /^adni: T1: /],
  ])('%s: one clear line on stderr, exit code 1, no outputs', async (_name, args, message) => {
    const p = await outParent();
    const r = await cli(args(p));
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('adni:'))[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(await readdir(p.parent)).toEqual([]);
  }, 60_000);
});
