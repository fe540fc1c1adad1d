import { BatchClient } from '@aws-sdk/client-batch';
import { batchQueueStats } from '../../providers/aws/batch-queue-stats.js';
import { BatchMonitorEnvSchema, loadConfig } from '../../providers/aws/config.js';
import { awsObservability, type PowertoolsLoggerPort, type PowertoolsMetricsPort } from '../../providers/aws/observability.js';
import type { Clock } from '../../shared/ports/observability.js';
import { systemClock } from '../../shared/ports/observability.js';

export interface BatchMonitorDeps {
  client: BatchClient;
  jobQueue: string;
  clock: Clock;
  logger: Pick<PowertoolsLoggerPort, 'info'>;
  metrics: Pick<PowertoolsMetricsPort, 'gauge' | 'flush'>;
}

/**
 * Builds the scheduled Batch monitor: publishes `QueueBacklog` and `LongestRunningJobSeconds` (EMF), the
 * metrics behind the queue-backlog and processing-time alarms in serverless.yml.
 *
 * @example
 * export const handler = createBatchMonitor(() => deps);
 */
export function createBatchMonitor(makeDeps: () => BatchMonitorDeps) {
  let deps: BatchMonitorDeps | undefined;
  return async function batchMonitor() {
    deps ??= makeDeps();
    const stats = await batchQueueStats(deps.client, deps.jobQueue, deps.clock.now());
    deps.metrics.gauge('QueueBacklog', stats.backlog);
    deps.metrics.gauge('RunningJobs', stats.running);
    deps.metrics.gauge('LongestRunningJobSeconds', stats.longestRunningSeconds, 'Seconds');
    deps.metrics.flush();
    deps.logger.info('batch queue sampled', { ...stats });
    return stats;
  };
}

/** The Lambda entry point (serverless.yml: `functions/aws/batch-monitor.handler`, every minute). */
export const handler = createBatchMonitor(() => {
  const config = loadConfig(BatchMonitorEnvSchema, process.env);
  const { logger, metrics } = awsObservability('batch-monitor');
  return { client: new BatchClient({}), jobQueue: config.ADNI_JOB_QUEUE, clock: systemClock, logger, metrics };
});
