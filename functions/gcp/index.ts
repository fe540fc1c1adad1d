import { gcpHttpDepsFromEnv } from './http-api.js';
import { registerGcpFunctions } from './register.js';
import { gcpUploadDepsFromEnv } from './upload-trigger.js';

/**
 * The Cloud Run functions (2nd gen) entry module: `onUpload` (Eventarc, GCS object finalized) and `api` (HTTP).
 * Deploy each with `--entry-point onUpload` / `--entry-point api` (the GCP plan does).
 */
registerGcpFunctions({ upload: 'onUpload', api: 'api' }, () => gcpUploadDepsFromEnv(process.env), () => gcpHttpDepsFromEnv(process.env));
