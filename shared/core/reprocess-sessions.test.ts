import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { makeUploadEvent } from '../domain/upload-event.js';
import { systemClock } from '../ports/observability.js';
import { MemoryLogger, MemoryMetrics, RecordingJobSubmitter, RecordingStatusSink } from '../../test/support/recorders.js';
import { reprocessFingerprint } from './claim-job-marker.js';
import { findBackfillSessions, partitionInFlight } from './find-backfill-sessions.js';
import { handleUpload, type UploadPorts } from './handle-upload.js';
import { reprocessSessions } from './reprocess-sessions.js';

let root: string;
let store: FsObjectStore;
let jobs: RecordingJobSubmitter;
let ports: UploadPorts;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'adni-reprocess-'));
  store = new FsObjectStore({ root, bucket: 'raw-bucket' });
  jobs = new RecordingJobSubmitter();
  ports = { store, jobs, status: new RecordingStatusSink(), clock: systemClock, logger: new MemoryLogger(), metrics: new MemoryMetrics() };
});
afterEach(async () => rm(root, { recursive: true, force: true }));

async function seed(patient: string, date: string, modalities: ('mri' | 'pet')[] = ['mri', 'pet']) {
  for (const m of modalities) await store.put(`raw/${patient}/${date}/${m}.nii.gz`, `${m}-${patient}-${date}`);
}

const markers = async (patient: string, date: string) => (await store.list(`jobs/${patient}/${date}/`)).map((h) => h.key);

describe('reprocessSessions', () => {
  it('submits a new job for a session that was already processed, with a distinct fingerprint and marker', async () => {
    // Prepare: the upload path submitted the first job
    await seed('P001', '2024-03-01');
    const first = await handleUpload(makeUploadEvent({ id: 'e1', source: 'test', bucket: 'raw-bucket', key: 'raw/P001/2024-03-01/pet.nii.gz' }), ports);
    expect(first.outcome).toBe('submitted');
    // Act
    const [result] = await reprocessSessions({ ports, patientId: 'P001', sessionDate: '2024-03-01' });
    // Assess
    expect(result.outcome.outcome).toBe('submitted');
    expect(jobs.submitted).toHaveLength(2);
    const [original, again] = jobs.submitted;
    expect(again.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(again.fingerprint).not.toBe(original.fingerprint);
    expect(again.jobName).not.toBe(original.jobName);
    expect({ ...again, fingerprint: '', jobName: '' }).toEqual({ ...original, fingerprint: '', jobName: '' });
    expect(await markers('P001', '2024-03-01')).toHaveLength(2);
    const marker = JSON.parse(new TextDecoder().decode(await store.get(`jobs/P001/2024-03-01/${again.fingerprint}.json`)));
    expect(marker).toMatchObject({ fingerprint: again.fingerprint, reprocess: { of: original.fingerprint }, jobId: 'job-2' });
  });

  it('is idempotent per call, not per session: each call submits exactly one more job', async () => {
    // Prepare
    await seed('P001', '2024-03-01');
    // Act
    for (let i = 0; i < 3; i++) await reprocessSessions({ ports, patientId: 'P001', sessionDate: '2024-03-01' });
    // Assess
    expect(jobs.submitted).toHaveLength(3);
    expect(new Set(jobs.submitted.map((j) => j.fingerprint)).size).toBe(3);
    expect(await markers('P001', '2024-03-01')).toHaveLength(3);
  });

  it('concurrent calls each claim their own marker: 8 calls, 8 distinct jobs, no lost call', async () => {
    // Prepare
    await seed('P001', '2024-03-01');
    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => reprocessSessions({ ports, patientId: 'P001', sessionDate: '2024-03-01' })));
    // Assess
    expect(results.flat().map((r) => r.outcome.outcome)).toEqual(Array(8).fill('submitted'));
    expect(new Set(jobs.submitted.map((j) => j.fingerprint)).size).toBe(8);
    expect(await markers('P001', '2024-03-01')).toHaveLength(8);
  });

  it('a later upload event of the same version is still a duplicate after reprocessing', async () => {
    // Prepare
    await seed('P001', '2024-03-01');
    const event = makeUploadEvent({ id: 'e1', source: 'test', bucket: 'raw-bucket', key: 'raw/P001/2024-03-01/mri.nii.gz' });
    await handleUpload(event, ports);
    await reprocessSessions({ ports, patientId: 'P001', sessionDate: '2024-03-01' });
    // Act
    const late = await handleUpload(structuredClone(event), ports);
    // Assess
    expect(late.outcome).toBe('duplicate');
    expect(jobs.submitted).toHaveLength(2);
  });

  it('without a session, reprocesses every session of the patient and reports the incomplete one', async () => {
    // Prepare
    await seed('P001', '2024-03-01');
    await seed('P001', '2024-09-01', ['mri']);
    await seed('P002', '2024-03-01');
    // Act
    const results = await reprocessSessions({ ports, patientId: 'P001' });
    // Assess
    expect(results.map((r) => [r.sessionDate, r.outcome.outcome])).toEqual([
      ['2024-03-01', 'submitted'],
      ['2024-09-01', 'waiting'],
    ]);
    expect(jobs.submitted.map((j) => j.patientId)).toEqual(['P001']);
  });

  it('a failed submission releases its reprocess marker so the next call can submit', async () => {
    // Prepare
    await seed('P001', '2024-03-01');
    jobs = new RecordingJobSubmitter(1);
    ports = { ...ports, jobs };
    // Act
    const failed = reprocessSessions({ ports, patientId: 'P001', sessionDate: '2024-03-01' });
    // Assess
    await expect(failed).rejects.toThrow('simulated submission failure');
    expect(await markers('P001', '2024-03-01')).toEqual([]);
    await reprocessSessions({ ports, patientId: 'P001', sessionDate: '2024-03-01' });
    expect(jobs.submitted).toHaveLength(1);
  });
});

