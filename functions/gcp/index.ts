import { withCloudGuards } from '../../shared/auth/cloud-guards.js';
import { gcpHttpDepsFromEnv } from './http-api.js';
import { registerGcpFunctions } from './register.js';
import { gcpUploadDepsFromEnv } from './upload-trigger.js';

/**
 * The Cloud Run functions (2nd gen) entry module: `onUpload` (Eventarc, GCS object finalized) and `api` (HTTP).
 * Deploy each with `--entry-point onUpload` / `--entry-point api` (the GCP plan does). The API fails closed: without
 * AUTH_* (Identity Platform issuer and audience) it answers 500 misconfigured, never open.
 */
registerGcpFunctions({ upload: 'onUpload', api: 'api' }, () => gcpUploadDepsFromEnv(process.env), async () => withCloudGuards(await gcpHttpDepsFromEnv(process.env), process.env));
