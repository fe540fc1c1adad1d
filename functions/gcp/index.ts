import { withCloudGuards } from '../../shared/auth/cloud-guards.js';
import { gcpHttpDepsFromEnv } from './http-api.js';
import { gcpReconcileDepsFromEnv } from './job-reconciler.js';
import { registerGcpFunctions } from './register.js';
import { gcpUploadDepsFromEnv } from './upload-trigger.js';

/**
 * The Cloud Run functions (2nd gen) entry module: `onUpload` (Eventarc, GCS object finalized), `api` (HTTP) and
 * `reconcileJobs` (HTTP, called every 5 minutes by Cloud Scheduler with an OIDC token; not public). Deploy each with
 * `--entry-point <name>` (the GCP plan does). The API fails closed: without AUTH_* (Identity Platform issuer and
 * audience) it answers 500 misconfigured, never open.
 */
registerGcpFunctions(
  { upload: 'onUpload', api: 'api', reconcile: 'reconcileJobs' },
  () => gcpUploadDepsFromEnv(process.env),
  async () => withCloudGuards(await gcpHttpDepsFromEnv(process.env), process.env),
  () => gcpReconcileDepsFromEnv(process.env),
);
