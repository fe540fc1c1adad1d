import { headerRecord, type FetchFn } from './fetch-types.js';

/** An access token and when it stops working (ms since epoch). */
export interface AccessToken {
  token: string;
  expiresOnTimestamp: number;
}

/** Anything with `@azure/identity`'s `TokenCredential.getToken` shape. */
export interface TokenCredentialLike {
  getToken(scopes: string | string[]): Promise<AccessToken | null>;
}

/** Anything with google-auth-library's `GoogleAuth.getAccessToken` shape. */
export interface GoogleAuthLike {
  getAccessToken(): Promise<string | null | undefined>;
}

/**
 * A fetch that adds `Authorization: Bearer <token>`, asking `getToken` for a token when it has none or the one
 * it has expires within `refreshMarginMs` (default 5 minutes). Concurrent requests share one refresh.
 *
 * @example
 * const f = bearerFetch({ getToken: azureTokenSource(new DefaultAzureCredential(), `${origin}/.default`) });
 */
export function bearerFetch(options: { getToken: () => Promise<AccessToken>; fetch?: FetchFn; refreshMarginMs?: number; now?: () => number }): FetchFn {
  const send = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  let current: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;
  const token = async () => {
    if (current && current.expiresOnTimestamp - margin > now()) return current.token;
    pending ??= options.getToken().finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current.token;
  };
  return async (url, init = {}) => {
    const headers = headerRecord(init.headers);
    headers.authorization = `Bearer ${await token()}`;
    return send(url, { ...init, headers });
  };
}

/**
 * Tokens from an Entra ID credential (`DefaultAzureCredential`: managed identity, workload identity, CLI ...)
 * for Azure Health Data Services, whose scope is `<fhir service origin>/.default`.
 *
 * @example
 * azureTokenSource(new DefaultAzureCredential(), 'https://ws-fhir.fhir.azurehealthcareapis.com/.default')
 */
export function azureTokenSource(credential: TokenCredentialLike, scope: string): () => Promise<AccessToken> {
  return async () => {
    const token = await credential.getToken(scope);
    if (!token) throw new Error(`Entra ID returned no token for scope ${scope}`);
    return token;
  };
}

/**
 * Tokens from Google Application Default Credentials for the Cloud Healthcare API. google-auth-library caches
 * and refreshes them itself, so each is treated as good for one minute here.
 *
 * @example
 * googleTokenSource(new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-healthcare'] }))
 */
export function googleTokenSource(auth: GoogleAuthLike, now: () => number = Date.now): () => Promise<AccessToken> {
  return async () => {
    const token = await auth.getAccessToken();
    if (!token) throw new Error('Google Application Default Credentials returned no access token');
    return { token, expiresOnTimestamp: now() + 6 * 60_000 };
  };
}
