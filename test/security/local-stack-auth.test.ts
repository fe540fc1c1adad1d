import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadViaApi } from '../../functions/local/upload-session.js';
import type { LocalStack } from '../../providers/local/local-stack.js';
import { queryAuditLog } from '../../providers/local/audit-query.js';
import { webAppRoutes } from '../../providers/local/web-app-routes.js';
import { localAccess } from '../../shared/auth/local-access.js';
import { tinyNiftiGz } from '../local/nifti-fixture.js';
import { startTestStack } from '../local/stack-helpers.js';
import { routeTable } from './route-table.js';

/**
 * The one-machine stack with its API key required (what binding beyond loopback turns on): every route the
 * stack registers (API, FHIR, local store and status, dashboard) is refused without the key, and the job
 * processes still report their status to the embedded FHIR server through their own per-start key.
 */
describe('local stack with an API key', () => {
  let stack: LocalStack;
  let app: Hono | undefined;
  let key: string;
  const authed = (init: RequestInit = {}) => ({ ...init, headers: { ...(init.headers as Record<string, string>), 'x-api-key': key } });

  beforeAll(async () => {
    stack = await startTestStack({
      fhir: {},
      access: { requireApiKey: true, jwt: false },
      configure: (a) => {
        a.route('/', webAppRoutes());
        app = a;
      },
    });
    key = stack.access.apiKey!.key;
    const created = await fetch(`${stack.url}/uploads`, authed({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ patient_id: 'S001', session_date: '2024-03-01' }) }));
    expect(created.status).toBe(201);
    const { uploads } = (await created.json()) as { uploads: Record<string, { url: string; headers: Record<string, string> }> };
    for (const [i, modality] of ['mri', 'pet'].entries()) {
      const put = await fetch(uploads[modality].url, { method: 'PUT', headers: uploads[modality].headers, body: tinyNiftiGz({ seed: i + 1 }) });
      expect(put.status).toBe(200);
    }
    await stack.idle();
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    if (stack) await rm(stack.dataDir, { recursive: true, force: true });
  });

  it('generated the key once, into the data dir, readable by the owner only', async () => {
    // Assess
    expect(stack.access).toMatchObject({ mode: 'api-key', apiKey: { created: true, file: `${stack.dataDir}/api-key` } });
    expect((await stat(stack.access.apiKey!.file)).mode & 0o777).toBe(0o600);
    expect(key).toMatch(/^adni_[A-Za-z0-9_-]{43}$/);
  });

  it('every route the stack registered answers 401 without the key, except the public ones', async () => {
    // Prepare: the stack's own route table, parameters filled in
    const routes = routeTable(app!, { patient: 'S001', session: '2024-03-01' }).map((r) => `${r.method} ${r.path}`);
    // Act
    const results = await Promise.all(
      routes.map(async (route) => {
        const [method, path] = route.split(' ');
        const response = await fetch(`${stack.url}${path}`, { method, ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }) });
        await response.arrayBuffer();
        return { route, status: response.status };
      }),
    );
    // Assess: /local-store checks its presigned signature (403 without one), never the key
    // The public set, spelled out: health, the dashboard's static files, and presigned store URLs.
    const isPublic = (route: string) => ['GET /health', 'GET /'].includes(route) || route.startsWith('GET /assets/') || route.includes(' /local-store/');
    const unexpected = results.filter((r) => !isPublic(r.route) && r.status !== 401);
    expect(routes.length).toBeGreaterThanOrEqual(12);
    expect(routes.some((r) => r.includes('/fhir/R4'))).toBe(true);
    expect(unexpected).toEqual([]);
    expect(results.filter((r) => r.route.includes('/local-store/')).map((r) => r.status)).toEqual(expect.arrayContaining([403]));
  });

  it('the key opens the API and FHIR; the job wrote its status to FHIR with its own key', async () => {
    // Act
    const status = await fetch(`${stack.url}/preprocessing-status/S001`, authed());
    const tasks = await fetch(`${stack.fhirUrl}/Task?code=preprocess-session&status=completed`, authed());
    // Assess
    expect(status.status).toBe(200);
    expect(((await status.json()) as any).sessions[0].status).toBe('completed');
    expect(((await tasks.json()) as any).entry).toHaveLength(1);
  });

  it('the audit log records who read which patient, and no clinical values', async () => {
    // Prepare
    await fetch(`${stack.url}/patient-timeline/S001`, authed());
    await fetch(`${stack.url}/patient-timeline/S001`);
    // Act
    const { events, badLines } = await queryAuditLog({ dataDir: stack.dataDir, patientId: 'S001' });
    // Assess
    expect(badLines).toEqual([]);
    expect(events.map((e) => [e.actor, e.action, e.method, e.path, e.status])).toEqual(
      expect.arrayContaining([
        ['api-key', 'upload', 'POST', '/uploads', 201],
        ['api-key', 'read', 'GET', '/preprocessing-status/S001', 200],
        ['api-key', 'read', 'GET', '/patient-timeline/S001', 200],
        ['anonymous', 'read', 'GET', '/patient-timeline/S001', 401],
      ]),
    );
    expect(events.every((e) => e.client === '127.0.0.1' || e.client === '::ffff:127.0.0.1')).toBe(true);
    // Job processes' FHIR writes are recorded under their own actor, not as the operator.
    const all = await queryAuditLog({ dataDir: stack.dataDir });
    expect(all.events.some((e) => e.actor === 'job' && e.action === 'write')).toBe(true);
  });

  it('the CLI upload sends ADNI_API_KEY; without it the stack says 401', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'adni-cli-key-'));
    const files = { patient: 'S002', session: '2024-05-01', mri: path.join(dir, 'mri.nii.gz'), pet: path.join(dir, 'pet.nii.gz') };
    await writeFile(files.mri, tinyNiftiGz({ seed: 5 }));
    await writeFile(files.pet, tinyNiftiGz({ seed: 6 }));
    // Act
    const refused = await uploadViaApi(stack.url, files).catch((error: Error) => error);
    process.env.ADNI_API_KEY = key;
    const uploaded = await uploadViaApi(stack.url, files).finally(() => delete process.env.ADNI_API_KEY);
    await stack.idle();
    // Assess
    expect(String(refused)).toContain('HTTP 401');
    expect(Object.keys(uploaded.keys)).toEqual(['mri', 'pet']);
    await rm(dir, { recursive: true, force: true });
  });

  it('the dashboard files stay public', async () => {
    const response = await fetch(`${stack.url}/`);
    await response.arrayBuffer();
    expect([200, 503]).toContain(response.status);
  });
});

