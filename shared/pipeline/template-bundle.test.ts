import { describe, expect, test } from 'vitest';
import { parseLut, templateManifestSchema, TemplateBundleError } from './template-bundle.js';

const manifest = {
  name: 'MNI152NLin6Asym-2mm_AAL3v1',
  t1: 't1.nii.gz',
  brainMask: 'brain_mask.nii.gz',
  atlas: { name: 'AAL3v1', labels: 'atlas.nii.gz', lut: 'atlas.tsv' },
  referenceRegions: { wholeCerebellum: 'a.nii.gz', cerebellarGray: 'b.nii.gz', pons: 'c.nii.gz' },
};

describe('template bundle manifest and LUT', () => {
  test('parses the LUT with a header line, in file order', () => {
    const lut = parseLut('index\tname\n1\tPrecentral_L\n2\tPrecentral_R\n\n# comment\n170\tVTA_R\n');
    expect([...lut]).toEqual([[1, 'Precentral_L'], [2, 'Precentral_R'], [170, 'VTA_R']]);
  });

  test.each([
    ['a duplicate index', '1\ta\n1\tb\n', /twice/],
    ['a missing name', '1\ta\n2\n', /index<TAB>name/],
    ['a negative index', '1\ta\n-2\tb\n', /positive integer/],
    ['no regions', 'index\tname\n', /no regions/],
  ])('refuses a LUT with %s', (_name, text, message) => {
    expect(() => parseLut(text)).toThrow(message);
    expect(() => parseLut(text)).toThrow(TemplateBundleError);
  });

  test('accepts the manifest layout of the real bundle; Centiloid reference defaults to whole cerebellum', () => {
    const parsed = templateManifestSchema.parse({ ...structuredClone(manifest), centiloid: { target: 'ctx.nii.gz' } });
    expect(parsed.centiloid).toEqual({ target: 'ctx.nii.gz', reference: 'wholeCerebellum' });
  });

  test.each([
    ['an absolute path', { t1: '/etc/passwd' }],
    ['a parent-folder path', { brainMask: '../mask.nii.gz' }],
    ['a missing reference region', { referenceRegions: { wholeCerebellum: 'a', cerebellarGray: 'b' } }],
  ])('refuses a manifest with %s', (_name, change) => {
    expect(templateManifestSchema.safeParse({ ...structuredClone(manifest), ...change }).success).toBe(false);
  });
});
