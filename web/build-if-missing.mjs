// `npm start` runs this first (prestart): a fresh clone gets its dashboard built once, later starts skip it.
// Set ADNI_SKIP_WEB_BUILD=1 to start without the dashboard (API only).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const index = path.join(root, 'web', 'dist', 'index.html');

if (process.env.ADNI_SKIP_WEB_BUILD === '1' || existsSync(index)) process.exit(0);
console.log('Building the dashboard (web/dist) once; `npm run build:web` rebuilds it after changes...');
const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(vite)) {
  console.warn('vite is not installed (npm ci --omit=dev?): starting without the dashboard.');
  process.exit(0);
}
const result = spawnSync(process.execPath, [vite, 'build', '--config', path.join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });
if (result.status !== 0) {
  console.warn('The dashboard build failed (see above): starting the API without it.');
}
process.exit(0);
