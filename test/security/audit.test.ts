import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { FileAuditSink } from '../../providers/local/audit-file-sink.js';
import { queryAuditLog } from '../../providers/local/audit-query.js';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { REPO_ROOT } from '../../providers/local/job-pool.js';
import { createApiApp } from '../../shared/api/app.js';
import type { AuditEvent } from '../../shared/audit/audit-event.js';
import { LoggerAuditSink } from '../../shared/audit/logger-audit-sink.js';
import { apiKeyVerifier } from '../../shared/auth/api-key-verifier.js';
import { redactId } from '../../shared/util/redact.js';
import { memoryFhirStore } from '../fhir/memory-store.js';
import { MemoryLogger } from '../support/recorders.js';

const KEY = 'adni_' + 'k'.repeat(43);
let dataDir: string;

const event = (over: Partial<AuditEvent> = {}): AuditEvent => ({
  time: '2026-11-25T10:00:00.000Z',
  actor: 'user-1',
  via: 'jwt',
  action: 'read',
  method: 'GET',
  path: '/patient-timeline/P001',
  patient_ids: ['P001'],
  status: 200,
  client: '10.0.0.7',
  request_id: 'r1',
  ...over,
});

async function makeApp() {
  const store = new FsObjectStore({ root: path.join(dataDir, 'store'), publicBaseUrl: 'http://127.0.0.1:8080' });
  return createApiApp({
    store,
    logger: new MemoryLogger(),
    fhir: memoryFhirStore().store,
    audit: new FileAuditSink({ dataDir }),
    auth: { verifiers: [apiKeyVerifier({ key: KEY, subject: 'api-key' })] },
    limits: { clientAddress: () => '192.0.2.1' },
  });
}

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'adni-audit-'));
});

describe('FileAuditSink', () => {
  it('appends one JSON line per record to audit/<UTC day>.jsonl, owner-only', async () => {
    // Prepare
    const sink = new FileAuditSink({ dataDir });
    // Act
    await sink.record(event());
    await sink.record(event({ time: '2026-11-25T23:59:59.999Z', request_id: 'r2' }));
    await sink.record(event({ time: '2026-11-26T00:00:00.000Z', request_id: 'r3' }));
    // Assess
    expect((await readdir(path.join(dataDir, 'audit'))).sort()).toEqual(['2026-11-25.jsonl', '2026-11-26.jsonl']);
    const lines = (await readFile(path.join(dataDir, 'audit', '2026-11-25.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).request_id)).toEqual(['r1', 'r2']);
    expect((await stat(path.join(dataDir, 'audit', '2026-11-25.jsonl'))).mode & 0o777).toBe(0o600);
  });

  it('keeps 500 concurrent records whole and in order of arrival', async () => {
    // Prepare
    const sink = new FileAuditSink({ dataDir });
    // Act
    await Promise.all(Array.from({ length: 500 }, (_, i) => sink.record(event({ request_id: `r${i}` }))));
    // Assess
    const lines = (await readFile(path.join(dataDir, 'audit', '2026-11-25.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).request_id)).toEqual(Array.from({ length: 500 }, (_, i) => `r${i}`));
  });

  it('refuses a record carrying anything beyond the audit fields (no clinical values can slip in)', async () => {
    const sink = new FileAuditSink({ dataDir });
    await expect(sink.record({ ...event(), mmse: 24 } as AuditEvent)).rejects.toThrow();
    await expect(readdir(path.join(dataDir, 'audit'))).rejects.toThrow();
  });
});

describe('audit middleware', () => {
  it.each<[string, string, unknown, Partial<AuditEvent>]>([
    ['GET', '/patient-timeline/P001', undefined, { action: 'read', patient_ids: ['P001'], status: 404 }],
    ['GET', '/outputs/P002/2024-01-01', undefined, { action: 'read', patient_ids: ['P002'], status: 200 }],
    ['POST', '/predict-progression', { patient_id: 'P003' }, { action: 'predict', patient_ids: ['P003'], status: 501 }],
    ['POST', '/predict-progression/batch', { patient_ids: ['P004', 'P005'] }, { action: 'predict', patient_ids: ['P004', 'P005'], status: 404 }],
    ['POST', '/uploads', { patient_id: 'P006', session_date: '2024-01-01' }, { action: 'upload', patient_ids: ['P006'], status: 201 }],
    ['GET', '/fhir/R4/Observation?subject=Patient/P007', undefined, { action: 'read', patient_ids: ['P007'] }],
  ])('%s %s is recorded with actor, client and patients, without the body', async (method, url, body, expected) => {
    // Prepare
    const app = await makeApp();
    // Act
    await app.request(url, { method, headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    // Assess
    const { events } = await queryAuditLog({ dataDir });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'api-key', via: 'api-key', method, client: '192.0.2.1', ...expected });
    expect(events[0].path).not.toContain('?');
  });

  it('records refused requests as anonymous and does not parse their body', async () => {
    // Prepare
    const app = await makeApp();
    // Act
    await app.request('/predict-progression', { method: 'POST', body: JSON.stringify({ patient_id: 'P009' }) });
    // Assess
    const { events } = await queryAuditLog({ dataDir });
    expect(events).toEqual([expect.objectContaining({ actor: 'anonymous', via: 'none', status: 401, patient_ids: [] })]);
  });

  it('does not record routes that touch no patient data', async () => {
    const app = await makeApp();
    await app.request('/health');
    await app.request('/openapi.json', { headers: { 'x-api-key': KEY } });
    expect((await queryAuditLog({ dataDir })).events).toEqual([]);
  });
});

describe('LoggerAuditSink (clouds)', () => {
  it('pseudonymises patient ids in the ids and the path, like every log line', async () => {
    // Prepare
    const logger = new MemoryLogger();
    // Act
    await new LoggerAuditSink(logger).record(event());
    // Assess
    const line = logger.text();
    expect(line).not.toContain('P001');
    expect(line).toContain(redactId('P001'));
  });
});

describe('adni audit', () => {
  it('lists one patient’s records since a date, flags a bad line, and rejects a bad --since', async () => {
    // Prepare
    const sink = new FileAuditSink({ dataDir });
    await sink.record(event({ time: '2026-11-20T09:00:00.000Z', request_id: 'old' }));
    await sink.record(event({ time: '2026-11-25T09:00:00.000Z', action: 'predict', method: 'POST', path: '/predict-progression' }));
    await sink.record(event({ time: '2026-11-25T09:30:00.000Z', patient_ids: ['P999'], path: '/patient-timeline/P999' }));
    await appendFile(path.join(dataDir, 'audit', '2026-11-25.jsonl'), 'not json\n');
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['bin/adni.mjs', 'audit', ...args], { cwd: REPO_ROOT }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    // Act
    const [table, bad] = await Promise.all([
      run(['--patient', 'P001', '--since', '2026-11-21', '--data-dir', dataDir]),
      run(['--patient', 'P001', '--since', 'yesterday', '--data-dir', dataDir]),
    ]);
    // Assess
    expect(table.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^2026-11-25T09:00:00.000Z\s+user-1 \(jwt\)\s+predict\s+POST \/predict-progression\s+200\s+10\.0\.0\.7$/)]);
    expect(table.stderr).toContain('2026-11-25.jsonl line 3 is not an audit record');
    expect((bad as { code: number }).code).toBe(1);
    expect(bad.stderr).toContain('--since must be a date');
  });
});
