import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UnsecuredJWT } from 'jose';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { createApiApp } from '../../shared/api/app.js';
import { openApiDocument } from '../../shared/api/openapi.js';
import { apiKeyVerifier } from '../../shared/auth/api-key-verifier.js';
import { jwtVerifier } from '../../shared/auth/jwt-verifier.js';
import { memoryFhirStore } from '../fhir/memory-store.js';
import { MemoryLogger } from '../support/recorders.js';
import { startTestIssuer, type TestIssuer } from './oidc-issuer.js';
import { routeTable } from './route-table.js';

let issuer: TestIssuer;
let app: Hono;
const API_KEY = 'k_' + 'a'.repeat(40);

beforeAll(async () => {
  issuer = await startTestIssuer();
  const store = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-auth-')), publicBaseUrl: 'http://127.0.0.1:8080' });
  app = createApiApp({
    store,
    logger: new MemoryLogger(),
    fhir: memoryFhirStore().store,
    auth: { verifiers: [apiKeyVerifier({ key: API_KEY, subject: 'api-key' }), jwtVerifier(issuer.config)] },
  });
});
afterAll(() => issuer?.close());

const registeredRoutes = (target: Hono) => routeTable(target, { patient: 'P001', session: '2024-01-01' });

const call = (method: string, url: string, headers: Record<string, string> = {}, body?: unknown) =>
  app.request(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });

describe('authentication on every route', () => {
  it('enumerates a real route table (the guard below is not vacuous)', () => {
    // Prepare / Act
    const routes = registeredRoutes(app);
    // Assess
    expect(routes.length).toBeGreaterThanOrEqual(9);
    expect(routes.map((r) => r.path)).toEqual(expect.arrayContaining(['/health', '/uploads', '/predict-progression', '/patients', '/reprocess', '/backfill']));
  });

  it('every registered route but /health answers 401 without a token', async () => {
    // Prepare
    const routes = registeredRoutes(app).filter((r) => r.path !== '/health');
    // Act
    const results = await Promise.all(routes.map(async (r) => ({ ...r, status: (await call(r.method, r.path, {}, r.method === 'GET' ? undefined : {})).status })));
    // Assess: a route added without protection shows up here by name
    expect(results.filter((r) => r.status !== 401)).toEqual([]);
  });

  it('/health stays public', async () => {
    expect((await call('GET', '/health')).status).toBe(200);
  });

  it('a refusal uses the API error shape and says which scheme', async () => {
    const response = await call('GET', '/patients');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="adni"');
    expect(await response.json()).toEqual({ error: { code: 'missing_token', message: expect.any(String) } });
  });
});

