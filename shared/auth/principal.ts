/** The scopes the API knows. Unmapped routes need a valid credential and no particular scope. */
export const SCOPES = ['predict', 'read:patients', 'upload', 'write:patients'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who made a request, once a credential was verified. */
export interface Principal {
  /** Token `sub` (or `client_id` for machine tokens), `api-key` or `job`: what the audit log records as the actor. */
  subject: string;
  /** Scopes granted (without any issuer prefix). */
  scopes: ReadonlySet<string>;
  /** Which verifier accepted the credential. */
  via: 'jwt' | 'api-key' | 'internal';
}

/** Why a credential was refused; the message goes to the client (never the token itself). */
export class AuthFailure extends Error {
  constructor(
    readonly code: 'missing_token' | 'invalid_token' | 'expired_token',
    message: string,
  ) {
    super(message);
    this.name = 'AuthFailure';
  }
}

/**
 * Checks one presented credential. Returns the principal, `undefined` when the credential is not of this
 * verifier's kind (the next verifier gets a turn), or throws {@link AuthFailure} when it is of its kind but bad.
 */
export type CredentialVerifier = (credential: string) => Promise<Principal | undefined>;
