import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { makeImage } from '../../../shared/pipeline/image/allocate.js';
import { gridOf, sameGrid, type Grid3 } from '../../../shared/pipeline/image/grid.js';
import { readNifti } from '../../../shared/pipeline/io/read-nifti.js';
import { writeNifti } from '../../../shared/pipeline/io/write-nifti.js';
import { register } from './n4.js';

async function runCli(args: string[]) {
  const program = new Command('adni').exitOverride().configureOutput({ writeErr: () => {} });
  register(program);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await program.parseAsync(['node', 'adni', ...args]);
    return log.mock.calls.map((c) => String(c[0]));
  } finally {
    log.mockRestore();
  }
}

const grid: Grid3 = { size: [32, 36, 30], spacing: [3, 3, 3], origin: [-40, 10, -20], direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1] };

describe('adni n4', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'adni-cli-n4-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  // A biased two-tissue ellipsoid and its mask, on an oblique-stored (RAS) grid.
  const data = new Float32Array(32 * 36 * 30), mask = new Uint8Array(data.length);
  for (let k = 0, o = 0; k < 30; k++) for (let j = 0; j < 36; j++) for (let i = 0; i < 32; i++, o++) {
    const r = Math.hypot((i - 15.5) / 13, (j - 17.5) / 15, (k - 14.5) / 12);
    if (r > 1) continue;
    mask[o] = 1;
    data[o] = (r < 0.6 ? 160 : 100) * Math.exp(0.2 * Math.sin((i + j) / 20));
  }
  const input = path.join(dir, 't1.nii.gz'), maskPath = path.join(dir, 'mask.nii.gz'), otherMask = path.join(dir, 'other.nii.gz');
  await writeNifti(makeImage(grid, { data }), input);
  await writeNifti(makeImage(grid, { data: mask, componentType: 'uint8' }), maskPath);
  await writeNifti(makeImage({ ...grid, size: [32, 36, 31] }, { data: new Uint8Array(32 * 36 * 31).fill(1), componentType: 'uint8' }), otherMask);
  const before = await readdir(dir);

  it('writes the corrected image (and the field) on the input grid', async () => {
    // Act
    const out = path.join(dir, 'out', 't1_n4.nii.gz'), field = path.join(dir, 'out', 'field.nii.gz');
    const lines = await runCli(['n4', '--in', input, '--out', out, '--mask', maskPath, '--field', field, '--iterations', '20x20']);
    // Assess
    expect(lines[0]).toMatch(/^N4: 32×36×30 voxels, \d+ fit voxels, iterations \d+\/\d+/);
    const corrected = await readNifti(out, { expect: 't1' });
    expect(sameGrid(gridOf(corrected.image), grid)).toBe(true);
    const f = (await readNifti(field, { expect: 'any3d' })).image.data as Float32Array;
    const c = corrected.image.data as Float32Array;
    let worst = 0;
    for (let o = 0; o < data.length; o++) if (data[o] > 0) worst = Math.max(worst, Math.abs(c[o] * f[o] - data[o]) / data[o]);
    expect(worst).toBeLessThan(1e-4); // corrected · field = input
  });

  it.each([
    [['--out', 'x.nii.gz'], "required option '--in <file>'"],
    [['--in', 'a.txt', '--out', 'x.nii.gz'], '--in must name a .nii or .nii.gz file'],
    [['--in', 'IN', '--out', 'x.png'], '--out must name a .nii or .nii.gz file'],
    [['--in', 'IN', '--out', 'OUT', '--shrink', '0'], '--shrink must be at least 1'],
    [['--in', 'IN', '--out', 'OUT', '--shrink', 'two'], '--shrink must be a number'],
    [['--in', 'IN', '--out', 'OUT', '--iterations', '50,50'], '--iterations must look like 50x50x50x50'],
    [['--in', 'IN', '--out', 'OUT', '--iterations', '0x10'], '--iterations counts must be between 1 and 1000'],
    [['--in', 'IN', '--out', 'OUT', '--spline-distance', '-5'], '--spline-distance must be > 0 mm'],
    [['--in', 'IN', '--out', 'OUT', '--convergence', '2'], '--convergence must be ≤ 1'],
    [['--in', 'MISSING', '--out', 'OUT'], 'input image'],
    [['--in', 'IN', '--out', 'OUT', '--mask', 'OTHER'], 'the mask is not on the input image grid'],
    [['--in', 'IN', '--out', 'IN'], 'an output path is the same as an input'],
  ])('rejects %j: "%s", writes nothing', async (args, message) => {
    const sub = (a: string) => a.replace('MISSING', path.join(dir, 'nope.nii.gz')).replace('IN', input).replace('OUT', path.join(dir, 'bad.nii.gz')).replace('OTHER', otherMask);
    await expect(runCli(['n4', ...args.map(sub)])).rejects.toThrow(message);
    expect((await readdir(dir)).filter((f) => f !== 'out')).toEqual(before);
  });

  it('a missing input says which file kind, not a stack trace', async () => {
    await expect(runCli(['n4', '--in', path.join(dir, 'nope.nii.gz'), '--out', path.join(dir, 'bad.nii.gz')])).rejects.toThrow(/input image/);
    await writeFile(path.join(dir, 'notgz.nii.gz'), 'hello');
    await expect(runCli(['n4', '--in', path.join(dir, 'notgz.nii.gz'), '--out', path.join(dir, 'bad.nii.gz')])).rejects.toThrow(/gzip/i);
    await rm(path.join(dir, 'notgz.nii.gz'));
  });
});
