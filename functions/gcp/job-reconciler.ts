import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { fhirStoreFromEnv } from '../../shared/fhir/client.js';
import { FhirStatusSink } from '../../shared/fhir/status-sink.js';
import type { Logger } from '../../shared/ports/observability.js';
import { openJobsFromFhir } from '../../shared/reliability/fhir-open-jobs.js';
import { reconcileJobs, type ReconcileOptions } from '../../shared/reliability/reconcile-jobs.js';
import { GcpReconcileEnvSchema, loadConfig } from '../../providers/gcp/config.js';
import { CloudLoggingLogger } from '../../providers/gcp/observability.js';

/** What one reconciler pass needs: {@link reconcileJobs}'s ports (the adapter adds no rules of its own). */
export type ReconcileDeps = Pick<ReconcileOptions, 'open' | 'read' | 'status' | 'logger'>;

/**
 * Builds the `http` handler Cloud Scheduler calls (POST, with an OIDC token Cloud Run checks before the request
 * gets here: the function's service grants `run.invoker` to the scheduler's service account only). Each call is one
 * {@link reconcileJobs} pass over the open preprocessing Tasks in FHIR and their Cloud Run executions; it answers
 * 200 with counts only (no job ids or patient data), 500 when the pass could not run (Cloud Scheduler logs the
 * failed attempt and retries; Task updates are idempotent). `makeDeps` returns undefined without a FHIR server.
 *
 * @example
 * functions.http('reconcileJobs', createGcpReconcileHandler(() => gcpReconcileDepsFromEnv(process.env)));
 */
export function createGcpReconcileHandler(
  makeDeps: () => ReconcileDeps | undefined | Promise<ReconcileDeps | undefined>,
  logger: Logger = new CloudLoggingLogger('job-reconciler'),
) {
  let deps: Promise<ReconcileDeps | undefined> | undefined;
  return async function reconcileHttp(req: ExpressRequest, res: ExpressResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.status(405).set('allow', 'POST').json({ error: { code: 'method_not_allowed', message: 'POST only (Cloud Scheduler)' } });
      return;
    }
    let ports: ReconcileDeps | undefined;
    try {
      ports = await (deps ??= Promise.resolve().then(makeDeps));
    } catch (error) {
      deps = undefined;
      logger.error('job reconciler could not start', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      res.status(500).json({ error: { code: 'misconfigured', message: 'the service is not configured correctly' } });
      return;
    }
    if (!ports) {
      const reason = 'FHIR_BASE_URL is not set: open jobs are read from FHIR Tasks, so there is nothing to reconcile';
      logger.warn('job reconciler idle', { reason });
      res.status(200).json({ outcome: 'skipped', reason });
      return;
    }
    try {
      const result = await reconcileJobs(ports);
      const counts = { checked: result.checked, failed: result.failed.length, unchanged: result.unchanged, unreadable: result.unreadable.length };
      logger.info('job reconciler pass', { ...counts, scheduleTime: req.get('x-cloudscheduler-scheduletime') ?? null });
      res.status(200).json({ outcome: 'reconciled', ...counts });
    } catch (error) {
      logger.error('job reconciler pass failed', { error: error instanceof Error ? error.message : String(error) });
      res.status(500).json({ error: { code: 'reconcile_failed', message: 'the pass did not complete; the next one tries again' } });
    }
  };
}

/**
 * The submitter records the execution's full name (`projects/…/locations/…/jobs/…/executions/…`), which is what the
 * reader takes. Anything else (its fallbacks: an operation or job name, when Cloud Run's reply named no execution)
 * throws, so the job is reported unreadable instead of read as a missing execution and failed while it may run.
 */
export function executionName(jobId: string): string {
  if (!/^projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/]+\/executions\/[^/]+$/.test(jobId)) {
    throw new Error('the job id is not a Cloud Run execution name; its state cannot be read');
  }
  return jobId;
}

export interface GcpReconcileDepsOptions {
  /** `ExecutionsClient` options (tests: REST transport on a loopback API with a static token). */
  executionsClientOptions?: ConstructorParameters<typeof import('@google-cloud/run').v2.ExecutionsClient>[0];
}

/**
 * The production ports from the function's environment (zod-validated, each bad variable named): open jobs from
 * the FHIR store of `FHIR_BASE_URL` (`FHIR_AUTH=google`: the function's service account), execution state from
 * Cloud Run (`run.executions.get` on the preprocessing job), failures written back as FHIR Tasks. Undefined
 * without `FHIR_BASE_URL`.
 *
 * @example
 * const deps = await gcpReconcileDepsFromEnv(process.env);
 */
export async function gcpReconcileDepsFromEnv(
  env: Record<string, string | undefined> = process.env,
  options: GcpReconcileDepsOptions = {},
): Promise<ReconcileDeps | undefined> {
  const config = loadConfig(GcpReconcileEnvSchema, env);
  if (!env.FHIR_BASE_URL) return undefined;
  const [store, { ExecutionsClient }, { CloudRunJobStatusReader }] = await Promise.all([
    fhirStoreFromEnv(env),
    import('@google-cloud/run').then((m) => m.v2),
    import('../../providers/gcp/cloud-run-job-status.js'),
  ]);
  const reader = new CloudRunJobStatusReader(new ExecutionsClient(options.executionsClientOptions));
  const logger = new CloudLoggingLogger('job-reconciler');
  return {
    open: () => openJobsFromFhir({ store, inputBucket: config.ADNI_GCS_BUCKET, outputBucket: config.ADNI_OUTPUT_BUCKET ?? config.ADNI_GCS_BUCKET }),
    read: async (jobId) => reader.read(executionName(jobId)),
    status: new FhirStatusSink({ store, logger }),
    logger,
  };
}
