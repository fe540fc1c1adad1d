import type { LogFields, Logger, Metrics } from '../../shared/ports/observability.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Level[] = ['debug', 'info', 'warn', 'error'];

/**
 * The {@link Logger} port for Azure Functions: one JSON line per call on the console, which the Functions host
 * forwards to Application Insights as a trace with the invocation's operation id. Fields pass through as they
 * are, so callers keep PHI out (see `redactId`).
 *
 * @example
 * const logger = new JsonConsoleLogger('upload-trigger');
 * logger.info('job submitted', { jobId });
 */
export class JsonConsoleLogger implements Logger {
  private readonly min: number;
  constructor(
    private readonly service: string,
    level: string = process.env.ADNI_LOG_LEVEL ?? 'info',
    private readonly write: (line: string, level: Level) => void = defaultWrite,
  ) {
    this.min = Math.max(0, LEVELS.indexOf(level as Level));
  }
  debug(message: string, fields?: LogFields) { this.log('debug', message, fields); }
  info(message: string, fields?: LogFields) { this.log('info', message, fields); }
  warn(message: string, fields?: LogFields) { this.log('warn', message, fields); }
  error(message: string, fields?: LogFields) { this.log('error', message, fields); }
  private log(level: Level, message: string, fields?: LogFields) {
    if (LEVELS.indexOf(level) < this.min) return;
    this.write(JSON.stringify({ level, service: this.service, message, ...fields, time: new Date().toISOString() }), level);
  }
}

/**
 * The {@link Metrics} port as log lines (`{"metric": name, "value": n}`): Application Insights log-based metrics
 * (and Cloud Logging log-based metrics on Google Cloud) count them, with no metrics SDK in the bundle.
 *
 * @example
 * new LogMetrics(logger).count('JobsSubmitted');
 */
export class LogMetrics implements Metrics {
  constructor(private readonly logger: Logger) {}
  count(name: string, value = 1) { this.logger.info('metric', { metric: name, value, unit: 'Count' }); }
  timing(name: string, ms: number) { this.logger.info('metric', { metric: name, value: ms, unit: 'Milliseconds' }); }
}

function defaultWrite(line: string, level: Level) {
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
