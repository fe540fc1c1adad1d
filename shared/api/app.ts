import { Hono, type Context } from 'hono';
import type { AuditSink } from '../audit/audit-event.js';
import { applyApiGuards, type ApiLimits } from '../auth/api-guards.js';
import type { ApiAuth } from '../auth/auth-middleware.js';
import type { Logger } from '../ports/observability.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { FhirStore } from '../fhir/store.js';
import type { RoiFeaturesLike } from '../model/patient-history.js';
import { apiError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { outputRoutes } from './routes/outputs.js';
import { patientRoutes } from './routes/patients.js';
import { backfillRoutes } from './routes/backfill.js';
import { reprocessRoutes } from './routes/reprocess.js';
import type { UploadPorts } from '../core/handle-upload.js';
import { predictRoutes, type PredictRouteDeps } from './routes/predict.js';
import { statusRoutes } from './routes/status.js';
import { timelineRoutes } from './routes/timeline.js';
import { uploadRoutes } from './routes/uploads.js';

/**
 * What the HTTP API needs. Each provider's entry point builds these from its own adapters; the routes
 * are the same on AWS (hono/aws-lambda), Azure Functions, Cloud Run functions and the local server.
 */
export interface ApiDeps {
  /** The raw-upload store (presigned PUTs for `POST /uploads`). */
  store: ObjectStore;
  logger: Logger;
  /** Where preprocessing outputs are (`GET /outputs/...`); default `store` (one bucket locally, a second one in the cloud). */
  outputs?: ObjectStore;
  /** Model + patient histories for `POST /predict-progression`; without it that route answers 501. */
  prediction?: PredictRouteDeps;
  /** Patient records (`FHIR_BASE_URL` or the embedded server) for the status and timeline routes; without it they answer 501. */
  fhir?: FhirStore;
  /** Reads a session's roi_features.json by key, for the timeline's ROI summaries. */
  roiFeatures?: { read(key: string): Promise<RoiFeaturesLike | undefined> };
  /** Token/API-key verification and scopes for every route but `/health`; without it the API is open (tests, loopback-only local mode). */
  auth?: ApiAuth;
  /** Append-only record of who read, listed, uploaded or predicted for which patient. */
  audit?: AuditSink;
  /** The upload handler's ports, for `POST /reprocess` and `POST /backfill`; without them those routes answer 501. */
  jobs?: UploadPorts;
  /** Body size (always on, 1 MiB default), per-client rate limit and CORS origins. */
  limits?: ApiLimits;
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
  // Guards first: hono runs middleware in registration order, so routes added later (FHIR, local) are covered too.
  applyApiGuards(app, deps);
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.route('/', uploadRoutes({ store: deps.store }));
  app.route('/', outputRoutes({ store: deps.outputs ?? deps.store }));

  // Routes whose dependencies a deployment lacks still exist (501), so clients can rely on them.
  if (deps.prediction) app.route('/', predictRoutes({ logger: deps.logger, ...deps.prediction }));
  else app.post('/predict-progression', (c) => apiError(c, 501, 'not_implemented', 'prediction is not configured on this deployment (no model or patient history source)'));
  if (deps.fhir) {
    app.route('/', statusRoutes({ fhir: deps.fhir }));
    app.route('/', patientRoutes({ fhir: deps.fhir }));
    app.route('/', timelineRoutes({ fhir: deps.fhir, roi: deps.roiFeatures }));
  } else {
    const noFhir = (c: Context) => apiError(c, 501, 'not_implemented', 'patient records are not configured on this deployment (set FHIR_BASE_URL)');
    app.get('/preprocessing-status/:patient_id', noFhir);
    app.get('/patients', noFhir);
    app.get('/patient-timeline/:patient_id', noFhir);
  }
  if (deps.jobs) {
    app.route('/', reprocessRoutes({ ports: deps.jobs }));
    app.route('/', backfillRoutes({ ports: deps.jobs, outputs: deps.outputs }));
  } else {
    const noJobs = (c: Context) => apiError(c, 501, 'not_implemented', 'job submission is not configured on this deployment');
    app.post('/reprocess', noJobs);
    app.post('/backfill', noJobs);
  }
  app.get('/openapi.json', (c) => c.json(openApiDocument()));

  app.notFound((c) => apiError(c, 404, 'not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((error, c) => {
    // Never a stack trace to the client; the log keeps the error name and message only.
    deps.logger.error('unhandled API error', { error: `${error.name}: ${error.message}`, path: new URL(c.req.url).pathname });
    return apiError(c, 500, 'internal_error', 'the server could not complete the request');
  });
  return app;
}
