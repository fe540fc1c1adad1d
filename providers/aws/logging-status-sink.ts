import type { Logger } from '../../shared/ports/observability.js';
import type { JobStatusUpdate, StatusSink } from '../../shared/ports/status-sink.js';
import { redactId } from '../../shared/util/redact.js';

/**
 * A {@link StatusSink} that only logs (pseudonymised). Stands in until the FHIR sink lands; the entry
 * points take the sink as a dependency so that swap touches no handler code. Idempotent trivially.
 *
 * @example
 * const status = new LoggingStatusSink(logger);
 */
export class LoggingStatusSink implements StatusSink {
  constructor(private readonly logger: Logger) {}
  async update(update: JobStatusUpdate): Promise<void> {
    this.logger.info('preprocessing status', {
      patient: redactId(update.job.patientId),
      session: redactId(`${update.job.patientId}/${update.job.sessionDate}`),
      fingerprint: update.job.fingerprint,
      jobId: update.jobId,
      status: update.status,
      reason: update.reason,
      at: update.at.toISOString(),
    });
  }
}
