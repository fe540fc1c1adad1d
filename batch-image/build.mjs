#!/usr/bin/env node
// Bundles the batch entrypoint into one ESM file: `node batch-image/build.mjs [outfile]`
// (default batch-image/dist/main.js). Packages with native addons or wasm assets stay external and load
// from node_modules at run time (the image installs production dependencies with `npm ci --omit=dev`).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.resolve(process.argv[2] ?? path.join(here, 'dist', 'main.js'));

export const externals = [
  'onnxruntime-node',
  'itk-wasm',
  '@itk-wasm/*',
  '@electric-sql/pglite',
  'pg-native',
  // pino resolves worker files (thread-stream) by path at run time.
  'pino',
  'thread-stream',
];

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: externals,
  // CommonJS dependencies (the AWS SDK among them) call require(); ESM output has none, so provide it.
  banner: { js: "import { createRequire as __adniCreateRequire } from 'node:module'; const require = __adniCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: [path.join(here, 'src', 'main.ts')], outfile });
// The registration worker thread, next to main.js: without it the two registrations of a job (template →
// T1 and PET → T1) would run one after the other (shared/pipeline/registration/registration-worker.ts).
const workerFile = path.join(path.dirname(outfile), 'registration-worker.mjs');
await build({ ...common, entryPoints: [path.join(here, '..', 'shared', 'pipeline', 'registration', 'worker.ts')], outfile: workerFile });
console.log(`bundled ${path.relative(process.cwd(), outfile)} and ${path.relative(process.cwd(), workerFile)}`);
