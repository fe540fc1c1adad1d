import { createHash, timingSafeEqual } from 'node:crypto';
import { SCOPES, type CredentialVerifier, type Principal } from './principal.js';

export interface ApiKeyVerifierOptions {
  key: string;
  /** Recorded as the actor in the audit log. */
  subject: string;
  via?: Principal['via'];
  /** Default every scope (the key is the operator's). */
  scopes?: readonly string[];
}

/**
 * Accepts exactly one static key (the local stack's generated API key, or the key its job processes get).
 * Compares digests in constant time so the key cannot be guessed byte by byte from response times.
 *
 * @example
 * const verify = apiKeyVerifier({ key, subject: 'api-key' });
 * await verify(key); // { subject: 'api-key', scopes: Set(4), via: 'api-key' }
 */
export function apiKeyVerifier(options: ApiKeyVerifierOptions): CredentialVerifier {
  const expected = digest(options.key);
  const principal: Principal = { subject: options.subject, scopes: new Set(options.scopes ?? SCOPES), via: options.via ?? 'api-key' };
  return async (credential) => (timingSafeEqual(digest(credential), expected) ? principal : undefined);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
