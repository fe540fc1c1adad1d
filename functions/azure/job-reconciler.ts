import type { ContainerInstanceManagementClientOptionalParams } from '@azure/arm-containerinstance';
import type { Timer, InvocationContext } from '@azure/functions';
import type { TokenCredential } from '@azure/core-auth';
import { fhirStoreFromEnv } from '../../shared/fhir/client.js';
import { FhirStatusSink } from '../../shared/fhir/status-sink.js';
import type { Logger } from '../../shared/ports/observability.js';
import { openJobsFromFhir } from '../../shared/reliability/fhir-open-jobs.js';
import { reconcileJobs, type ReconcileOptions, type ReconcileResult } from '../../shared/reliability/reconcile-jobs.js';
import { AzureReconcileEnvSchema, loadConfig } from '../../providers/azure/config.js';
import { JsonConsoleLogger } from '../../providers/azure/observability.js';

/** What one reconciler pass needs: {@link reconcileJobs}'s ports (the adapter adds no rules of its own). */
export type ReconcileDeps = Pick<ReconcileOptions, 'open' | 'read' | 'status' | 'logger'>;

/** What one timer invocation did: the pass's result, or why it did not run. */
export type AzureReconcileOutcome = ({ outcome: 'reconciled' } & ReconcileResult) | { outcome: 'skipped'; reason: string };

/**
 * Builds the `app.timer` handler of the job reconciler: one {@link reconcileJobs} pass per tick over the open
 * preprocessing Tasks in FHIR and the ACI container groups. `makeDeps` returns undefined when the deployment has
 * no FHIR server (nothing to reconcile: the pass is skipped with a warning). A FHIR or ARM error fails the
 * invocation (the next tick tries again; Task updates are idempotent, so overlapping passes are harmless).
 *
 * @example
 * app.timer('reconcileJobs', { schedule: '0 *\/5 * * * *', handler: createAzureJobReconciler(() => azureReconcileDepsFromEnv(process.env)) });
 */
export function createAzureJobReconciler(
  makeDeps: () => ReconcileDeps | undefined | Promise<ReconcileDeps | undefined>,
  logger: Logger = new JsonConsoleLogger('job-reconciler'),
) {
  let deps: Promise<ReconcileDeps | undefined> | undefined;
  return async function reconcileTimer(timer: Timer, _context?: InvocationContext): Promise<AzureReconcileOutcome> {
    const ports = await (deps ??= Promise.resolve().then(makeDeps).catch((error: unknown) => {
      deps = undefined;
      throw error;
    }));
    if (!ports) {
      const reason = 'FHIR_BASE_URL is not set: open jobs are read from FHIR Tasks, so there is nothing to reconcile';
      logger.warn('job reconciler idle', { reason });
      return { outcome: 'skipped', reason };
    }
    const result = await reconcileJobs(ports);
    logger.info('job reconciler pass', {
      checked: result.checked,
      failed: result.failed.length,
      unchanged: result.unchanged,
      unreadable: result.unreadable.length,
      pastDue: timer.isPastDue,
    });
    return { outcome: 'reconciled', ...result };
  };
}

/**
 * The ACI container group name of a job id: the submitter records the group's full resource id
 * (`/subscriptions/…/resourceGroups/{rg}/…/containerGroups/{name}`), the status reader takes the name. A job in
 * another resource group than the one the reader looks in throws (the job is then unreadable, tried again next
 * pass) instead of reading as missing there, which would fail a job that may be running.
 */
export function aciGroupName(jobId: string, resourceGroup?: string): string {
  const match = /(?:\/resourceGroups\/([^/]+))?\/providers\/Microsoft\.ContainerInstance\/containerGroups\/([^/]+)$/i.exec(jobId);
  if (!match) return jobId;
  if (resourceGroup && match[1] && match[1].toLowerCase() !== resourceGroup.toLowerCase()) {
    throw new Error(`the job's container group is in resource group ${match[1]}, the reconciler reads ${resourceGroup}`);
  }
  return match[2];
}

export interface AzureReconcileDepsOptions {
  /** Default: `DefaultAzureCredential` (the Function App's user-assigned identity through AZURE_CLIENT_ID). */
  credential?: TokenCredential;
  /** ARM client options (sovereign clouds' endpoints; tests point it at a loopback ARM). */
  armClientOptions?: ContainerInstanceManagementClientOptionalParams;
}

/**
 * The production ports from the Function App settings (zod-validated, each bad setting named): open jobs from the
 * FHIR server of `FHIR_BASE_URL` (`FHIR_AUTH=azure`: the function identity's token), job state from ACI with the
 * identity's `containerGroups/read`, failures written back as FHIR Tasks. Undefined without `FHIR_BASE_URL`.
 *
 * @example
 * const deps = await azureReconcileDepsFromEnv(process.env);
 */
export async function azureReconcileDepsFromEnv(
  env: Record<string, string | undefined> = process.env,
  options: AzureReconcileDepsOptions = {},
): Promise<ReconcileDeps | undefined> {
  const config = loadConfig(AzureReconcileEnvSchema, env);
  if (!env.FHIR_BASE_URL) return undefined;
  const [store, { ContainerInstanceManagementClient }, { AciJobStatusReader }] = await Promise.all([
    fhirStoreFromEnv(env),
    import('@azure/arm-containerinstance'),
    import('../../providers/azure/aci-job-status.js'),
  ]);
  const credential = options.credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
  const reader = new AciJobStatusReader(new ContainerInstanceManagementClient(credential, config.ADNI_SUBSCRIPTION_ID, options.armClientOptions), config.ADNI_RESOURCE_GROUP);
  const logger = new JsonConsoleLogger('job-reconciler');
  return {
    open: () => openJobsFromFhir({ store, inputBucket: config.ADNI_UPLOAD_CONTAINER, outputBucket: config.ADNI_OUTPUT_CONTAINER ?? config.ADNI_UPLOAD_CONTAINER }),
    read: async (jobId) => reader.read(aciGroupName(jobId, config.ADNI_RESOURCE_GROUP)),
    status: new FhirStatusSink({ store, logger }),
    logger,
  };
}
