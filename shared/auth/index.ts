export { applyApiGuards, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_FHIR_BODY_BYTES, type ApiGuardDeps, type ApiLimits } from './api-guards.js';
export { apiKeyVerifier, type ApiKeyVerifierOptions } from './api-key-verifier.js';
export { AuthConfigError, AuthEnvSchema, jwtAuthConfigFromEnv, type JwtAuthConfig } from './auth-config.js';
export { authMiddleware, principalOf, type ApiAuth } from './auth-middleware.js';
export { forwardedClientAddress } from './client-address.js';
export { jwtVerifier } from './jwt-verifier.js';
export { AuthFailure, SCOPES, type CredentialVerifier, type Principal, type Scope } from './principal.js';
export { rateLimit, type RateLimitOptions } from './rate-limit.js';
export { requiredScope, ROUTE_SCOPES, type ScopeRule } from './route-scopes.js';
