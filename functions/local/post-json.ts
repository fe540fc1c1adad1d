import { apiCredentialHeaders } from '../../shared/auth/client-credentials.js';

export interface PostJsonOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:8080. */
  api: string;
  /** Route path, e.g. `/reprocess`. */
  path: string;
  body: unknown;
  /** Give up after this long (default 60 s): a server that accepts and never answers must not hang the CLI. */
  timeoutMs?: number;
  /** Where ADNI_API_KEY / ADNI_ACCESS_TOKEN are read from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

export interface PostJsonResult {
  status: number;
  body: any;
}

/**
 * POSTs JSON to the API with the CLI's credentials and a timeout, and parses the answer. Unreachable
 * servers and timeouts become errors that say which URL and what to check; HTTP errors are returned.
 *
 * @example
 * const { status, body } = await postJson({ api: 'http://127.0.0.1:8080', path: '/reprocess', body: { patient_id: 'P001' } });
 */
export async function postJson(options: PostJsonOptions): Promise<PostJsonResult> {
  const base = options.api.replace(/\/+$/, '');
  const url = `${base}${options.path}`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...apiCredentialHeaders(options.env) },
      body: JSON.stringify(options.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, body: await response.json().catch(() => ({})) };
  } catch (error) {
    const e = error as Error;
    if (e.name === 'TimeoutError') throw new Error(`POST ${url} timed out after ${timeoutMs / 1000} s (the API accepted the connection but did not answer)`);
    throw new Error(`cannot reach the API at ${base} (is \`npm start\` running?): ${e.cause ?? e.message}`);
  }
}

/** The API's `{ error: { message } }`, or a generic phrase. */
export function apiErrorMessage(body: any): string {
  return typeof body?.error?.message === 'string' ? body.error.message : 'unexpected answer';
}
