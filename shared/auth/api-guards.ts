import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { auditMiddleware } from '../audit/audit-middleware.js';
import type { AuditSink } from '../audit/audit-event.js';
import { apiError } from '../api/errors.js';
import type { Logger } from '../ports/observability.js';
import { authMiddleware, type ApiAuth } from './auth-middleware.js';
import { forwardedClientAddress } from './client-address.js';
import { rateLimit } from './rate-limit.js';

/** 1 MiB: the largest API body (a 1000-patient batch prediction) is ~30 KB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** FHIR transaction bundles (imports) are bigger. */
export const DEFAULT_MAX_FHIR_BODY_BYTES = 16 * 1024 * 1024;

/** Request limits of the API (`ApiDeps.limits`). */
export interface ApiLimits {
  /** Largest JSON body, bytes (default 1 MiB). `/local-store/` uploads stream with their own limit. */
  maxBodyBytes?: number;
  /** Largest body under `/fhir/R4` (default 16 MiB). */
  maxFhirBodyBytes?: number;
  /** Per-client token bucket; absent = no rate limit in the app. */
  rateLimit?: { capacity: number; refillPerSecond: number };
  /** Browser origins allowed to call the API (the dashboard's); absent = no CORS headers (same origin only). */
  corsOrigins?: string[];
  /** The caller's address; default from `x-forwarded-for` behind `trustedProxyHops` proxies. */
  clientAddress?: (c: Context) => string | undefined;
  /** Proxies in front that append to `x-forwarded-for` (default 1: the cloud gateway). */
  trustedProxyHops?: number;
}

export interface ApiGuardDeps {
  auth?: ApiAuth;
  audit?: AuditSink;
  limits?: ApiLimits;
  logger: Logger;
}

/**
 * Registers the API's guards on an app before any route, in this order: CORS (preflights answer before auth),
 * rate limit (also slows token guessing), audit (so refused requests are recorded too), authentication and
 * scopes, body size. Must run first in `createApiApp`: hono runs middleware in registration order.
 *
 * @example
 * const app = new Hono();
 * applyApiGuards(app, { auth, audit, limits: { corsOrigins: ['https://dash.example.org'] }, logger });
 */
export function applyApiGuards(app: Hono, deps: ApiGuardDeps): void {
  const limits = deps.limits ?? {};
  const clientAddress = limits.clientAddress ?? forwardedClientAddress(limits.trustedProxyHops);
  if (limits.corsOrigins) {
    const allowed = new Set(limits.corsOrigins);
    app.use(
      '*',
      cors({
        origin: (origin) => (allowed.has(origin) ? origin : null),
        allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'],
        allowHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id'],
        exposeHeaders: ['retry-after', 'etag'],
        maxAge: 600,
      }),
    );
  }
  if (limits.rateLimit) app.use('*', rateLimit({ ...limits.rateLimit, keyOf: (c) => clientAddress(c) ?? 'unknown' }));
  if (deps.audit) app.use('*', auditMiddleware({ sink: deps.audit, clientAddress, logger: deps.logger }));
  if (deps.auth) app.use('*', authMiddleware({ logger: deps.logger, ...deps.auth }));
  const tooLarge = (max: number) => (c: Context) => apiError(c, 413, 'payload_too_large', `request body exceeds the limit of ${max} bytes`);
  const apiMax = limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const fhirMax = limits.maxFhirBodyBytes ?? DEFAULT_MAX_FHIR_BODY_BYTES;
  const apiBody = bodyLimit({ maxSize: apiMax, onError: tooLarge(apiMax) });
  const fhirBody = bodyLimit({ maxSize: fhirMax, onError: tooLarge(fhirMax) });
  app.use('*', async (c, next) => {
    const path = new URL(c.req.url).pathname;
    // Presigned uploads stream to disk under their own (GiB) limit; they are never buffered.
    if (path.startsWith('/local-store/')) return next();
    return (path.startsWith('/fhir/') ? fhirBody : apiBody)(c, next);
  });
}
