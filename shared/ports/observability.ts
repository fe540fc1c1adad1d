/** Structured fields of a log line. Never put PHI here: use `redactId` for patient ids. */
export type LogFields = Record<string, unknown>;

/** The logging port: pino locally, Powertools Logger on AWS. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** The metrics port: EMF through Powertools on AWS, counters in memory locally. */
export interface Metrics {
  count(name: string, value?: number): void;
  /** Milliseconds. */
  timing(name: string, ms: number): void;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export const noMetrics: Metrics = { count() {}, timing() {} };
