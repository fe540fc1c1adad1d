import { afterEach, describe, expect, it } from 'vitest';
import { recordingServer } from '../../../test/fhir/loopback.js';
import { MedplumFhirStore } from '../medplum-store.js';
import { azureTokenSource, bearerFetch, googleTokenSource, type AccessToken } from './bearer.js';
import { signRequest, sigv4Fetch } from './sigv4.js';

// AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite): fixed credentials, date and scope.
const SUITE = {
  region: 'us-east-1',
  service: 'service',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  applyChecksum: false,
  now: () => new Date('2015-08-30T12:36:00Z'),
};
const SCOPE = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=';

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

describe('SigV4 signing', () => {
  it.each([
    ['get-vanilla', 'https://example.amazonaws.com/', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    ['get-vanilla-query-order-key-case', 'https://example.amazonaws.com/?Param2=value2&Param1=value1', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'],
  ])('matches the AWS test suite vector %s', async (_name, url, signature) => {
    // Act
    const headers = await signRequest({ method: 'GET', url }, SUITE);
    // Assess
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(SCOPE + signature);
  });

  it('sigv4Fetch sends a signature that verifies for the request the server received', async () => {
    // Prepare
    const server = await recordingServer();
    servers.push(server);
    const options = { ...SUITE, service: 'healthlake', applyChecksum: true, credentials: { ...SUITE.credentials, sessionToken: 'SESSION' } };
    const body = JSON.stringify({ resourceType: 'Patient' });
    // Act
    await sigv4Fetch(options)(`${server.url}/datastore/x/r4/Patient?identifier=a%7Cb`, { method: 'POST', body, headers: { 'content-type': 'application/fhir+json' } });
    // Assess: re-sign what arrived; a tampered path, query, body or header would give another signature.
    const got = server.requests[0];
    const again = await signRequest(
      { method: got.method, url: `${server.url}${got.url}`, headers: { 'content-type': String(got.headers['content-type']) }, body: got.body },
      options,
    );
    expect(got.headers.authorization).toBe(again.authorization);
    expect(got.headers.authorization).toContain('/us-east-1/healthlake/aws4_request');
    expect(got.headers['x-amz-security-token']).toBe('SESSION');
    expect(got.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('bearer token fetch', () => {
  it('asks an Entra ID credential once per token lifetime, for the configured scope', async () => {
    // Prepare
    const server = await recordingServer();
    servers.push(server);
    let clock = 1_000_000;
    const scopes: (string | string[])[] = [];
    const credential = {
      async getToken(scope: string | string[]): Promise<AccessToken> {
        scopes.push(scope);
        return { token: `t${scopes.length}`, expiresOnTimestamp: clock + 3_600_000 };
      },
    };
    const f = bearerFetch({ getToken: azureTokenSource(credential, 'https://ws-fhir.fhir.azurehealthcareapis.com/.default'), now: () => clock });
    // Act
    await Promise.all([f(`${server.url}/Patient`), f(`${server.url}/Patient`)]);
    clock += 3_600_000 - 60_000; // within the 5-minute margin: refresh
    await f(`${server.url}/Patient`);
    // Assess
    expect(scopes).toEqual(['https://ws-fhir.fhir.azurehealthcareapis.com/.default', 'https://ws-fhir.fhir.azurehealthcareapis.com/.default']);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t2']);
  });

  it('uses Google ADC tokens and fails clearly when there is none', async () => {
    // Prepare
    const server = await recordingServer();
    servers.push(server);
    const good = bearerFetch({ getToken: googleTokenSource({ getAccessToken: async () => 'ya29.token' }) });
    const none = bearerFetch({ getToken: googleTokenSource({ getAccessToken: async () => null }) });
    // Act
    await good(`${server.url}/Patient`);
    // Assess
    expect(server.requests[0].headers.authorization).toBe('Bearer ya29.token');
    await expect(none(`${server.url}/Patient`)).rejects.toThrow(/no access token/);
  });

  it('MedplumFhirStore sends its requests through the auth fetch', async () => {
    // Prepare
    const server = await recordingServer(() => ({ status: 200, body: { resourceType: 'Bundle', type: 'searchset', entry: [] } }));
    servers.push(server);
    const store = new MedplumFhirStore({
      baseUrl: `${server.url}/v1/projects/p/locations/l/datasets/d/fhirStores/s/fhir`,
      fetch: bearerFetch({ getToken: async () => ({ token: 'abc', expiresOnTimestamp: Date.now() + 3_600_000 }) }),
    });
    // Act
    await store.search('Patient', 'identifier=x%7Cy');
    // Assess
    expect(server.requests[0].url).toBe('/v1/projects/p/locations/l/datasets/d/fhirStores/s/fhir/Patient?identifier=x%7Cy');
    expect(server.requests[0].headers.authorization).toBe('Bearer abc');
  });
});
