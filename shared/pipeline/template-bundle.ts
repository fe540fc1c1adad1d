/**
 * Template bundle: the folder `--template-dir` names. `template.json` (zod-validated) lists a T1 with
 * skull, its brain mask, an atlas (labels + `index\tname` LUT), reference regions for SUVR and,
 * optionally, the Centiloid cortical target. Every image must share the template T1's grid.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import type { Image } from 'itk-wasm';
import { z } from 'zod';
import { readNifti } from './io/read-nifti.js';
import { gridOf, sameGrid } from './image/grid.js';

/** The reference regions a bundle must provide (the `--reference` choices). */
export const REFERENCE_REGIONS = ['wholeCerebellum', 'cerebellarGray', 'pons'] as const;
/** One of {@link REFERENCE_REGIONS}. */
export type ReferenceRegion = (typeof REFERENCE_REGIONS)[number];

// A bundle file name: relative, inside the bundle folder (no absolute paths, no `..`).
const bundleFile = z
  .string()
  .min(1)
  .refine((p) => !isAbsolute(p) && !normalize(p).split(sep).includes('..'), 'must be a path inside the bundle folder');

/** zod schema of `template.json`. */
export const templateManifestSchema = z.object({
  name: z.string().min(1),
  space: z.string().min(1).optional(),
  t1: bundleFile,
  brainMask: bundleFile,
  atlas: z.object({ name: z.string().min(1), labels: bundleFile, lut: bundleFile }),
  referenceRegions: z.object({ wholeCerebellum: bundleFile, cerebellarGray: bundleFile, pons: bundleFile }),
  centiloid: z.object({ target: bundleFile, reference: z.enum(REFERENCE_REGIONS).default('wholeCerebellum') }).optional(),
});
/** Parsed `template.json`. */
export type TemplateManifest = z.infer<typeof templateManifestSchema>;

/** A loaded bundle: images in memory (template grid), LUT parsed. */
export interface TemplateBundle {
  dir: string;
  manifest: TemplateManifest;
  t1: Image;
  brainMask: Image;
  atlas: Image;
  /** Atlas index → region name (the LUT's order). */
  lut: Map<number, string>;
  referenceRegions: Record<ReferenceRegion, Image>;
  centiloidTarget?: Image;
}

/** A bundle that cannot be used: says which file and why. */
export class TemplateBundleError extends Error {
  override readonly name = 'TemplateBundleError';
}

/**
 * Parses an atlas LUT: tab-separated `index<TAB>name`, an optional header line, `#` comments.
 *
 * @example
 * parseLut('index\tname\n1\tPrecentral_L\n').get(1) // 'Precentral_L'
 */
export function parseLut(text: string): Map<number, string> {
  const lut = new Map<number, string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [a, b] = line.split('\t');
    const index = Number(a);
    if (n === 0 && !Number.isInteger(index)) return; // header
    if (!Number.isInteger(index) || index <= 0 || !b?.trim()) throw new TemplateBundleError(`atlas LUT line ${n + 1}: expected "index<TAB>name" with a positive integer index`);
    if (lut.has(index)) throw new TemplateBundleError(`atlas LUT line ${n + 1}: index ${index} appears twice`);
    lut.set(index, b.trim());
  });
  if (lut.size === 0) throw new TemplateBundleError('atlas LUT has no regions');
  return lut;
}

/**
 * Reads and validates `template.json` without loading images.
 *
 * @example
 * const manifest = await readTemplateManifest('/data/bundles/mni152-aal3-2mm');
 */
export async function readTemplateManifest(dir: string): Promise<TemplateManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, 'template.json'), 'utf8');
  } catch {
    throw new TemplateBundleError(`template bundle: no template.json in the template folder`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TemplateBundleError('template bundle: template.json is not valid JSON');
  }
  const parsed = templateManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TemplateBundleError(`template bundle: template.json ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Loads a template bundle: validates `template.json`, reads every image through the validated NIfTI
 * reader, parses the LUT and checks that all images share the template T1's grid and that the atlas
 * labels are all in the LUT.
 *
 * @example
 * const bundle = await loadTemplateBundle('/data/bundles/mni152-aal3-2mm');
 * bundle.lut.size // 166
 */
export async function loadTemplateBundle(dir: string): Promise<TemplateBundle> {
  const root = resolve(dir);
  const manifest = await readTemplateManifest(root);
  const read = async (file: string, expect: 't1' | 'mask' | 'labels', what: string) => {
    try {
      return (await readNifti(join(root, file), { expect, label: `template ${what}` })).image;
    } catch (error) {
      throw new TemplateBundleError(`template bundle: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const [t1, brainMask, atlas, wholeCerebellum, cerebellarGray, pons, centiloidTarget, lutText] = await Promise.all([
    read(manifest.t1, 't1', 't1'),
    read(manifest.brainMask, 'mask', 'brainMask'),
    read(manifest.atlas.labels, 'labels', 'atlas'),
    read(manifest.referenceRegions.wholeCerebellum, 'mask', 'wholeCerebellum'),
    read(manifest.referenceRegions.cerebellarGray, 'mask', 'cerebellarGray'),
    read(manifest.referenceRegions.pons, 'mask', 'pons'),
    manifest.centiloid ? read(manifest.centiloid.target, 'mask', 'centiloid target') : Promise.resolve(undefined),
    readFile(join(root, manifest.atlas.lut), 'utf8').catch(() => {
      throw new TemplateBundleError('template bundle: cannot read the atlas LUT');
    }),
  ]);
  const lut = parseLut(lutText);
  const grid = gridOf(t1);
  const named: [string, Image | undefined][] = [
    ['brainMask', brainMask], ['atlas', atlas], ['wholeCerebellum', wholeCerebellum], ['cerebellarGray', cerebellarGray], ['pons', pons], ['centiloid target', centiloidTarget],
  ];
  for (const [what, image] of named) {
    if (image && !sameGrid(grid, gridOf(image), { tolerance: 1e-3 })) throw new TemplateBundleError(`template bundle: ${what} is not on the template T1 grid`);
  }
  const labels = atlas.data as ArrayLike<number>;
  const missing = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l !== 0 && !lut.has(l)) missing.add(l);
  }
  if (missing.size) throw new TemplateBundleError(`template bundle: atlas labels ${[...missing].slice(0, 5).join(', ')} are not in the LUT`);
  return { dir: root, manifest, t1, brainMask, atlas, lut, referenceRegions: { wholeCerebellum, cerebellarGray, pons }, centiloidTarget };
}
