import { z } from 'zod';

/**
 * One audit record: who did what to which patient's data, when, from where, and the outcome. Deliberately no
 * request or response bodies, no query strings and no scores: the log says that a record was read, never what it held.
 */
export const AuditEventSchema = z.strictObject({
  time: z.iso.datetime(),
  /** Token subject, `api-key`, `job`, or `anonymous` (open local mode, or a refused request). */
  actor: z.string(),
  via: z.enum(['jwt', 'api-key', 'internal', 'none']),
  action: z.enum(['read', 'list', 'predict', 'upload', 'write']),
  method: z.string(),
  /** URL path without the query string. */
  path: z.string(),
  patient_ids: z.array(z.string()),
  status: z.number().int(),
  /** The caller's network address, when known. */
  client: z.string().nullable(),
  request_id: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/**
 * Where audit records go. Implementations append only (no update, no delete) and resolve once the record is durable.
 *
 * @example
 * await sink.record({ time, actor: 'u-123', via: 'jwt', action: 'read', method: 'GET', path: '/patient-timeline/P001',
 *   patient_ids: ['P001'], status: 200, client: '10.0.0.7', request_id });
 */
export interface AuditSink {
  record(event: AuditEvent): Promise<void>;
}
