import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,providers,functions,batch-image,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/.serverless/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here and in CI: heavy image tests must not oversubscribe them.
    pool: 'forks',
    maxWorkers: 2,
  },
});
