import type { LogFields, Logger, Metrics } from '../../shared/ports/observability.js';

const SEVERITY = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;
type Level = keyof typeof SEVERITY;

/**
 * The {@link Logger} port for Cloud Run functions: one JSON line per call on stdout with `severity` and
 * `message`, which Cloud Logging parses into a structured entry. Fields pass through as they are, so callers
 * keep PHI out (see `redactId`).
 *
 * @example
 * const logger = new CloudLoggingLogger('upload-trigger');
 * logger.warn('event skipped', { reason });
 */
export class CloudLoggingLogger implements Logger {
  private readonly min: number;
  constructor(
    private readonly service: string,
    level: string = process.env.ADNI_LOG_LEVEL ?? 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {
    this.min = Math.max(0, Object.keys(SEVERITY).indexOf(level));
  }
  debug(message: string, fields?: LogFields) { this.log('debug', message, fields); }
  info(message: string, fields?: LogFields) { this.log('info', message, fields); }
  warn(message: string, fields?: LogFields) { this.log('warn', message, fields); }
  error(message: string, fields?: LogFields) { this.log('error', message, fields); }
  private log(level: Level, message: string, fields?: LogFields) {
    if (Object.keys(SEVERITY).indexOf(level) < this.min) return;
    this.write(JSON.stringify({ severity: SEVERITY[level], message, service: this.service, ...fields }));
  }
}

/**
 * The {@link Metrics} port as structured log lines; Cloud Logging log-based metrics count them.
 *
 * @example
 * new LogLineMetrics(logger).count('JobsSubmitted');
 */
export class LogLineMetrics implements Metrics {
  constructor(private readonly logger: Logger) {}
  count(name: string, value = 1) { this.logger.info('metric', { metric: name, value, unit: 'Count' }); }
  timing(name: string, ms: number) { this.logger.info('metric', { metric: name, value: ms, unit: 'Milliseconds' }); }
}
