import type { Hono } from 'hono';

/**
 * Every route an app registered, as requests to try: parameters filled with valid-looking values, `*` with a
 * segment, and `all()` handlers (FHIR) tried as GET and POST. Catch-all middleware (`/*`, `*`) is not a route.
 */
export function routeTable(app: Hono, values: { patient: string; session: string }): { method: string; path: string }[] {
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const r of app.routes) {
    if (r.method === 'ALL' && (r.path === '/*' || r.path === '*')) continue;
    const path = r.path
      .replace(/:patient_id|:patient/g, values.patient)
      .replace(/:session_date|:session/g, values.session)
      .replace(/:[A-Za-z_]+/g, 'x')
      .replace(/\*/g, 'Patient');
    for (const method of r.method === 'ALL' ? ['GET', 'POST'] : [r.method]) {
      const key = `${method} ${path}`;
      if (!seen.has(key)) out.push({ method, path }) && seen.add(key);
    }
  }
  return out;
}
