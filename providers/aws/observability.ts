import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { LogFields, Logger, Metrics } from '../../shared/ports/observability.js';

/** CloudWatch namespace of every custom metric (the alarms in serverless.yml read from it). */
export const METRICS_NAMESPACE = 'ADNI/Preprocessing';

/**
 * The {@link Logger} port on Powertools Logger: one JSON line per call, with the Lambda context keys
 * Powertools adds. Fields pass through as they are, so callers keep PHI out (see `redactId`).
 *
 * @example
 * const logger = new PowertoolsLoggerPort(new PowertoolsLogger({ serviceName: 'upload-trigger' }));
 * logger.info('job submitted', { jobId });
 */
export class PowertoolsLoggerPort implements Logger {
  constructor(readonly powertools: PowertoolsLogger) {}
  debug(message: string, fields?: LogFields) {
    this.powertools.debug(message, fields ?? {});
  }
  info(message: string, fields?: LogFields) {
    this.powertools.info(message, fields ?? {});
  }
  warn(message: string, fields?: LogFields) {
    this.powertools.warn(message, fields ?? {});
  }
  error(message: string, fields?: LogFields) {
    this.powertools.error(message, fields ?? {});
  }
}

/**
 * The {@link Metrics} port on Powertools Metrics (CloudWatch embedded metric format). Metrics are
 * buffered; the entry point calls {@link PowertoolsMetricsPort.flush} once per invocation.
 *
 * @example
 * const metrics = new PowertoolsMetricsPort(new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: 'upload-trigger' }));
 * metrics.count('JobsSubmitted');
 * metrics.flush();
 */
export class PowertoolsMetricsPort implements Metrics {
  constructor(readonly powertools: PowertoolsMetrics) {}
  count(name: string, value = 1) {
    this.powertools.addMetric(name, MetricUnit.Count, value);
  }
  timing(name: string, ms: number) {
    this.powertools.addMetric(name, MetricUnit.Milliseconds, ms);
  }
  gauge(name: string, value: number, unit: 'Count' | 'Seconds' = 'Count') {
    this.powertools.addMetric(name, unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count, value);
  }
  /** Writes the buffered metrics as one EMF line (nothing when none were added). */
  flush() {
    if (this.powertools.hasStoredMetrics()) this.powertools.publishStoredMetrics();
  }
}

/** Logger and metrics for one AWS entry point, named after it. */
export function awsObservability(serviceName: string): { logger: PowertoolsLoggerPort; metrics: PowertoolsMetricsPort } {
  return {
    logger: new PowertoolsLoggerPort(new PowertoolsLogger({ serviceName })),
    metrics: new PowertoolsMetricsPort(new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName })),
  };
}
