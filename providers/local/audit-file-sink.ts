import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AuditEventSchema, type AuditEvent, type AuditSink } from '../../shared/audit/audit-event.js';

/**
 * Audit records as JSON lines in `<data dir>/audit/YYYY-MM-DD.jsonl` (UTC day of the record), appended only:
 * files are opened with O_APPEND and mode 0600, each record is one write of one line, and writes are queued
 * so lines never interleave. Nothing in the product rewrites or deletes these files.
 *
 * @example
 * const sink = new FileAuditSink({ dataDir: '/srv/adni-data' });
 * await sink.record(event); // appends to /srv/adni-data/audit/2026-11-25.jsonl
 */
export class FileAuditSink implements AuditSink {
  readonly dir: string;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: { dataDir: string }) {
    this.dir = path.join(options.dataDir, 'audit');
  }

  record(event: AuditEvent): Promise<void> {
    // Validated before writing: a record with extra fields (values) or a bad shape never reaches the file.
    const parsed = AuditEventSchema.safeParse(event);
    if (!parsed.success) return Promise.reject(new Error(`not an audit record: ${parsed.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}`));
    const line = JSON.stringify(parsed.data) + '\n';
    const file = path.join(this.dir, `${event.time.slice(0, 10)}.jsonl`);
    const write = this.queue.then(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await appendFile(file, line, { flag: 'a', mode: 0o600 });
    });
    // One failed write must not block the ones after it; the caller still sees its own failure.
    this.queue = write.catch(() => undefined);
    return write;
  }
}