describe('reprocessFingerprint', () => {
  it.each([1, 2, 1000])('attempt %i is 16 hex characters, stable and distinct from the inputs', (attempt) => {
    expect(reprocessFingerprint('0123456789abcdef', attempt)).toMatch(/^[0-9a-f]{16}$/);
    expect(reprocessFingerprint('0123456789abcdef', attempt)).toBe(reprocessFingerprint('0123456789abcdef', attempt));
    expect(reprocessFingerprint('0123456789abcdef', attempt)).not.toBe('0123456789abcdef');
  });
});

describe('findBackfillSessions', () => {
  it('lists complete raw sessions without roi_features.json, skipping incomplete and finished ones', async () => {
    // Prepare
    await seed('P001', '2024-03-01'); // finished
    await store.put('preprocessed/P001/2024-03-01/roi_features.json', '{}');
    await seed('P001', '2024-09-01'); // started, other outputs but no features
    await store.put('preprocessed/P001/2024-09-01/t1_brain.nii.gz', 'x');
    await seed('P002', '2024-03-01', ['pet']); // incomplete
    await seed('P003', '2025-01-15'); // never processed
    await store.put('raw/P003/2025-01-15/notes.txt', 'not a raw key');
    // Act
    const sessions = await findBackfillSessions({ store });
    // Assess
    expect(sessions).toEqual([
      { patientId: 'P001', sessionDate: '2024-09-01' },
      { patientId: 'P003', sessionDate: '2025-01-15' },
    ]);
  });

  it('looks for outputs in the output store when it is a different one', async () => {
    // Prepare
    await seed('P001', '2024-03-01');
    const outputs = new FsObjectStore({ root: path.join(root, 'out'), bucket: 'out-bucket' });
    await outputs.put('preprocessed/P001/2024-03-01/roi_features.json', '{}');
    // Act / Assess
    expect(await findBackfillSessions({ store })).toHaveLength(1);
    expect(await findBackfillSessions({ store, outputs })).toEqual([]);
  });
});

describe('partitionInFlight', () => {
  const session = { patientId: 'P001', sessionDate: '2024-03-01' };
  const at = (iso: string) => new Date(iso);

  it.each([
    { case: 'submitted 10 min ago, window 120', submittedAt: '2026-01-01T11:50:00.000Z', window: 120, inFlight: true },
    { case: 'submitted 121 min ago, window 120', submittedAt: '2026-01-01T09:59:00.000Z', window: 120, inFlight: false },
    { case: 'submitted 1 min ago, window 0 (check off)', submittedAt: '2026-01-01T11:59:00.000Z', window: 0, inFlight: false },
  ])('$case → in flight: $inFlight', async ({ submittedAt, window, inFlight }) => {
    // Prepare
    await store.put('jobs/P001/2024-03-01/00000000000000aa.json', JSON.stringify({ createdAt: submittedAt, submittedAt }));
    // Act
    const result = await partitionInFlight({ store, sessions: [session], now: at('2026-01-01T12:00:00.000Z'), windowMinutes: window });
    // Assess
    expect(result.inFlight).toEqual(inFlight ? [{ ...session, since: at(submittedAt) }] : []);
    expect(result.due).toEqual(inFlight ? [] : [session]);
  });

  it('takes the newest of several markers, and a claim never recorded as submitted by its createdAt', async () => {
    // Prepare: an old finished attempt and a recent claim whose submission was never recorded
    await store.put('jobs/P001/2024-03-01/00000000000000aa.json', JSON.stringify({ createdAt: '2025-06-01T00:00:00.000Z', submittedAt: '2025-06-01T00:00:01.000Z' }));
    await store.put('jobs/P001/2024-03-01/00000000000000bb.json', JSON.stringify({ createdAt: '2026-01-01T11:30:00.000Z' }));
    // Act
    const result = await partitionInFlight({ store, sessions: [session], now: at('2026-01-01T12:00:00.000Z'), windowMinutes: 120 });
    // Assess
    expect(result.inFlight).toEqual([{ ...session, since: at('2026-01-01T11:30:00.000Z') }]);
  });

  it('a marker that is not JSON or has no times counts as no marker (the session is due)', async () => {
    // Prepare
    await store.put('jobs/P001/2024-03-01/00000000000000aa.json', 'not json');
    await store.put('jobs/P001/2024-03-01/00000000000000bb.json', JSON.stringify({ createdAt: 'yesterday' }));
    // Act
    const result = await partitionInFlight({ store, sessions: [session], now: at('2026-01-01T12:00:00.000Z'), windowMinutes: 120 });
    // Assess
    expect(result).toEqual({ due: [session], inFlight: [] });
  });
});
