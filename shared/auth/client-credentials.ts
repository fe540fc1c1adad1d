/**
 * The headers a CLI sends to a protected API: `ADNI_API_KEY` (the local stack's generated key) or
 * `ADNI_ACCESS_TOKEN` (an OIDC access token) as a bearer credential; none when neither is set (open local mode).
 *
 * @example
 * await fetch(`${api}/uploads`, { method: 'POST', headers: { 'content-type': 'application/json', ...apiCredentialHeaders() } });
 */
export function apiCredentialHeaders(env: Record<string, string | undefined> = process.env): Record<string, string> {
  const credential = env.ADNI_ACCESS_TOKEN?.trim() || env.ADNI_API_KEY?.trim();
  return credential ? { authorization: `Bearer ${credential}` } : {};
}
