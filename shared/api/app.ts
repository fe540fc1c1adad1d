import { Hono, type Context } from 'hono';
import type { Logger } from '../ports/observability.js';
import type { ObjectStore } from '../ports/object-store.js';
import { apiError } from './errors.js';
import { predictRoutes, type PredictRouteDeps } from './routes/predict.js';
import { uploadRoutes } from './routes/uploads.js';

/**
 * What the HTTP API needs. Each provider's entry point builds these from its own adapters; the routes
 * are the same on AWS (hono/aws-lambda), Azure Functions, Cloud Run functions and the local server.
 */
export interface ApiDeps {
  /** The raw-upload store (presigned PUTs for `POST /uploads`). */
  store: ObjectStore;
  logger: Logger;
  /** Model + patient histories for `POST /predict-progression`; without it that route answers 501. */
  prediction?: PredictRouteDeps;
}

/**
 * The one HTTP API of the product.
 *
 * @example
 * const app = createApiApp({ store, logger });
 * serve({ fetch: app.fetch, port: 8080 });
 */
export function createApiApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.route('/', uploadRoutes({ store: deps.store }));

  // Routes whose issues have not landed yet exist already, so deployments and clients can rely on them.
  const notYet = (what: string) => (c: Context) =>
    apiError(c, 501, 'not_implemented', `${what} is not available yet`);
  if (deps.prediction) app.route('/', predictRoutes({ logger: deps.logger, ...deps.prediction }));
  else app.post('/predict-progression', (c) => apiError(c, 501, 'not_implemented', 'prediction is not configured on this deployment (no model or patient history source)'));
  app.get('/preprocessing-status/:patient_id', notYet('preprocessing status'));
  app.get('/patient-timeline/:patient_id', notYet('patient timeline'));

  app.notFound((c) => apiError(c, 404, 'not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((error, c) => {
    // Never a stack trace to the client; the log keeps the error name and message only.
    deps.logger.error('unhandled API error', { error: `${error.name}: ${error.message}`, path: new URL(c.req.url).pathname });
    return apiError(c, 500, 'internal_error', 'the server could not complete the request');
  });
  return app;
}
