import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MedplumFhirStore } from './medplum-store.js';
import { FhirTimeoutError, withTimeout } from './timeout-fetch.js';

/** A loopback FHIR "server": `/silent/...` accepts requests and never answers; `/fhir/...` answers a Patient. */
let server: Server;
let base: string;
let silentRequests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/silent/')) {
      silentRequests++;
      return; // never answers
    }
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'Patient', id: 'p1' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('FHIR request timeouts', () => {
  it('a server that never answers fails the read with a clear error, each attempt bounded', async () => {
    // Prepare
    const store = new MedplumFhirStore({ baseUrl: `${base}/silent/R4`, timeoutMs: 300 });
    silentRequests = 0;
    // Act
    const read = store.read('Patient', 'p1');
    // Assess: Medplum retries twice (at most three bounded attempts), then the store's error says what happened
    await expect(read).rejects.toThrow(/^FHIR read failed: FHIR GET http:\/\/127\.0\.0\.1:\d+\/silent\/R4\/Patient\/p1 did not answer within 0\.3 s$/);
    // Under load an aborted attempt may never reach the server, so the server-side count is a range.
    expect(silentRequests).toBeGreaterThanOrEqual(1);
    expect(silentRequests).toBeLessThanOrEqual(3);
  });

  it('a server that answers in time is unaffected', async () => {
    // Prepare
    const store = new MedplumFhirStore({ baseUrl: `${base}/fhir/R4`, timeoutMs: 2_000 });
    // Act
    const patient = await store.read('Patient', 'p1');
    // Assess
    expect(patient).toMatchObject({ resourceType: 'Patient', id: 'p1' });
  });

  it("the caller's own abort stays an abort, not a timeout", async () => {
    // Prepare
    const fetch = withTimeout((url, options) => globalThis.fetch(url, options), 5_000);
    const caller = new AbortController();
    // Act
    const request = fetch(`${base}/silent/x`, { signal: caller.signal });
    setTimeout(() => caller.abort(), 50);
    // Assess
    const error = await request.catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(FhirTimeoutError);
    expect((error as Error).name).toBe('AbortError');
  });
});
