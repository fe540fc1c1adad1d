import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { makeUploadEvent, type UploadEvent } from '../domain/upload-event.js';
import { systemClock } from '../ports/observability.js';
import { MemoryLogger, MemoryMetrics, RecordingJobSubmitter, RecordingStatusSink } from '../../test/support/recorders.js';
import { handleUpload, type UploadPorts } from './handle-upload.js';
import { shuffle } from '../../test/support/shuffle.js';

let root: string;
let store: FsObjectStore;
let jobs: RecordingJobSubmitter;
let logger: MemoryLogger;
let ports: UploadPorts;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'adni-core-'));
  store = new FsObjectStore({ root, bucket: 'raw-bucket' });
  jobs = new RecordingJobSubmitter();
  logger = new MemoryLogger();
  ports = { store, jobs, status: new RecordingStatusSink(), clock: systemClock, logger, metrics: new MemoryMetrics() };
});
afterEach(async () => rm(root, { recursive: true, force: true }));

let eventCounter = 0;
function eventFor(key: string, id = `evt-${++eventCounter}`): UploadEvent {
  return makeUploadEvent({ id, source: 'test', bucket: 'raw-bucket', key });
}

async function upload(patient: string, date: string, modality: 'mri' | 'pet', body = `${modality}-v1`) {
  const key = `raw/${patient}/${date}/${modality}.nii.gz`;
  await store.put(key, body);
  return eventFor(key);
}

describe('handleUpload', () => {
  it('waits for the other modality, then submits one job with both inputs', async () => {
    // Prepare
    const mriEvent = await upload('P001', '2024-03-01', 'mri');
    // Act
    const first = await handleUpload(mriEvent, ports);
    const petEvent = await upload('P001', '2024-03-01', 'pet');
    const second = await handleUpload(petEvent, ports);
    // Assess
    expect(first).toMatchObject({ outcome: 'waiting', missing: 'pet' });
    expect(second).toMatchObject({ outcome: 'submitted', jobId: 'job-1' });
    expect(jobs.submitted).toHaveLength(1);
    expect(jobs.submitted[0]).toMatchObject({
      patientId: 'P001',
      sessionDate: '2024-03-01',
      mriKey: 'raw/P001/2024-03-01/mri.nii.gz',
      petKey: 'raw/P001/2024-03-01/pet.nii.gz',
      outputPrefix: 'preprocessed/P001/2024-03-01/',
      inputBucket: 'raw-bucket',
    });
    const markers = await store.list('jobs/P001/2024-03-01/');
    expect(markers).toHaveLength(1);
    expect(JSON.parse(new TextDecoder().decode(await store.get(markers[0].key)))).toMatchObject({ jobId: 'job-1' });
  });

  it('PET before MRI submits the same single job', async () => {
    const petEvent = await upload('P002', '2024-03-01', 'pet');
    expect(await handleUpload(petEvent, ports)).toMatchObject({ outcome: 'waiting', missing: 'mri' });
    const mriEvent = await upload('P002', '2024-03-01', 'mri');
    expect(await handleUpload(mriEvent, ports)).toMatchObject({ outcome: 'submitted' });
    expect(jobs.submitted).toHaveLength(1);
  });

  it('is idempotent: a duplicate or late event for the same versions submits nothing', async () => {
    const mriEvent = await upload('P003', '2024-03-01', 'mri');
    const petEvent = await upload('P003', '2024-03-01', 'pet');
    await handleUpload(petEvent, ports);
    const duplicate = await handleUpload(structuredClone(petEvent), ports);
    const late = await handleUpload(mriEvent, ports);
    expect(duplicate).toMatchObject({ outcome: 'duplicate' });
    expect(late).toMatchObject({ outcome: 'duplicate' });
    expect(jobs.submitted).toHaveLength(1);
  });

  it('a re-upload of either file is a new session version and is processed again', async () => {
    await upload('P004', '2024-03-01', 'mri');
    await handleUpload(await upload('P004', '2024-03-01', 'pet'), ports);
    const reupload = await upload('P004', '2024-03-01', 'mri', 'mri-v2');
    const outcome = await handleUpload(reupload, ports);
    expect(outcome).toMatchObject({ outcome: 'submitted' });
    expect(new Set(jobs.submitted.map((j) => j.fingerprint)).size).toBe(2);
  });

  it('releases the claim when submission fails, so the retried event submits', async () => {
    ports.jobs = jobs = new RecordingJobSubmitter(1);
    await upload('P005', '2024-03-01', 'mri');
    const petEvent = await upload('P005', '2024-03-01', 'pet');
    await expect(handleUpload(petEvent, ports)).rejects.toThrow('simulated submission failure');
    expect(await store.list('jobs/P005/')).toHaveLength(0);
    expect(await handleUpload(petEvent, ports)).toMatchObject({ outcome: 'submitted' });
    expect(jobs.submitted).toHaveLength(1);
  });

  it.each([
    ['raw/../../etc/passwd', '".."'],
    ['raw/P1/2024-01-01/mri.nii', 'file name'],
    ['raw/P1/2024-02-30/mri.nii.gz', 'calendar date'],
    ['raw/P1/2024-01-01/notes.txt', 'file name'],
  ])('ignores bad key %s with a logged reason and no throw', async (key, reason) => {
    const outcome = await handleUpload(eventFor(key), ports);
    expect(outcome).toMatchObject({ outcome: 'ignored' });
    expect(logger.lines.find((l) => l.level === 'warn')?.fields?.reason).toContain(reason);
    expect(jobs.submitted).toHaveLength(0);
  });

  it('ignores an event for another bucket', async () => {
    const event = structuredClone(await upload('P006', '2024-03-01', 'mri'));
    event.data.bucket = 'someone-elses-bucket';
    expect(await handleUpload(event, ports)).toMatchObject({ outcome: 'ignored' });
  });

  it('never logs a patient id', async () => {
    await upload('SECRET-PATIENT-42', '2024-03-01', 'mri');
    await handleUpload(await upload('SECRET-PATIENT-42', '2024-03-01', 'pet'), ports);
    await handleUpload(eventFor('raw/SECRET-PATIENT-42/2024-03-01/bad.txt'), ports);
    expect(logger.text()).not.toContain('SECRET-PATIENT-42');
  });

  it('event storm: 200 shuffled duplicate/out-of-order events for 20 sessions submit exactly 20 jobs', async () => {
    // Prepare: 20 complete sessions, 10 events each (both modalities, duplicated), shuffled.
    const events: UploadEvent[] = [];
    for (let i = 0; i < 20; i++) {
      const mri = await upload(`S${i}`, '2024-06-01', 'mri');
      const pet = await upload(`S${i}`, '2024-06-01', 'pet');
      for (let copy = 0; copy < 5; copy++) events.push(structuredClone(mri), structuredClone(pet));
    }
    shuffle(events, 42);
    // Act: all at once, so claims really race.
    const outcomes = await Promise.all(events.map((e) => handleUpload(e, ports)));
    // Assess
    expect(events).toHaveLength(200);
    expect(jobs.submitted).toHaveLength(20);
    expect(new Set(jobs.submitted.map((j) => j.patientId)).size).toBe(20);
    expect(outcomes.filter((o) => o.outcome === 'submitted')).toHaveLength(20);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(180);
  });
});
