import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadTemplateBundle } from '../template-bundle.js';
import { resolveTemplateDir } from './default-template.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'adni-template-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('resolveTemplateDir', () => {
  test.each([
    ['--template-dir wins over the environment', { templateDir: 'a', env: { ADNI_TEMPLATE_DIR: 'b' } }, { dir: resolve('a'), source: 'option' }],
    ['ADNI_TEMPLATE_DIR without the option', { env: { ADNI_TEMPLATE_DIR: 'b' } }, { dir: resolve('b'), source: 'env' }],
  ])('%s', async (_name, options, expected) => {
    expect(await resolveTemplateDir({ dataDir, ...options })).toEqual(expected);
  });

  test('otherwise generates the phantom bundle into the data dir once, and reuses it (is idempotent)', async () => {
    // Act
    const first = await resolveTemplateDir({ dataDir, env: {} });
    const written = (await stat(join(first.dir, 'template.json'))).mtimeMs;
    const second = await resolveTemplateDir({ dataDir, env: {} });
    // Assess
    expect(first).toEqual({ dir: join(dataDir, 'templates', 'phantom-v1-seed1', 'template'), source: 'phantom' });
    expect(second).toEqual(first);
    expect((await stat(join(second.dir, 'template.json'))).mtimeMs).toBe(written);
    const bundle = await loadTemplateBundle(first.dir);
    expect(bundle.manifest.name).toBe('adni-phantom-2mm');
    expect(bundle.centiloidTarget).toBeDefined();
  }, 240_000);
});
