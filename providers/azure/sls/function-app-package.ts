import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import JSZip from 'jszip';

/** Packages that must never reach a function bundle (native addons, wasm, the embedded database). */
export const NEVER_BUNDLED = ['onnxruntime-node', 'itk-wasm', '@itk-wasm/*', '@electric-sql/pglite', 'pg-native'];

export interface FunctionAppPackageOptions {
  /** The module registering every function (`functions/azure/index.ts`). */
  entry: string;
  /** Where the staged files and the zip go (the service's `.serverless/`). */
  outDir: string;
  /** Zip file name inside `outDir`. */
  zipName: string;
}

export interface FunctionAppPackage {
  zipPath: string;
  zipBytes: number;
  /** Files inside the zip, sorted. */
  files: string[];
  bundleBytes: number;
}

/**
 * The Functions host configuration: the API's own paths (no `/api` prefix), the extension bundle that
 * brings the Event Grid and blob triggers, and sampling of successful requests only.
 */
export const HOST_JSON = {
  version: '2.0',
  extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
  extensions: { http: { routePrefix: '' } },
  logging: { applicationInsights: { samplingSettings: { isEnabled: true, excludedTypes: 'Request;Exception' } } },
  functionTimeout: '00:10:00',
};

/**
 * Builds the Function App's zip (Node.js v4 programming model): one esbuild ESM bundle of `entry`, a
 * `package.json` whose `main` is that bundle and which needs no `npm install` (no dependencies), and
 * `host.json`. `@azure/functions-core` is provided by the Functions worker at run time, so it stays external.
 *
 * @example
 * const pkg = await packageFunctionApp({ entry: 'functions/azure/index.ts', outDir: '.serverless', zipName: 'adni-progression.zip' });
 */
export async function packageFunctionApp(o: FunctionAppPackageOptions): Promise<FunctionAppPackage> {
  const stage = path.join(o.outDir, 'functionapp');
  await mkdir(path.join(stage, 'dist'), { recursive: true });
  const bundlePath = path.join(stage, 'dist', 'index.mjs');
  await build({
    entryPoints: [o.entry],
    outfile: bundlePath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: 'linked',
    external: ['@azure/functions-core', ...NEVER_BUNDLED],
    // CommonJS dependencies (Azure SDKs) call require(); ESM output has none, so provide it.
    banner: { js: "import { createRequire as __adniCreateRequire } from 'node:module'; const require = __adniCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  const packageJson = { name: 'adni-progression-functions', version: '1.0.0', private: true, type: 'module', main: 'dist/index.mjs', dependencies: {} };
  const zip = new JSZip();
  zip.file('host.json', JSON.stringify(HOST_JSON, null, 2));
  zip.file('package.json', JSON.stringify(packageJson, null, 2));
  const bundle = await readFile(bundlePath);
  zip.file('dist/index.mjs', bundle);
  zip.file('dist/index.mjs.map', await readFile(`${bundlePath}.map`));
  // A fixed date keeps the zip byte-identical for identical code (re-deploys can compare hashes).
  for (const file of Object.values(zip.files)) file.date = new Date('2020-01-01T00:00:00Z');
  const content = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
  const zipPath = path.join(o.outDir, o.zipName);
  await writeFile(zipPath, content);
  return { zipPath, zipBytes: content.length, files: Object.keys(zip.files).sort(), bundleBytes: bundle.length };
}
