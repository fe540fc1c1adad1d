import { app } from '@azure/functions';
import { withCloudGuards } from '../../shared/auth/cloud-guards.js';
import { azureHttpDepsFromEnv, createAzureHttpHandler } from './http-api.js';
import { azureReconcileDepsFromEnv, createAzureJobReconciler } from './job-reconciler.js';
import { RECONCILE_FUNCTION_NAME, RECONCILE_SCHEDULE_DEFAULT, RECONCILE_SCHEDULE_SETTING } from './timers.js';
import { AZURE_HTTP_ROUTES } from './routes.js';
import { azureUploadDepsFromEnv, createAzureUploadHandlers } from './upload-trigger.js';

/**
 * The Azure Functions app (Node.js v4 programming model): this module is the package's `main`.
 * - `uploadEventGrid`: Event Grid subscription on BlobCreated under `raw/` (the default trigger).
 * - `uploadBlobTrigger`: the event-based blob trigger, only when `ADNI_AZURE_BLOB_TRIGGER=1` (it makes the host
 *   download each blob to hand it over, which the Event Grid trigger avoids; both are idempotent).
 * - one `app.http` function per API route (routes.ts), all served by the one shared hono app.
 * - `reconcileJobs`: a timer (ADNI_RECONCILE_SCHEDULE, every 5 minutes by default) that fails the FHIR Task of a
 *   job whose container group failed, vanished or ran too long without reporting (issue 8, job reliability).
 */
const upload = createAzureUploadHandlers(() => azureUploadDepsFromEnv(process.env));

app.eventGrid('uploadEventGrid', { handler: (event, context) => upload.eventGrid(event, context).then(() => undefined) });

if (process.env.ADNI_AZURE_BLOB_TRIGGER === '1') {
  app.storageBlob('uploadBlobTrigger', {
    path: '%ADNI_UPLOAD_CONTAINER%/raw/{name}',
    connection: 'ADNI_STORAGE',
    source: 'EventGrid',
    handler: (blob, context) => upload.storageBlob(blob, context).then(() => undefined),
  });
}

// Fails closed: without AUTH_* (the Entra ID app registration) the API answers 500 misconfigured, never open.
const api = createAzureHttpHandler(async () => withCloudGuards(await azureHttpDepsFromEnv(process.env), process.env));
for (const r of AZURE_HTTP_ROUTES) {
  // Anonymous at the Functions level: the API answers for itself (and Easy Auth / APIM can sit in front).
  app.http(r.name, { route: r.route, methods: [...r.methods, 'OPTIONS'], authLevel: 'anonymous', handler: api });
}

// Not run on startup: a scale-out would start extra passes (harmless, since updates are idempotent, but useless).
app.timer(RECONCILE_FUNCTION_NAME, {
  schedule: process.env[RECONCILE_SCHEDULE_SETTING] || RECONCILE_SCHEDULE_DEFAULT,
  runOnStartup: false,
  handler: createAzureJobReconciler(() => azureReconcileDepsFromEnv(process.env)),
});
