import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

/** Where `npm run build:web` writes the dashboard. */
export const DEFAULT_WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export interface WebAppRoutesOptions {
  /** The built dashboard (default web/dist of this checkout). */
  distDir?: string;
}

/**
 * The clinician dashboard's static files at `/` (mount after the API routes: unknown paths fall through to
 * them). Without a build, `/` says how to make one instead of a bare 404.
 *
 * @example
 * app.route('/', webAppRoutes());
 */
export function webAppRoutes(options: WebAppRoutesOptions = {}): Hono {
  const dist = options.distDir ?? DEFAULT_WEB_DIST;
  const app = new Hono();
  app.get('/', async (c, next) => {
    if (existsSync(path.join(dist, 'index.html'))) return next();
    return c.html(
      '<!doctype html><title>ADNI dashboard not built</title><h1>The dashboard is not built</h1>' +
        '<p>Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it when missing), then reload.</p>',
      503,
    );
  });
  // The hashed assets never change; index.html must be revalidated so a rebuild is picked up.
  app.use('/assets/*', async (c, next) => {
    await next();
    if (c.res.status === 200) c.header('cache-control', 'public, max-age=31536000, immutable');
  });
  // Created on first use: a checkout without a build should not log serveStatic's "root not found".
  let files: ReturnType<typeof serveStatic> | undefined;
  app.use('/*', async (c, next) => {
    if (!existsSync(dist)) return next();
    files ??= serveStatic({ root: dist, index: 'index.html' });
    return files(c, next);
  });
  return app;
}
