const KEY = 'adni.accessToken';

/**
 * The access token the dashboard sends as `Authorization: Bearer` (the local API key, or a token from the
 * deployment's identity provider). Kept for this browser tab only (sessionStorage), never in the URL.
 *
 * @example
 * saveToken('adni_…'); authHeaders() // { authorization: 'Bearer adni_…' }
 */
export function readToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) || undefined;
  } catch {
    return undefined;
  }
}

export function saveToken(token: string | undefined): void {
  try {
    if (token) sessionStorage.setItem(KEY, token.trim());
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage disabled: the token lasts until the page reloads, through the caller's state.
  }
}

export function authHeaders(token = readToken()): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Raised on `window` when the API answered 401, so the shell can ask for a token. */
export const UNAUTHORIZED_EVENT = 'adni:unauthorized';