describe('localAccess', () => {
  it.each([
    ['127.0.0.1', false, 'open'],
    ['::1', false, 'open'],
    ['localhost', false, 'open'],
    ['0.0.0.0', false, 'api-key'],
    ['192.168.1.20', false, 'api-key'],
    ['127.0.0.1', true, 'oidc'],
    ['0.0.0.0', true, 'oidc+api-key'],
  ])('host %s, OIDC %s → %s', async (host, withJwt, mode) => {
    // Prepare
    const dataDir = `/tmp/adni-access-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const jwt = withJwt ? { issuer: 'https://issuer.example', audience: 'a', jwksUrl: 'https://issuer.example/jwks', scopePrefix: '', clockToleranceSeconds: 0 } : undefined;
    // Act
    const access = await localAccess({ host, dataDir, jwt });
    // Assess
    expect(access.mode).toBe(mode);
    expect(Boolean(access.auth)).toBe(mode !== 'open');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is idempotent: a second start reuses the stored key and does not show it again', async () => {
    // Prepare
    const dataDir = `/tmp/adni-access-${process.pid}-again`;
    // Act
    const first = await localAccess({ host: '0.0.0.0', dataDir });
    const second = await localAccess({ host: '0.0.0.0', dataDir });
    // Assess
    expect(second.apiKey).toEqual({ key: first.apiKey!.key, file: first.apiKey!.file, created: false });
    await rm(dataDir, { recursive: true, force: true });
  });
});
