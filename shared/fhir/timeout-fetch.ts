import type { FetchLike } from '@medplum/core';

/** Default bound on one FHIR request: status writes and timeline reads are small; a silent server must not hang a job. */
export const DEFAULT_FHIR_TIMEOUT_MS = 30_000;

/** Thrown when a FHIR server accepted a request but did not answer in time. */
export class FhirTimeoutError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`FHIR ${method} ${url} did not answer within ${timeoutMs / 1000} s`);
    this.name = 'FhirTimeoutError';
  }
}

/**
 * Wraps a fetch (plain, SigV4-signed or bearer) so every request gives up after `timeoutMs`, keeping any
 * signal the caller passed. Each attempt is bounded: Medplum's client retries a failed attempt twice.
 *
 * @example
 * const fetch = withTimeout(sigV4Fetch, 10_000);
 * new MedplumFhirStore({ baseUrl, fetch });
 */
export function withTimeout(fetch: FetchLike, timeoutMs: number = DEFAULT_FHIR_TIMEOUT_MS): FetchLike {
  return async (url: string, options?: any) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      return await fetch(url, { ...options, signal });
    } catch (error) {
      if (timeout.aborted && !options?.signal?.aborted) throw new FhirTimeoutError(options?.method ?? 'GET', url, timeoutMs);
      throw error;
    }
  };
}