describe('JWT bearer tokens', () => {
  it.each([
    ['POST', '/predict-progression', 'predict', { patient_id: 'P001' }],
    ['POST', '/uploads', 'upload', { patient_id: 'P001', session_date: '2024-01-01' }],
    ['POST', '/reprocess', 'upload', { patient_id: 'P001' }],
    ['POST', '/backfill', 'upload', { dry_run: true }],
    ['GET', '/patients', 'read:patients', undefined],
    ['GET', '/patient-timeline/P001', 'read:patients', undefined],
    ['GET', '/outputs/P001/2024-01-01', 'read:patients', undefined],
  ])('%s %s: 403 without scope %s, through with it', async (method, url, scope, body) => {
    // Prepare
    const wrong = await issuer.token({ scope: 'openid profile' });
    const right = await issuer.token({ scope: `openid ${scope}` });
    // Act
    const refused = await call(method, url, { authorization: `Bearer ${wrong}` }, body);
    const allowed = await call(method, url, { authorization: `Bearer ${right}` }, body);
    // Assess
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).error).toEqual({ code: 'insufficient_scope', message: `this route needs the scope "${scope}"` });
    expect([401, 403]).not.toContain(allowed.status);
  });

  it.each<[string, () => Promise<string>, string]>([
    ['expired', () => issuer.token({ scope: 'read:patients', exp: Math.floor(Date.now() / 1000) - 60 }), 'expired_token'],
    ['signed by a key the issuer never published', () => issuer.token({ scope: 'read:patients' }, { key: issuer.foreignKey }), 'invalid_token'],
    ['signed by a foreign key under an unknown kid', () => issuer.token({ scope: 'read:patients' }, { key: issuer.foreignKey, kid: 'k2' }), 'invalid_token'],
    ['from another issuer', () => issuer.token({ scope: 'read:patients', iss: 'https://evil.example' }), 'invalid_token'],
    ['for another audience', () => issuer.token({ scope: 'read:patients', aud: 'other-api' }), 'invalid_token'],
    ['unsigned (alg none)', async () => new UnsecuredJWT({ sub: 'x', scope: 'read:patients', iss: issuer.config.issuer, aud: 'adni-api' }).setExpirationTime('5m').encode(), 'invalid_token'],
    ['with a tampered payload', async () => tamper(await issuer.token({ scope: 'upload' })), 'invalid_token'],
    ['not a JWT at all', async () => 'garbage', 'invalid_token'],
  ])('a token %s is 401', async (_name, make, code) => {
    // Prepare
    const token = await make();
    // Act
    const response = await call('GET', '/patients', { authorization: `Bearer ${token}` });
    // Assess
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).error.code).toBe(code);
  });

  it('accepts Cognito-style access tokens: client_id instead of aud, prefixed scopes', async () => {
    // Prepare
    const verify = jwtVerifier({ ...issuer.config, scopePrefix: 'adni/' });
    const token = await issuer.token({ aud: undefined, client_id: 'adni-api', scope: 'adni/predict other/upload' });
    // Act
    const principal = await verify(token);
    // Assess
    expect(principal).toMatchObject({ subject: 'user-1', via: 'jwt' });
    expect([...principal!.scopes]).toEqual(['predict']);
  });

  it('fetches the key set once for many requests', async () => {
    // Prepare
    const before = issuer.jwksRequests();
    const token = await issuer.token({ scope: 'read:patients' });
    // Act
    for (let i = 0; i < 5; i++) await call('GET', '/patients', { authorization: `Bearer ${token}` });
    // Assess
    expect(issuer.jwksRequests() - before).toBeLessThanOrEqual(1);
  });
});

describe('the OpenAPI document says what is enforced', () => {
  it('each documented operation needs exactly the scope its security entry names (403 without, through with)', async () => {
    // Prepare
    const doc = openApiDocument() as { paths: Record<string, Record<string, { security: { bearerAuth?: string[] }[] }>> };
    const none = await issuer.token({ scope: 'openid' });
    const checked: string[] = [];
    // Act / Assess
    for (const [template, methods] of Object.entries(doc.paths)) {
      const url = template.replace('{patient_id}', 'P001').replace('{session_date}', '2024-01-01').replace('{file}', 'qc/index.html');
      for (const [method, op] of Object.entries(methods)) {
        const scope = op.security[0]?.bearerAuth?.[0];
        const body = method === 'post' ? {} : undefined;
        if (template === '/health') {
          expect(op.security).toEqual([]);
          continue;
        }
        const without = (await call(method.toUpperCase(), url, { authorization: `Bearer ${none}` }, body)).status;
        const withScope = (await call(method.toUpperCase(), url, { authorization: `Bearer ${await issuer.token({ scope: scope ?? 'openid' })}` }, body)).status;
        // The operation's name rides along so a failure says which one.
        if (scope) expect([`${method} ${template}`, without]).toEqual([`${method} ${template}`, 403]);
        else expect([401, 403], `${method} ${template}`).not.toContain(without);
        expect([401, 403]).not.toContain(withScope);
        checked.push(`${method} ${template}`);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(8);
  });
});

describe('API keys', () => {
  it.each([
    ['authorization bearer', 200, { authorization: `Bearer ${API_KEY}` }],
    ['x-api-key', 200, { 'x-api-key': API_KEY }],
    ['a wrong key', 401, { 'x-api-key': API_KEY.slice(0, -1) + 'b' }],
  ])('%s → %i', async (_name, status, headers) => {
    expect((await call('GET', '/patients', headers)).status).toBe(status);
  });
});

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  claims.scope = 'upload predict read:patients';
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}
