import type { Context, MiddlewareHandler } from 'hono';
import { apiError } from '../api/errors.js';
import type { Logger } from '../ports/observability.js';
import { AuthFailure, type CredentialVerifier, type Principal } from './principal.js';
import { requiredScope as defaultRequiredScope } from './route-scopes.js';

/** How the API authenticates requests (`ApiDeps.auth`). */
export interface ApiAuth {
  /** Tried in order; the first that recognises the credential decides. */
  verifiers: CredentialVerifier[];
  /** Requests that need no credential. `/health` and CORS preflights are always public. */
  isPublic?: (method: string, path: string) => boolean;
  /** Scope per route; default {@link defaultRequiredScope}. */
  requiredScope?: (method: string, path: string) => string | undefined;
  logger?: Logger;
}

const PRINCIPAL = 'adni.principal';

/** The verified caller of this request, if the auth middleware ran and accepted one. */
export function principalOf(c: Context): Principal | undefined {
  return c.get(PRINCIPAL as never) as Principal | undefined;
}

/**
 * Bearer (`Authorization: Bearer …`) or `x-api-key` authentication for every route but the public ones:
 * 401 `missing_token` / `invalid_token` / `expired_token`, 403 `insufficient_scope`, in the API's error shape.
 *
 * @example
 * app.use('*', authMiddleware({ verifiers: [jwtVerifier(config)] }));
 */
export function authMiddleware(auth: ApiAuth): MiddlewareHandler {
  const scopeOf = auth.requiredScope ?? defaultRequiredScope;
  return async (c, next) => {
    const method = c.req.method;
    const path = new URL(c.req.url).pathname;
    if (path === '/health' || method === 'OPTIONS' || auth.isPublic?.(method, path)) return next();
    const credential = credentialOf(c);
    if (!credential) return deny(c, 401, 'missing_token', 'this route needs a bearer token (Authorization: Bearer <token>) or x-api-key');
    let principal: Principal | undefined;
    try {
      for (const verify of auth.verifiers) {
        principal = await verify(credential);
        if (principal) break;
      }
    } catch (error) {
      if (!(error instanceof AuthFailure)) throw error;
      auth.logger?.warn('request refused', { reason: error.code, path });
      return deny(c, 401, error.code, error.message);
    }
    if (!principal) {
      auth.logger?.warn('request refused', { reason: 'invalid_token', path });
      return deny(c, 401, 'invalid_token', 'the credential is not valid for this API');
    }
    const needed = scopeOf(method, path);
    if (needed && !principal.scopes.has(needed)) {
      auth.logger?.warn('request refused', { reason: 'insufficient_scope', path, subject: principal.subject });
      return apiError(c, 403, 'insufficient_scope', `this route needs the scope "${needed}"`);
    }
    c.set(PRINCIPAL as never, principal as never);
    return next();
  };
}

function credentialOf(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  return bearer ?? (c.req.header('x-api-key')?.trim() || undefined);
}

function deny(c: Context, status: 401, code: string, message: string) {
  // RFC 6750: say which scheme is expected; an error code only when a credential was sent and refused.
  c.header('www-authenticate', code === 'missing_token' ? 'Bearer realm="adni"' : 'Bearer realm="adni", error="invalid_token"');
  return apiError(c, status, code, message);
}
