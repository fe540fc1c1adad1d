import { LoggerAuditSink } from '../audit/logger-audit-sink.js';
import type { AuditSink } from '../audit/audit-event.js';
import type { Logger } from '../ports/observability.js';
import type { ApiLimits } from './api-guards.js';
import { AuthConfigError, jwtAuthConfigFromEnv } from './auth-config.js';
import type { ApiAuth } from './auth-middleware.js';
import { jwtVerifier } from './jwt-verifier.js';
import { limitsFromEnv } from './limits-config.js';

/** What a cloud entry point adds to its API deps. */
export interface CloudGuards {
  auth: ApiAuth;
  audit: AuditSink;
  limits: ApiLimits;
}

/**
 * The guards of a cloud HTTP entry point: OIDC token verification is mandatory (AUTH_ISSUER and AUTH_AUDIENCE;
 * the gateway's authorizer is a second check, not the only one), audit records go to the function's log, and
 * the limits come from ADNI_* settings with a 300-request burst / 50 per second per client by default.
 * Throws {@link AuthConfigError} without AUTH_* so a deployment that forgot them answers 500 `misconfigured`,
 * never open.
 *
 * @example
 * export const handler = createHttpApiHandler(() => withCloudGuards(httpApiDepsFromEnv(), process.env));
 */
export function cloudGuardsFromEnv(env: Record<string, string | undefined>, logger: Logger): CloudGuards {
  const jwt = jwtAuthConfigFromEnv(env);
  if (!jwt) throw new AuthConfigError('AUTH_ISSUER and AUTH_AUDIENCE must be set: the API verifies every token itself');
  return {
    auth: { verifiers: [jwtVerifier(jwt)] },
    audit: new LoggerAuditSink(logger),
    limits: limitsFromEnv(env, { defaultRateLimit: { capacity: 300, refillPerSecond: 50 } }),
  };
}

/**
 * A cloud entry point's deps with its guards added.
 *
 * @example
 * const deps = withCloudGuards(await azureHttpDepsFromEnv(process.env), process.env);
 */
export function withCloudGuards<D extends { logger: Logger }>(deps: D, env: Record<string, string | undefined>): D & CloudGuards {
  return { ...deps, ...cloudGuardsFromEnv(env, deps.logger) };
}
