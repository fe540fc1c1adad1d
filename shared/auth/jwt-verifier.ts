import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { JwtAuthConfig } from './auth-config.js';
import { AuthFailure, type CredentialVerifier, type Principal } from './principal.js';

/** Asymmetric algorithms only: an `alg: none` or HMAC token signed with a public key is refused. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies OIDC access tokens (three dot-separated parts) against the issuer's JWKS: signature, `iss`,
 * `exp`/`nbf`, and audience (`aud`, or `client_id` for Cognito access tokens, which carry no `aud`).
 * Scopes come from `scope` (space separated) or `scp` (Entra ID, string or array), minus the configured prefix.
 *
 * @example
 * const verify = jwtVerifier({ issuer, audience, jwksUrl, scopePrefix: 'adni/', clockToleranceSeconds: 30 });
 * const principal = await verify(token); // { subject, scopes, via: 'jwt' }
 */
export function jwtVerifier(config: JwtAuthConfig, options: { timeoutMs?: number } = {}): CredentialVerifier {
  // jose caches the key set and refetches on an unknown `kid` (key rotation), at most every 30 s.
  const keys = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: options.timeoutMs ?? 5000 });
  return async (credential) => {
    if (credential.split('.').length !== 3) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(credential, keys, {
        issuer: config.issuer,
        algorithms: ALGORITHMS,
        clockTolerance: config.clockToleranceSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AuthFailure('expired_token', 'the access token has expired');
      if (error instanceof errors.JWKSTimeout || (error instanceof Error && error.name === 'TypeError')) {
        // The issuer's key set could not be fetched: the token is not accepted, and the reason is ours, not theirs.
        throw new AuthFailure('invalid_token', 'the access token could not be verified (key set unavailable)');
      }
      throw new AuthFailure('invalid_token', 'the access token is not valid for this API');
    }
    if (!audienceMatches(payload, config.audience)) throw new AuthFailure('invalid_token', 'the access token is not valid for this API');
    return principalOf(payload, config.scopePrefix);
  };
}

function audienceMatches(payload: JWTPayload, audience: string): boolean {
  const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (aud.length > 0) return aud.includes(audience);
  return payload.client_id === audience;
}

function principalOf(payload: JWTPayload, prefix: string): Principal {
  const raw = [payload.scope, payload.scp].flatMap((s) => (typeof s === 'string' ? s.split(' ') : Array.isArray(s) ? s.filter((x): x is string => typeof x === 'string') : []));
  const scopes = new Set(raw.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length)).filter(Boolean));
  const subject = typeof payload.sub === 'string' ? payload.sub : typeof payload.client_id === 'string' ? payload.client_id : 'unknown';
  return { subject, scopes, via: 'jwt' };
}
