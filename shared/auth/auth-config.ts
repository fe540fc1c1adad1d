import { z } from 'zod';

/**
 * OIDC settings of the API. All optional as a group: none set means "no token verification configured";
 * a partial set is an error (a half-configured deployment must not silently run open).
 */
export const AuthEnvSchema = z
  .object({
    AUTH_ISSUER: z.url({ message: 'AUTH_ISSUER must be the issuer URL, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc' }).optional(),
    AUTH_AUDIENCE: z.string().min(1, 'AUTH_AUDIENCE must name the API audience (or Cognito app client id)').optional(),
    AUTH_JWKS_URL: z.url({ message: 'AUTH_JWKS_URL must be an http(s) URL' }).optional(),
    /** Prefix of the API's scopes in tokens, e.g. `adni/` for a Cognito resource server `adni`. */
    AUTH_SCOPE_PREFIX: z.string().max(200).default(''),
    /** Clock skew tolerated on exp/nbf, seconds. */
    AUTH_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  })
  .superRefine((env, ctx) => {
    const set = [env.AUTH_ISSUER, env.AUTH_AUDIENCE, env.AUTH_JWKS_URL].filter((v) => v !== undefined).length;
    if (set === 0) return;
    if (!env.AUTH_ISSUER) ctx.addIssue({ code: 'custom', path: ['AUTH_ISSUER'], message: 'AUTH_ISSUER is required when any AUTH_* setting is given' });
    if (!env.AUTH_AUDIENCE) ctx.addIssue({ code: 'custom', path: ['AUTH_AUDIENCE'], message: 'AUTH_AUDIENCE is required when any AUTH_* setting is given' });
  });

/** Verified OIDC settings. */
export interface JwtAuthConfig {
  issuer: string;
  audience: string;
  /** Default `<issuer>/.well-known/jwks.json` (Cognito's layout). */
  jwksUrl: string;
  scopePrefix: string;
  clockToleranceSeconds: number;
}

/** A bad AUTH_* environment; names the variables, never echoes values. */
export class AuthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthConfigError';
  }
}

/**
 * Reads AUTH_ISSUER / AUTH_AUDIENCE / AUTH_JWKS_URL (+ AUTH_SCOPE_PREFIX, AUTH_CLOCK_TOLERANCE_S).
 * Returns `undefined` when none is set; throws {@link AuthConfigError} for a partial or malformed set.
 *
 * @example
 * const config = jwtAuthConfigFromEnv(process.env); // { issuer, audience, jwksUrl, scopePrefix, clockToleranceSeconds } | undefined
 */
export function jwtAuthConfigFromEnv(env: Record<string, string | undefined>): JwtAuthConfig | undefined {
  const relevant = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('AUTH_') && v !== undefined && v !== ''));
  const parsed = AuthEnvSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new AuthConfigError(`invalid auth settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  if (!e.AUTH_ISSUER || !e.AUTH_AUDIENCE) return undefined;
  return {
    issuer: e.AUTH_ISSUER,
    audience: e.AUTH_AUDIENCE,
    jwksUrl: e.AUTH_JWKS_URL ?? `${e.AUTH_ISSUER.replace(/\/+$/, '')}/.well-known/jwks.json`,
    scopePrefix: e.AUTH_SCOPE_PREFIX,
    clockToleranceSeconds: e.AUTH_CLOCK_TOLERANCE_S,
  };
}
