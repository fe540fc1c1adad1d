import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { createApiApp, type ApiDeps } from '../../shared/api/app.js';
import { forwardedClientAddress } from '../../shared/auth/client-address.js';
import { limitsFromEnv } from '../../shared/auth/limits-config.js';
import { rateLimit } from '../../shared/auth/rate-limit.js';
import { MemoryLogger } from '../support/recorders.js';

async function makeApp(limits: ApiDeps['limits']) {
  const store = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-limits-')), publicBaseUrl: 'http://127.0.0.1:8080' });
  return createApiApp({ store, logger: new MemoryLogger(), limits });
}

describe('body size limit', () => {
  it.each([
    ['a declared length over the limit', { 'content-length': '2048' }, 'x'.repeat(2048)],
    ['a streamed body without a length', {}, new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('{"a":"' + 'x'.repeat(4096) + '"}')), c.close()) })],
  ])('%s is 413 in the API error shape', async (_name, headers, body) => {
    // Prepare
    const app = await makeApp({ maxBodyBytes: 1024 });
    // Act
    const response = await app.request('/uploads', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, duplex: 'half' } as RequestInit);
    // Assess
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { code: 'payload_too_large', message: 'request body exceeds the limit of 1024 bytes' } });
  });

  it('a body under the limit goes through', async () => {
    const app = await makeApp({ maxBodyBytes: 1024 });
    const response = await app.request('/uploads', { method: 'POST', body: JSON.stringify({ patient_id: 'P1', session_date: '2024-01-01' }) });
    expect(response.status).toBe(201);
  });

  it('is on by default (1 MiB) even without limits configured', async () => {
    const app = await makeApp(undefined);
    const response = await app.request('/uploads', { method: 'POST', headers: { 'content-length': String(2 * 1024 * 1024) }, body: 'x'.repeat(2 * 1024 * 1024) });
    expect(response.status).toBe(413);
  });
});

describe('rate limit (token bucket per client)', () => {
  it('answers 429 with retry-after once a client spent its burst, refills over time, and keeps clients apart', async () => {
    // Prepare
    let now = 0;
    const app = new Hono();
    app.use('*', rateLimit({ capacity: 3, refillPerSecond: 1, keyOf: (c) => c.req.header('x-client') ?? '?', now: () => now }));
    app.get('/x', (c) => c.text('ok'));
    const get = async (client: string) => (await app.request('/x', { headers: { 'x-client': client } })).status;
    // Act
    const burst = [await get('a'), await get('a'), await get('a'), await get('a')];
    const other = await get('b');
    const limited = await app.request('/x', { headers: { 'x-client': 'a' } });
    now += 1000;
    const afterOneSecond = [await get('a'), await get('a')];
    // Assess
    expect(burst).toEqual([200, 200, 200, 429]);
    expect(other).toBe(200);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(afterOneSecond).toEqual([200, 429]);
  });

  it('through the API: /health is never limited, other routes are, per address', async () => {
    // Prepare
    const app = await makeApp({ rateLimit: { capacity: 2, refillPerSecond: 0.001 }, clientAddress: (c) => c.req.header('x-test-ip') });
    const get = async (url: string, ip: string) => (await app.request(url, { headers: { 'x-test-ip': ip } })).status;
    // Act
    const statuses = [await get('/openapi.json', '1.1.1.1'), await get('/openapi.json', '1.1.1.1'), await get('/openapi.json', '1.1.1.1'), await get('/health', '1.1.1.1'), await get('/openapi.json', '2.2.2.2')];
    // Assess
    expect(statuses).toEqual([200, 200, 429, 200, 200]);
  });

  it('holds at most maxClients buckets: with everyone mid-burst the oldest is forgotten, so memory stays bounded', async () => {
    // Prepare
    const app = new Hono();
    let seen = 0;
    app.use('*', rateLimit({ capacity: 1, refillPerSecond: 0.0001, maxClients: 100, keyOf: (c) => c.req.header('x-client')! }));
    app.get('/x', (c) => (seen++, c.text('ok')));
    // Act: 1000 distinct clients, then the first one again (its bucket was evicted, so it is served)
    for (let i = 0; i < 1000; i++) await app.request('/x', { headers: { 'x-client': `c${i}` } });
    const first = await app.request('/x', { headers: { 'x-client': 'c0' } });
    // Assess
    expect(first.status).toBe(200);
    expect(seen).toBe(1001);
  });
});

