import type { AccessToken, TokenCredential } from '@azure/core-auth';

/** A credential that hands out a fixed token and records the scopes asked for (tests against loopback ARM). */
export class StaticTokenCredential implements TokenCredential {
  readonly scopes: string[] = [];
  constructor(private readonly token = 'test-token') {}
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return { token: this.token, expiresOnTimestamp: Date.now() + 3600_000 };
  }
}
