import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { gridOf, sameGrid } from '../image/grid.js';
import { readNifti } from '../io/read-nifti.js';
import { PHANTOM_REGIONS } from './anatomy.js';
import { generatePhantom, type PhantomOptions } from './generate-phantom.js';
import { PHANTOM_LAYOUT, writePhantom } from './write-phantom.js';

const SMALL: PhantomOptions = { templateSpacingMm: 4, subjectSize: [44, 52, 44], subjectSpacingMm: 3.8, petSize: [40, 48, 40], petSpacingMm: 4, petFrames: 3, petFlipAxis: true };

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

describe('writePhantom', async () => {
  const root = await mkdtemp(join(tmpdir(), 'adni-phantom-'));
  afterAll(() => rm(root, { recursive: true, force: true }));
  const ph = generatePhantom({ ...SMALL, seed: 5 });
  const written = await writePhantom(ph, join(root, 'a'));

  test('same seed → byte-identical files (and writing is idempotent)', async () => {
    // Act
    const again = await writePhantom(generatePhantom({ ...SMALL, seed: 5 }), join(root, 'b'));
    // Assess
    const files = await filesUnder(written.dir);
    expect(await filesUnder(again.dir)).toEqual(files);
    expect(files.length).toBe(21);
    for (const f of files) expect((await readFile(join(again.dir, f))).equals(await readFile(join(written.dir, f))), f).toBe(true);
  });

  test('the template folder is a bundle: template.json names existing files, LUT = atlas labels, all on one grid', async () => {
    const manifest = JSON.parse(await readFile(join(written.templateDir, 'template.json'), 'utf8'));
    const lut = (await readFile(join(written.templateDir, manifest.atlas.lut), 'utf8')).trim().split('\n');
    expect(lut[0]).toBe('index\tname');
    expect(lut.slice(1)).toEqual(PHANTOM_REGIONS.map((r) => `${r.index}\t${r.name}`));
    const t1 = (await readNifti(join(written.templateDir, manifest.t1), { expect: 't1' })).image;
    const atlas = (await readNifti(join(written.templateDir, manifest.atlas.labels), { expect: 'labels' })).image;
    expect(new Set(atlas.data as Uint8Array)).toEqual(new Set([0, ...PHANTOM_REGIONS.map((r) => r.index)]));
    const others = [manifest.brainMask, ...Object.values(manifest.referenceRegions), manifest.centiloid.target] as string[];
    for (const file of others) {
      const img = (await readNifti(join(written.templateDir, file), { expect: 'mask' })).image;
      expect(sameGrid(gridOf(img), gridOf(t1)), file).toBe(true);
    }
  });

  test('subject files read back on their own grids: T1 RAS-stored, PET 4-D with a flipped first axis', async () => {
    const mri = await readNifti(written.mri, { expect: 't1' });
    expect(sameGrid(gridOf(mri.image), ph.subject.grid)).toBe(true);
    expect(Array.from(mri.image.direction as ArrayLike<number>, (v) => v + 0)).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(mri.info.warnings).toEqual([]);
    const pet = await readNifti(written.pet, { expect: 'pet' });
    expect(pet.info.frames).toBe(3);
    expect(sameGrid(gridOf(pet.image), ph.subject.pet.grid)).toBe(true);
    expect(Number(pet.image.direction[0])).toBe(-1);
  });

  test('ground truth: masks and field on the T1 grid, SUVR and transforms JSON match the generator', async () => {
    for (const f of Object.values(PHANTOM_LAYOUT.truth).filter((p) => p.endsWith('.nii.gz'))) {
      const img = (await readNifti(join(written.dir, f), { expect: 'any3d', allowEmpty: true })).image;
      expect(sameGrid(gridOf(img), ph.subject.grid), f).toBe(true);
    }
    const suvr = JSON.parse(await readFile(join(written.dir, PHANTOM_LAYOUT.truth.regionalSuvr), 'utf8'));
    expect(suvr.regions).toEqual(JSON.parse(JSON.stringify(ph.truth.regions)));
    const transforms = JSON.parse(await readFile(join(written.dir, PHANTOM_LAYOUT.truth.transforms), 'utf8'));
    expect(transforms.subjectToTemplate.matrix).toEqual(ph.truth.warp.matrix);
    expect(transforms.petToSubject.frames).toHaveLength(3);
    const manifest = JSON.parse(await readFile(join(written.dir, PHANTOM_LAYOUT.manifest), 'utf8'));
    expect(manifest).toMatchObject({ seed: 5, templateDir: 'template', subject: { mri: 'subject/mri.nii.gz', petFrames: 3 } });
  });

  test('refuses a non-empty folder and leaves it untouched', async () => {
    // Prepare
    const dir = join(root, 'busy');
    await mkdir(dir);
    await writeFile(join(dir, 'keep.txt'), 'x');
    // Act + Assess
    await expect(writePhantom(ph, dir)).rejects.toThrow(/not empty/);
    expect(await readdir(dir)).toEqual(['keep.txt']);
    expect((await readdir(root)).filter((n) => n.includes('partial'))).toEqual([]);
  });
});
