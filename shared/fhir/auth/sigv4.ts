import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { headerRecord, type FetchFn } from './fetch-types.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface SigV4Options {
  region: string;
  /** `healthlake` for AWS HealthLake. */
  service: string;
  /** Static credentials or a provider (the SDK's default chain in production; it refreshes them). */
  credentials: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Add `x-amz-content-sha256` (default true; the AWS test suite's vectors are computed without it). */
  applyChecksum?: boolean;
  /** Signing time (tests pin it). */
  now?: () => Date;
}

export interface SignableRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Signs one request with AWS Signature Version 4 and returns the headers to send (`authorization`,
 * `x-amz-date`, `x-amz-security-token` where the credentials have a session token, and the originals).
 *
 * @example
 * const headers = await signRequest({ method: 'GET', url: 'https://healthlake.us-east-1.amazonaws.com/datastore/x/r4/Patient' },
 *   { region: 'us-east-1', service: 'healthlake', credentials });
 */
export async function signRequest(request: SignableRequest, options: SigV4Options): Promise<Record<string, string>> {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service,
    sha256: Sha256,
    applyChecksum: options.applyChecksum ?? true,
  });
  const signed = await signer.sign(
    {
      method: request.method.toUpperCase(),
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: decodeURIComponent(url.pathname),
      query,
      headers: { ...request.headers, host: url.host },
      body: request.body,
    },
    { signingDate: options.now?.() },
  );
  return signed.headers as Record<string, string>;
}

/**
 * A fetch that SigV4-signs every request (AWS HealthLake: service `healthlake`).
 *
 * @example
 * const store = new MedplumFhirStore({ baseUrl, fetch: sigv4Fetch({ region, service: 'healthlake', credentials: fromNodeProviderChain() }) });
 */
export function sigv4Fetch(options: SigV4Options & { fetch?: FetchFn }): FetchFn {
  const send = options.fetch ?? fetch;
  return async (url, init = {}) => {
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      throw new Error('sigv4Fetch signs string bodies only (FHIR JSON)');
    }
    const headers = await signRequest({ method: init.method ?? 'GET', url, headers: headerRecord(init.headers), body }, options);
    delete headers.host; // fetch sets Host from the URL, which is what was signed
    return send(url, { ...init, headers });
  };
}
