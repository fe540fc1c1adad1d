import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { handle, type APIGatewayProxyResult, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { createApiApp } from '../../shared/api/app.js';
import { withCloudGuards } from '../../shared/auth/cloud-guards.js';
import { fhirStoreFromEnvIfSet } from '../../shared/fhir/client.js';
import { HttpApiEnvSchema, loadConfig } from '../../providers/aws/config.js';
import { PowertoolsLoggerPort, awsObservability } from '../../providers/aws/observability.js';
import { batchUploadPorts } from './upload-ports.js';
import { S3ObjectStore } from '../../providers/aws/s3-object-store.js';
import type { ApiDeps } from '../../shared/api/app.js';
import type { Logger } from '../../shared/ports/index.js';

type LambdaHandler = (event: LambdaEvent, context?: LambdaContext) => Promise<APIGatewayProxyResult>;

/**
 * Builds the HTTP API Lambda handler: the one shared hono app behind API Gateway (HTTP API, payload 2.0).
 * Dependencies are built once per cold start. A bad environment answers 500 in the API's error shape
 * (and logs which variable is wrong) rather than a bare gateway error.
 *
 * @example
 * export const handler = createHttpApiHandler(() => ({ store, logger }));
 */
export function createHttpApiHandler(makeDeps: () => ApiDeps | Promise<ApiDeps>, logger: Logger = new PowertoolsLoggerPort(new PowertoolsLogger({ serviceName: 'http-api' }))) {
  let cached: LambdaHandler | undefined;
  return async function httpApi(event: LambdaEvent, context?: LambdaContext): Promise<APIGatewayProxyResult> {
    if (!cached) {
      try {
        cached = handle(createApiApp(await makeDeps())) as LambdaHandler;
      } catch (error) {
        logger.error('HTTP API could not start', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
        return {
          statusCode: 500,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ error: { code: 'misconfigured', message: 'the service is not configured correctly' } }),
          isBase64Encoded: false,
        };
      }
    }
    return cached(event, context);
  };
}

/** The production dependencies, from the function's environment. */
export function httpApiDepsFromEnv(env: Record<string, string | undefined> = process.env): ApiDeps {
  const config = loadConfig(HttpApiEnvSchema, env);
  const { logger, metrics } = awsObservability('http-api');
  const { ADNI_JOB_QUEUE, ADNI_JOB_DEFINITION } = config;
  return {
    store: new S3ObjectStore({ bucket: config.ADNI_RAW_BUCKET }),
    // The dashboard's GET /outputs reads (and presigns GETs of) the preprocessed bucket.
    outputs: new S3ObjectStore({ bucket: config.ADNI_PREPROCESSED_BUCKET }),
    logger,
    // Patient status and timeline from HealthLake (FHIR_BASE_URL, FHIR_AUTH=sigv4) when configured.
    fhir: fhirStoreFromEnvIfSet(env),
    // POST /reprocess and /backfill submit through the upload trigger's own ports (same jobs, same markers).
    ...(ADNI_JOB_QUEUE && ADNI_JOB_DEFINITION
      ? { jobs: batchUploadPorts({ ...config, ADNI_JOB_QUEUE, ADNI_JOB_DEFINITION }, env, logger, metrics) }
      : {}),
  };
}

/** The Lambda entry point (serverless.yml: `functions/aws/http-api.handler`). */
// Fails closed: without AUTH_* the function answers 500 misconfigured (the API Gateway JWT authorizer is the first check, this the second).
export const handler = createHttpApiHandler(() => withCloudGuards(httpApiDepsFromEnv(), process.env));
