import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE, PowertoolsLoggerPort, PowertoolsMetricsPort } from './observability.js';

/** Powertools writes JSON lines to stdout (warnings and errors to stderr); capture both, in order. */
function captureStdout(): string[] {
  const lines: string[] = [];
  const capture = (chunk: any) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Powertools adapters', () => {
  it('the logger port writes one structured JSON line per call with the fields', () => {
    // Prepare
    const lines = captureStdout();
    const logger = new PowertoolsLoggerPort(new PowertoolsLogger({ serviceName: 'upload-trigger', logLevel: 'DEBUG' }));
    // Act
    logger.info('job submitted', { jobId: 'j-1', patient: 'p:0123456789' });
    logger.warn('upload record skipped', { reason: 'bad key' });
    // Assess
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed[0]).toMatchObject({ level: 'INFO', message: 'job submitted', service: 'upload-trigger', jobId: 'j-1', patient: 'p:0123456789' });
    expect(parsed[1]).toMatchObject({ level: 'WARN', message: 'upload record skipped', reason: 'bad key' });
  });

  it('the metrics port emits CloudWatch EMF in our namespace on flush, and nothing when empty', () => {
    const lines = captureStdout();
    const metrics = new PowertoolsMetricsPort(new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: 'batch-monitor' }));
    metrics.flush();
    expect(lines).toEqual([]);
    metrics.count('JobsSubmitted');
    metrics.count('JobsSubmitted');
    metrics.timing('HandlerMs', 12);
    metrics.gauge('LongestRunningJobSeconds', 1200, 'Seconds');
    metrics.flush();
    const emf = JSON.parse(lines.at(-1)!);
    const directive = emf._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('ADNI/Preprocessing');
    expect(directive.Dimensions).toEqual([['service']]);
    expect(Object.fromEntries(directive.Metrics.map((m: any) => [m.Name, m.Unit]))).toEqual({
      JobsSubmitted: 'Count',
      HandlerMs: 'Milliseconds',
      LongestRunningJobSeconds: 'Seconds',
    });
    expect(emf).toMatchObject({ service: 'batch-monitor', JobsSubmitted: [1, 1], HandlerMs: 12, LongestRunningJobSeconds: 1200 });
  });
});
