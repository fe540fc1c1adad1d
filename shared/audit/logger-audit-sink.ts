import type { Logger } from '../ports/observability.js';
import { redactId } from '../util/redact.js';
import type { AuditEvent, AuditSink } from './audit-event.js';

/**
 * Audit records as structured log lines (`msg: "audit"`) for the clouds, where the log service (CloudWatch Logs,
 * Azure Monitor, Cloud Logging) is the append-only store and its retention and access rules apply. Patient ids are
 * pseudonymised with `redactId` (salted by `ADNI_LOG_SALT`) like every log line: an auditor looks a patient up by
 * computing the same pseudonym.
 *
 * @example
 * const audit = new LoggerAuditSink(logger);
 */
export class LoggerAuditSink implements AuditSink {
  constructor(private readonly logger: Logger) {}

  async record(event: AuditEvent): Promise<void> {
    let path = event.path;
    for (const id of event.patient_ids) path = path.split(id).join(redactId(id));
    this.logger.info('audit', { audit: { ...event, path, patient_ids: event.patient_ids.map(redactId) } });
  }
}
