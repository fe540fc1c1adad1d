import type { JobStatusUpdate, StatusSink } from '../ports/status-sink.js';

/**
 * One {@link StatusSink} that writes every update to several (the local stack: status objects for
 * `adni upload --wait`, and FHIR). Every sink gets every update even when one fails; then the call fails
 * with each failure's message, so the caller's own error handling (log, exit code) still applies.
 *
 * @example
 * const status = fanOutStatusSink([new StoreStatusSink(store), new FhirStatusSink({ store: fhir })]);
 */
export function fanOutStatusSink(sinks: readonly StatusSink[]): StatusSink {
  return {
    async update(update: JobStatusUpdate) {
      const results = await Promise.allSettled(sinks.map((sink) => sink.update(update)));
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) {
        throw new AggregateError(errors, errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
      }
    },
  };
}
