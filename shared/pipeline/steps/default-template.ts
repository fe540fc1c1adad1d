import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where {@link resolveTemplateDir} found the template bundle. */
export type TemplateSource = 'option' | 'env' | 'phantom';

/** Options of {@link resolveTemplateDir}. */
export interface ResolveTemplateOptions {
  /** `--template-dir`, when given. */
  templateDir?: string;
  /** Environment (reads `ADNI_TEMPLATE_DIR`). */
  env?: NodeJS.ProcessEnv;
  /** Local data dir; the phantom bundle is generated under `<dataDir>/templates/` on first use. */
  dataDir: string;
}

/**
 * The template bundle to use: `--template-dir`, else `ADNI_TEMPLATE_DIR`, else the synthetic phantom
 * bundle (seed 1) under the data dir, generated on first use: the product ships no licensed template.
 *
 * @example
 * const { dir } = await resolveTemplateDir({ dataDir: '/home/me/.adni-data' });
 */
export async function resolveTemplateDir(options: ResolveTemplateOptions): Promise<{ dir: string; source: TemplateSource }> {
  if (options.templateDir) return { dir: resolve(options.templateDir), source: 'option' };
  const fromEnv = (options.env ?? process.env).ADNI_TEMPLATE_DIR;
  if (fromEnv) return { dir: resolve(fromEnv), source: 'env' };
  const { generatePhantom, writePhantom, PHANTOM_LAYOUT, PHANTOM_VERSION } = await import('../phantom/index.js');
  const root = join(resolve(options.dataDir), 'templates', `phantom-v${PHANTOM_VERSION}-seed1`);
  const dir = join(root, PHANTOM_LAYOUT.templateDir);
  if (!existsSync(join(dir, 'template.json'))) {
    try {
      await writePhantom(generatePhantom({ seed: 1 }), root);
    } catch (error) {
      // Another job may have generated it at the same time: its complete bundle is as good as ours.
      if (!existsSync(join(dir, 'template.json'))) throw error;
    }
  }
  return { dir, source: 'phantom' };
}
