import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The API the dev server proxies to (`npm start` listens on 8080 by default).
const api = process.env.ADNI_API_URL ?? 'http://127.0.0.1:8080';
const proxied = ['/patients', '/patient-timeline', '/preprocessing-status', '/predict-progression', '/uploads', '/outputs', '/fhir', '/local-store', '/health', '/openapi.json'];

/**
 * The dashboard: `npm run build:web` writes web/dist (served at `/` by the local stack, or from S3 + CloudFront);
 * `npx vite web` is a dev server with hot reload that proxies the API to ADNI_API_URL.
 */
export default defineConfig({
  root,
  // Relative asset URLs: the same build works at `/` locally and under any CloudFront path.
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // NiiVue alone is ~1 MB; split it so the patient list loads without it.
    chunkSizeWarningLimit: 2000,
  },
  server: { proxy: Object.fromEntries(proxied.map((p) => [p, api])) },
});
