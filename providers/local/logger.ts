import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogFields, Logger } from '../../shared/ports/observability.js';

export interface PinoLoggerOptions {
  /** pino level; default `ADNI_LOG_LEVEL` or `info`. `silent` logs nothing. */
  level?: string;
  /** Fields on every line (e.g. `{ component: 'local-stack' }`). */
  base?: LogFields;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

/**
 * The Logger port on pino: one JSON line per call, `msg` plus the fields.
 *
 * @example
 * const logger = createPinoLogger({ base: { component: 'batch' } });
 * logger.info('job started', { jobName });
 */
export function createPinoLogger(options: PinoLoggerOptions = {}): Logger {
  const level = options.level ?? process.env.ADNI_LOG_LEVEL ?? 'info';
  const instance = pino({ level, base: options.base ?? null }, options.destination);
  return adaptPino(instance);
}

/** Wraps an existing pino instance (fields first, message second, as pino expects). */
export function adaptPino(instance: PinoLogger): Logger {
  return {
    debug: (message, fields) => instance.debug(fields ?? {}, message),
    info: (message, fields) => instance.info(fields ?? {}, message),
    warn: (message, fields) => instance.warn(fields ?? {}, message),
    error: (message, fields) => instance.error(fields ?? {}, message),
  };
}
