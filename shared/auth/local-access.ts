import { randomBytes } from 'node:crypto';
import { loadOrCreateApiKey, isLoopbackHost, type ApiKeyFile } from './api-key-file.js';
import { apiKeyVerifier } from './api-key-verifier.js';
import type { JwtAuthConfig } from './auth-config.js';
import type { ApiAuth } from './auth-middleware.js';
import { jwtVerifier } from './jwt-verifier.js';
import type { CredentialVerifier } from './principal.js';

export interface LocalAccessOptions {
  host: string;
  dataDir: string;
  /** OIDC settings (from AUTH_*), if any. */
  jwt?: JwtAuthConfig;
  /** Default: required exactly when `host` is not loopback. */
  requireApiKey?: boolean;
}

/** How the one-machine API is protected. */
export interface LocalAccess {
  /** `open`: loopback without AUTH_* settings, anyone on this machine may call it. */
  mode: 'open' | 'api-key' | 'oidc' | 'oidc+api-key';
  auth?: ApiAuth;
  apiKey?: ApiKeyFile;
  /** Environment for job processes so they can still write status to the embedded FHIR server. */
  jobEnv: Record<string, string>;
}

/**
 * Requests that need no credential on the local server: presigned store URLs (their signature is the
 * credential) and the dashboard's static files (hash-routed, so only `/`, `/index.html`, `/assets/*`).
 */
export function isLocalPublic(method: string, path: string): boolean {
  if (path.startsWith('/local-store/')) return true;
  if (method !== 'GET' && method !== 'HEAD') return false;
  return path === '/' || path === '/index.html' || path === '/favicon.ico' || path.startsWith('/assets/');
}

/**
 * Decides the local stack's protection: open on loopback without AUTH_*, an API key (generated once into the
 * data dir) when bound beyond loopback, OIDC tokens when AUTH_* is set, both when both apply. When protected,
 * job processes get a per-start key of their own (FHIR read/write only), never printed or stored.
 *
 * @example
 * const access = await localAccess({ host: '0.0.0.0', dataDir });
 * access.mode // 'api-key'; access.apiKey.created → print access.apiKey.key once
 */
export async function localAccess(options: LocalAccessOptions): Promise<LocalAccess> {
  const requireApiKey = options.requireApiKey ?? !isLoopbackHost(options.host);
  if (!requireApiKey && !options.jwt) return { mode: 'open', jobEnv: {} };
  const verifiers: CredentialVerifier[] = [];
  const apiKey = requireApiKey ? await loadOrCreateApiKey(options.dataDir) : undefined;
  if (apiKey) verifiers.push(apiKeyVerifier({ key: apiKey.key, subject: 'api-key' }));
  const jobKey = `adni_job_${randomBytes(32).toString('base64url')}`;
  verifiers.push(apiKeyVerifier({ key: jobKey, subject: 'job', via: 'internal', scopes: ['read:patients', 'write:patients'] }));
  if (options.jwt) verifiers.push(jwtVerifier(options.jwt));
  return {
    mode: options.jwt ? (apiKey ? 'oidc+api-key' : 'oidc') : 'api-key',
    auth: { verifiers, isPublic: isLocalPublic },
    ...(apiKey ? { apiKey } : {}),
    jobEnv: { FHIR_AUTH: 'token', FHIR_TOKEN: jobKey },
  };
}
