import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/** Component tests of the dashboard in jsdom, apart from the Node suite (`npm run test:web`). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  test: {
    name: 'web',
    include: ['src/**/*.test.tsx', 'src/**/*.test.ts'],
    environment: 'jsdom',
    setupFiles: ['src/test-setup.ts'],
    pool: 'forks',
    // One jsdom per worker instead of per file: jsdom setup was most of this suite's time on 2 cores.
    isolate: false,
    maxWorkers: 2,
    testTimeout: 15_000,
  },
});
