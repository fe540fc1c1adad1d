import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Hono } from 'hono';
import { createApiApp, type ApiDeps } from '../../shared/api/app.js';
import { azureUploadDepsFromEnv } from './upload-trigger.js';
import { fhirStoreFromEnvIfSet } from '../../shared/fhir/client.js';
import type { Logger } from '../../shared/ports/observability.js';
import { AzureHttpEnvSchema, loadConfig } from '../../providers/azure/config.js';
import { JsonConsoleLogger } from '../../providers/azure/observability.js';

/**
 * Builds the `app.http` handler: the one shared hono app behind Azure Functions. The request is handed to
 * hono as a standard `Request` and the `Response` comes back as an `HttpResponseInit`; the Function's route
 * prefix is set to "" in host.json so paths are the API's own. A bad environment answers 500 in the API's
 * error shape (the log names the bad setting) instead of a bare host error.
 *
 * @example
 * app.http('api', { route: '{*path}', methods: ['GET', 'POST'], authLevel: 'anonymous', handler: createAzureHttpHandler(() => deps) });
 */
export function createAzureHttpHandler(makeDeps: () => ApiDeps | Promise<ApiDeps>, logger: Logger = new JsonConsoleLogger('http-api')) {
  let api: Promise<Hono> | undefined;
  return async function httpApi(request: HttpRequest, _context?: InvocationContext): Promise<HttpResponseInit> {
    let app: Hono;
    try {
      app = await (api ??= Promise.resolve().then(makeDeps).then(createApiApp));
    } catch (error) {
      api = undefined;
      logger.error('HTTP API could not start', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      return { status: 500, jsonBody: { error: { code: 'misconfigured', message: 'the service is not configured correctly' } } };
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const response = await app.fetch(
      new Request(request.url, {
        method: request.method,
        headers: request.headers,
        body: hasBody ? await request.arrayBuffer() : undefined,
      }),
    );
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: new Uint8Array(await response.arrayBuffer()),
    };
  };
}

/** The production dependencies from the Function App settings. */
export async function azureHttpDepsFromEnv(env: Record<string, string | undefined> = process.env): Promise<ApiDeps> {
  const config = loadConfig(AzureHttpEnvSchema, env);
  const [{ DefaultAzureCredential }, { createBlobStore }] = await Promise.all([
    import('@azure/identity'),
    import('../../providers/azure/create-blob-store.js'),
  ]);
  const credential = new DefaultAzureCredential();
  const blobStore = (container: string) =>
    createBlobStore({ accountUrl: config.ADNI_STORAGE_ACCOUNT_URL, connectionString: config.ADNI_STORAGE_CONNECTION_STRING, container }, credential);
  return {
    store: blobStore(config.ADNI_UPLOAD_CONTAINER),
    // GET /outputs and backfill read the container the jobs write (ARM sets it; without it, outputs sit beside the uploads).
    ...(config.ADNI_OUTPUT_CONTAINER ? { outputs: blobStore(config.ADNI_OUTPUT_CONTAINER) } : {}),
    logger: new JsonConsoleLogger('http-api'),
    // Patient status and timeline from Azure Health Data Services (FHIR_BASE_URL, FHIR_AUTH=azure) when configured.
    fhir: fhirStoreFromEnvIfSet(env),
    // POST /reprocess and /backfill: every function of the app shares its settings and identity, so where the app
    // submits jobs (ADNI_JOB_IMAGE set) the API submits them through the upload trigger's own ports.
    ...(env.ADNI_JOB_IMAGE ? { jobs: await azureUploadDepsFromEnv(env) } : {}),
  };
}