describe('client address behind proxies', () => {
  it.each([
    [1, '6.6.6.6, 203.0.113.7', '203.0.113.7'],
    [2, '6.6.6.6, 203.0.113.7, 198.51.100.1', '203.0.113.7'],
    [1, '203.0.113.7', '203.0.113.7'],
    [3, '203.0.113.7', '203.0.113.7'],
  ])('%i trusted hop(s), x-forwarded-for "%s" → %s', async (hops, header, expected) => {
    // Prepare
    const app = new Hono().get('/', (c) => c.text(forwardedClientAddress(hops)(c) ?? '-'));
    // Act
    const address = await (await app.request('/', { headers: { 'x-forwarded-for': header } })).text();
    // Assess
    expect(address).toBe(expected);
  });

  it('a client cannot dodge the rate limit by writing its own first hop', async () => {
    // Prepare
    const app = await makeApp({ rateLimit: { capacity: 1, refillPerSecond: 0.001 } });
    // Act
    const first = await app.request('/openapi.json', { headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' } });
    const second = await app.request('/openapi.json', { headers: { 'x-forwarded-for': '7.7.7.7, 203.0.113.7' } });
    // Assess
    expect([first.status, second.status]).toEqual([200, 429]);
  });
});

describe('CORS', () => {
  const origin = 'https://dash.example.org';
  it.each([
    ['the dashboard origin', origin, origin],
    ['another origin', 'https://evil.example', null],
  ])('a preflight from %s gets allow-origin %s', async (_name, from, allowed) => {
    // Prepare
    const app = await makeApp({ corsOrigins: [origin] });
    // Act
    const response = await app.request('/predict-progression', {
      method: 'OPTIONS',
      headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    // Assess
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    if (allowed) expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('without a configured origin no CORS header is sent (same origin only)', async () => {
    const app = await makeApp({});
    const response = await app.request('/health', { headers: { origin } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('limitsFromEnv', () => {
  const fallback = { capacity: 300, refillPerSecond: 50 };
  it.each([
    [{}, {}],
    [{}, { rateLimit: fallback }, fallback],
    [{ ADNI_RATE_LIMIT_BURST: '0' }, {}, fallback],
    [{ ADNI_RATE_LIMIT_BURST: '20', ADNI_RATE_LIMIT_PER_SECOND: '2' }, { rateLimit: { capacity: 20, refillPerSecond: 2 } }],
    [{ ADNI_CORS_ORIGINS: 'https://a.example/, https://b.example' }, { corsOrigins: ['https://a.example', 'https://b.example'] }],
    [{ ADNI_MAX_BODY_BYTES: '2048' }, { maxBodyBytes: 2048 }],
    [{ ADNI_TRUSTED_PROXY_HOPS: '2' }, { trustedProxyHops: 2 }],
  ])('%j → %j', (env, expected, defaultRateLimit?: typeof fallback) => {
    expect(limitsFromEnv(env, { defaultRateLimit })).toEqual(expected);
  });

  it.each([[{ ADNI_MAX_BODY_BYTES: 'lots' }], [{ ADNI_RATE_LIMIT_PER_SECOND: '0' }], [{ ADNI_CORS_ORIGINS: 'dash.example' }]])('%j is rejected with the name', (env) => {
    expect(() => limitsFromEnv(env)).toThrow(Object.keys(env)[0]);
  });
});
