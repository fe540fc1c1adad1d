import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { Hono } from 'hono';
import { createApiApp, type ApiDeps } from '../../shared/api/app.js';
import { fhirStoreFromEnvIfSet } from '../../shared/fhir/client.js';
import type { Logger } from '../../shared/ports/observability.js';
import { GcpHttpEnvSchema, loadConfig } from '../../providers/gcp/config.js';
import { CloudLoggingLogger } from '../../providers/gcp/observability.js';
import { gcpUploadDepsFromEnv } from './upload-trigger.js';

/** What the Functions Framework adds to express's request: the body bytes before parsing. */
type FrameworkRequest = ExpressRequest & { rawBody?: Buffer };

/**
 * Builds the `http` handler: the one shared hono app behind a Cloud Run function. The framework has already
 * read the body (it keeps the bytes as `rawBody`), so the request is rebuilt as a standard `Request` for hono
 * and the `Response` is written back to express. A bad environment answers 500 in the API's error shape.
 *
 * @example
 * functions.http('api', createGcpHttpHandler(() => gcpHttpDepsFromEnv(process.env)));
 */
export function createGcpHttpHandler(makeDeps: () => ApiDeps | Promise<ApiDeps>, logger: Logger = new CloudLoggingLogger('http-api')) {
  let api: Promise<Hono> | undefined;
  return async function httpApi(req: FrameworkRequest, res: ExpressResponse): Promise<void> {
    let app: Hono;
    try {
      app = await (api ??= Promise.resolve().then(makeDeps).then(createApiApp));
    } catch (error) {
      api = undefined;
      logger.error('HTTP API could not start', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      res.status(500).json({ error: { code: 'misconfigured', message: 'the service is not configured correctly' } });
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const response = await app.fetch(
      new Request(`${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`, {
        method: req.method,
        headers,
        body: hasBody ? (req.rawBody ?? Buffer.alloc(0)) : undefined,
      }),
    );
    res.status(response.status);
    response.headers.forEach((value, name) => res.setHeader(name, value));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}

/** The production dependencies from the function's environment. */
export async function gcpHttpDepsFromEnv(env: Record<string, string | undefined> = process.env): Promise<ApiDeps> {
  const config = loadConfig(GcpHttpEnvSchema, env);
  const [{ Storage }, { GcsObjectStore }] = await Promise.all([import('@google-cloud/storage'), import('../../providers/gcp/gcs-object-store.js')]);
  const storage = new Storage();
  return {
    store: new GcsObjectStore({ storage, bucket: config.ADNI_GCS_BUCKET }),
    // GET /outputs and backfill read the bucket the jobs write.
    ...(config.ADNI_OUTPUT_BUCKET ? { outputs: new GcsObjectStore({ storage, bucket: config.ADNI_OUTPUT_BUCKET }) } : {}),
    logger: new CloudLoggingLogger('http-api'),
    // Patient status and timeline from the Cloud Healthcare API (FHIR_BASE_URL, FHIR_AUTH=google) when configured.
    fhir: fhirStoreFromEnvIfSet(env),
    // POST /reprocess and /backfill submit through the upload function's own ports (same job, same markers).
    ...(env.ADNI_JOB_NAME ? { jobs: await gcpUploadDepsFromEnv(env) } : {}),
  };
}
