import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../providers/local/fs-object-store.js';
import { MemoryLogger, MemoryMetrics, RecordingJobSubmitter, RecordingStatusSink } from '../../../test/support/recorders.js';
import { createApiApp } from '../app.js';

let root: string;
let store: FsObjectStore;
let jobs: RecordingJobSubmitter;
let app: Hono;
/** The API's clock (markers are stamped with it too): tests move it to step past the in-flight window. */
let now: Date;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'adni-reprocess-api-'));
  store = new FsObjectStore({ root, bucket: 'local' });
  jobs = new RecordingJobSubmitter();
  const logger = new MemoryLogger();
  now = new Date('2026-01-01T12:00:00.000Z');
  app = createApiApp({ store, logger, jobs: { store, jobs, status: new RecordingStatusSink(), clock: { now: () => now }, logger, metrics: new MemoryMetrics() } });
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const post = (url: string, body: unknown) =>
  app.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function seed(patient: string, date: string, modalities: ('mri' | 'pet')[] = ['mri', 'pet']) {
  for (const m of modalities) await store.put(`raw/${patient}/${date}/${m}.nii.gz`, `${m}-${patient}-${date}`);
}

describe('POST /reprocess', () => {
  it('submits one new job per call for a complete session (202), with its fingerprint and job id', async () => {
    // Prepare
    await seed('P001', '2024-03-01');
    // Act
    const first = await post('/reprocess', { patient_id: 'P001', session_date: '2024-03-01' });
    const second = await post('/reprocess', { patient_id: 'P001', session_date: '2024-03-01' });
    // Assess
    expect(first.status).toBe(202);
    const body = await first.json();
    expect(body).toEqual({
      patient_id: 'P001',
      sessions: [{ session_date: '2024-03-01', outcome: 'submitted', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), job_id: 'job-1' }],
    });
    expect(second.status).toBe(202);
    expect(jobs.submitted).toHaveLength(2);
  });

  it('every session of the patient when session_date is left out; a half-uploaded one is waiting', async () => {
    // Prepare
    await seed('P001', '2024-03-01');
    await seed('P001', '2024-09-01', ['pet']);
    // Act
    const response = await post('/reprocess', { patient_id: 'P001' });
    // Assess
    expect(response.status).toBe(202);
    expect(((await response.json()) as any).sessions).toEqual([
      expect.objectContaining({ session_date: '2024-03-01', outcome: 'submitted' }),
      { session_date: '2024-09-01', outcome: 'waiting', missing: 'mri' },
    ]);
  });

  it.each([
    ['no raw files for the patient', { patient_id: 'P404' }, 404, 'not_found'],
    ['no raw files for the session', { patient_id: 'P001', session_date: '2020-01-01' }, 404, 'not_found'],
    ['a bad patient id', { patient_id: '../etc' }, 400, 'invalid_request'],
    ['an impossible date', { patient_id: 'P001', session_date: '2024-02-30' }, 400, 'invalid_request'],
    ['an unknown field', { patient_id: 'P001', force: true }, 400, 'invalid_request'],
    ['a body that is not JSON', '{patient', 400, 'invalid_json'],
  ])('refuses %s (%i %s) and submits nothing', async (_name, body, status, code) => {
    // Prepare
    await seed('P001', '2024-03-01');
    // Act
    const response = await post('/reprocess', body);
    // Assess
    expect(response.status).toBe(status);
    expect(((await response.json()) as any).error.code).toBe(code);
    expect(jobs.submitted).toEqual([]);
  });
});

describe('POST /backfill', () => {
  beforeEach(async () => {
    await seed('P001', '2024-03-01');
    await store.put('preprocessed/P001/2024-03-01/roi_features.json', '{}');
    await seed('P001', '2024-09-01');
    await seed('P002', '2024-03-01', ['mri']);
  });

  it('dry run lists the sessions lacking outputs and submits nothing', async () => {
    // Act
    const response = await post('/backfill', { dry_run: true });
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ dry_run: true, sessions: [{ patient_id: 'P001', session_date: '2024-09-01' }], in_flight: [] });
    expect(jobs.submitted).toEqual([]);
  });

  it('submits one job per session lacking outputs (202)', async () => {
    // Act
    const response = await post('/backfill', {});
    // Assess
    expect(response.status).toBe(202);
    expect(((await response.json()) as any).sessions).toEqual([expect.objectContaining({ patient_id: 'P001', session_date: '2024-09-01', outcome: 'submitted' })]);
    expect(jobs.submitted.map((j) => `${j.patientId}/${j.sessionDate}`)).toEqual(['P001/2024-09-01']);
  });

  it('refuses a dry_run that is not a boolean', async () => {
    const response = await post('/backfill', { dry_run: 'yes' });
    expect(response.status).toBe(400);
    expect(jobs.submitted).toEqual([]);
  });

  it('a second backfill while the first job is in flight submits nothing and lists the session under in_flight', async () => {
    // Prepare
    await post('/backfill', {});
    now = new Date(now.getTime() + 10 * 60_000);
    // Act
    const again = await post('/backfill', {});
    const dryRun = await post('/backfill', { dry_run: true });
    // Assess
    expect(again.status).toBe(200);
    const inFlight = [{ patient_id: 'P001', session_date: '2024-09-01', since: '2026-01-01T12:00:00.000Z' }];
    expect(await again.json()).toEqual({ dry_run: false, sessions: [], in_flight: inFlight });
    expect(await dryRun.json()).toEqual({ dry_run: true, sessions: [], in_flight: inFlight });
    expect(jobs.submitted).toHaveLength(1);
  });

  it.each([
    { case: 'past the default 120 min window', minutesLater: 121, body: {} },
    { case: 'with in_flight_minutes 0', minutesLater: 1, body: { in_flight_minutes: 0 } },
    { case: 'with a window shorter than the job age', minutesLater: 30, body: { in_flight_minutes: 15 } },
  ])('submits the session again $case', async ({ minutesLater, body }) => {
    // Prepare
    await post('/backfill', {});
    now = new Date(now.getTime() + minutesLater * 60_000);
    // Act
    const again = await post('/backfill', body);
    // Assess
    expect(again.status).toBe(202);
    expect(((await again.json()) as any).in_flight).toEqual([]);
    expect(jobs.submitted).toHaveLength(2);
  });

  it.each([-1, 1.5, 10_081, '60'])('refuses in_flight_minutes %j, naming the field', async (value) => {
    // Act
    const response = await post('/backfill', { in_flight_minutes: value });
    // Assess
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('in_flight_minutes');
    expect(jobs.submitted).toEqual([]);
  });
});

describe('without job submission configured', () => {
  it.each(['/reprocess', '/backfill'])('%s answers 501', async (url) => {
    const bare = createApiApp({ store, logger: new MemoryLogger() });
    const response = await bare.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(501);
  });
});
