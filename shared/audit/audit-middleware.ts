import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { principalOf } from '../auth/auth-middleware.js';
import { requiredScope } from '../auth/route-scopes.js';
import type { Logger } from '../ports/observability.js';
import type { AuditEvent, AuditSink } from './audit-event.js';

export interface AuditMiddlewareOptions {
  sink: AuditSink;
  /** The caller's address (socket address locally, the gateway's x-forwarded-for in the clouds). */
  clientAddress: (c: Context) => string | undefined;
  logger?: Logger;
  now?: () => Date;
}

const ACTIONS: Record<string, AuditEvent['action']> = { predict: 'predict', 'read:patients': 'read', upload: 'upload', 'write:patients': 'write' };

/**
 * Records every request that touches patient data (the routes with a patient scope), refused ones included,
 * after the response is made and before it is sent. A sink failure is logged as an error, not shown to the caller.
 *
 * @example
 * app.use('*', auditMiddleware({ sink: new FileAuditSink({ dataDir }), clientAddress }));
 */
export function auditMiddleware(options: AuditMiddlewareOptions): MiddlewareHandler {
  const now = options.now ?? (() => new Date());
  return async (c, next) => {
    const method = c.req.method;
    const path = new URL(c.req.url).pathname;
    const scope = requiredScope(method, path);
    await next();
    if (!scope || method === 'OPTIONS') return;
    const principal = principalOf(c);
    const list = path === '/patients' || /^\/fhir\/R4\/Patient\/?$/.test(path);
    const event: AuditEvent = {
      time: now().toISOString(),
      actor: principal?.subject ?? 'anonymous',
      via: principal?.via ?? 'none',
      action: list ? 'list' : ACTIONS[scope],
      method,
      path,
      patient_ids: await patientIdsOf(c, path),
      status: c.res.status,
      client: options.clientAddress(c) ?? null,
      request_id: c.req.header('x-request-id')?.slice(0, 100) || randomUUID(),
    };
    try {
      await options.sink.record(event);
    } catch (error) {
      options.logger?.error('audit record could not be written', { error: error instanceof Error ? error.message : String(error), path: event.action });
    }
  };
}

const PATH_PATIENT = /^\/(?:patient-timeline|preprocessing-status|outputs|local-status|fhir\/R4\/Patient)\/([^/]+)/;

/** The patients a request was about: from the path, the JSON body (predict, uploads, reprocess), the FHIR search, or a list's response. */
async function patientIdsOf(c: Context, path: string): Promise<string[]> {
  const ids = new Set<string>();
  const fromPath = PATH_PATIENT.exec(path)?.[1];
  if (fromPath) ids.add(safeDecode(fromPath));
  const query = new URL(c.req.url).searchParams;
  for (const name of ['patient', 'subject']) {
    const ref = query.get(name);
    if (ref) ids.add(ref.replace(/^Patient\//, ''));
  }
  // A refused request's body is never read: unauthenticated callers must not make the server parse their input.
  const refused = [401, 403, 413, 429].includes(c.res.status);
  if (!refused && c.req.method === 'POST' && /^\/(predict-progression|uploads|reprocess)/.test(path)) {
    // Hono caches the parsed body, so this re-reads what the route already parsed (or fails the same way).
    const body = (await c.req.json().catch(() => undefined)) as { patient_id?: unknown; patient_ids?: unknown } | undefined;
    if (typeof body?.patient_id === 'string') ids.add(body.patient_id);
    if (Array.isArray(body?.patient_ids)) for (const id of body.patient_ids) if (typeof id === 'string') ids.add(id);
  }
  if (path === '/patients' && c.res.status === 200) {
    const listed = (await c.res.clone().json().catch(() => undefined)) as { patients?: { patient_id?: unknown }[] } | undefined;
    for (const p of listed?.patients ?? []) if (typeof p.patient_id === 'string') ids.add(p.patient_id);
  }
  // Ids longer than any real one are not echoed into the log (hostile input stays out).
  return [...ids].filter((id) => id.length <= 64).slice(0, 1000);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
