import type { AuditEvent } from '../../shared/audit/audit-event.js';

/**
 * Audit records as aligned text lines for a terminal: time, actor, action, method and path, status, client.
 *
 * @example
 * formatAuditEvents(events) // '2026-11-25T10:00:00.000Z  user-1  read  GET /patient-timeline/P001  200  127.0.0.1'
 */
export function formatAuditEvents(events: AuditEvent[]): string {
  const rows = events.map((e) => [e.time, `${e.actor} (${e.via})`, e.action, `${e.method} ${e.path}`, String(e.status), e.client ?? '-']);
  const widths = rows.reduce((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [] as number[]);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
