/**
 * The smallest auth client google-gax's REST transport accepts (`getRequestHeaders` + gaxios-like `fetch`):
 * it adds a fixed bearer token and sends with Node's fetch, so the real client's HTTP/JSON requests reach a
 * loopback server without any token exchange.
 */
export class StaticGoogleAuth {
  constructor(private readonly token = 'test-token') {}
  async getRequestHeaders(): Promise<Headers> {
    return new Headers({ authorization: `Bearer ${this.token}` });
  }
  async fetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; signal?: AbortSignal }) {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.token}`);
    return fetch(url, { method: init.method, headers, body: init.body, signal: init.signal });
  }
}
