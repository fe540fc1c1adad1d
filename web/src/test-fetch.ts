/** A recorded request of {@link routeFetch}. */
export interface RecordedRequest {
  method: string;
  path: string;
  body?: unknown;
  /** The authorization header, when one was sent. */
  authorization?: string;
}

type Answer = { status?: number; json: unknown } | ((request: RecordedRequest) => { status?: number; json: unknown });

/**
 * A `fetch` for component tests that answers `METHOD /path` from a table with real `Response`s and records
 * every request (the views' network edge; the routes themselves are tested against the real API).
 *
 * @example
 * const { fetch, requests } = routeFetch({ 'GET /patients': { json: { patients: [], total: 0 } } });
 */
export function routeFetch(routes: Record<string, Answer>) {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://dashboard.test');
    const method = init?.method ?? 'GET';
    const authorization = new Headers(init?.headers).get('authorization') ?? undefined;
    const request: RecordedRequest = { method, path: url.pathname + url.search, body: init?.body ? JSON.parse(String(init.body)) : undefined, ...(authorization ? { authorization } : {}) };
    requests.push(request);
    const answer = routes[`${method} ${url.pathname + url.search}`] ?? routes[`${method} ${url.pathname}`];
    if (!answer) return new Response(JSON.stringify({ error: { code: 'not_found', message: `no route for ${method} ${url.pathname}` } }), { status: 404 });
    const { status = 200, json } = typeof answer === 'function' ? answer(request) : answer;
    return new Response(JSON.stringify(json), { status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}
