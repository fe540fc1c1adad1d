import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import JSZip from 'jszip';

/** Packages that must never reach a function bundle (native addons, wasm, the embedded database). */
export const NEVER_BUNDLED = ['onnxruntime-node', 'itk-wasm', '@itk-wasm/*', '@electric-sql/pglite', 'pg-native'];

/**
 * The Functions Framework stays a real dependency: the platform starts *its* installed copy, which must be the
 * one our code registers the functions with (a bundled second copy would keep its own empty registry).
 */
export const FRAMEWORK = '@google-cloud/functions-framework';

/**
 * Installed by Cloud Build instead of bundled: the framework (see above) and the Google SDKs, which load their
 * proto descriptors from files next to their code (`__dirname`), absent from an ESM bundle.
 */
export const RUNTIME_DEPENDENCIES = [FRAMEWORK, '@google-cloud/run', '@google-cloud/storage'];

/** The version of `name` that `from` resolves (its package.json is not exported, so walk up from the entry file). */
async function installedVersion(name: string, from: string): Promise<string> {
  let dir = path.dirname(createRequire(from).resolve(name));
  while (path.basename(dir) !== 'node_modules' && dir !== path.dirname(dir)) {
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === name) return pkg.version;
    } catch {
      // No package.json at this level: keep walking up.
    }
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the installed version of ${name}`);
}

export interface SourcePackageOptions {
  /** The module registering the functions (`functions/gcp/index.ts`). */
  entry: string;
  outDir: string;
  zipName: string;
}

export interface SourcePackage {
  zipPath: string;
  zipBytes: number;
  files: string[];
  bundleBytes: number;
  /** What Cloud Build installs, name -> exact version. */
  dependencies: Record<string, string>;
}

/**
 * Builds the Cloud Run functions source zip: one esbuild ESM bundle (`index.mjs`) and a `package.json` listing
 * {@link RUNTIME_DEPENDENCIES} at the versions this repository tests with; Cloud Build installs them.
 *
 * @example
 * const pkg = await packageGcpSource({ entry: 'functions/gcp/index.ts', outDir: '.serverless', zipName: 'gcp-source.zip' });
 */
export async function packageGcpSource(o: SourcePackageOptions): Promise<SourcePackage> {
  const stage = path.join(o.outDir, 'gcp-source');
  await mkdir(stage, { recursive: true });
  const bundlePath = path.join(stage, 'index.mjs');
  await build({
    entryPoints: [o.entry],
    outfile: bundlePath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: 'linked',
    external: [...RUNTIME_DEPENDENCIES, ...NEVER_BUNDLED],
    banner: { js: "import { createRequire as __adniCreateRequire } from 'node:module'; const require = __adniCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  // Exact versions: the ones this repository's tests ran against.
  const dependencies: Record<string, string> = {};
  for (const name of RUNTIME_DEPENDENCIES) dependencies[name] = await installedVersion(name, o.entry);
  const packageJson = {
    name: 'adni-progression-functions',
    version: '1.0.0',
    private: true,
    type: 'module',
    main: 'index.mjs',
    engines: { node: '22' },
    dependencies,
  };
  const zip = new JSZip();
  zip.file('package.json', JSON.stringify(packageJson, null, 2));
  const bundle = await readFile(bundlePath);
  zip.file('index.mjs', bundle);
  zip.file('index.mjs.map', await readFile(`${bundlePath}.map`));
  // A fixed date keeps the zip byte-identical for identical code.
  for (const file of Object.values(zip.files)) file.date = new Date('2020-01-01T00:00:00Z');
  const content = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
  const zipPath = path.join(o.outDir, o.zipName);
  await writeFile(zipPath, content);
  return { zipPath, zipBytes: content.length, files: Object.keys(zip.files).sort(), bundleBytes: bundle.length, dependencies };
}
