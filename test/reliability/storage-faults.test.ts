import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { StoreStatusSink } from '../../providers/local/store-status-sink.js';
import { UploadDispatcher } from '../../providers/local/upload-dispatcher.js';
import { systemClock } from '../../shared/ports/observability.js';
import { MemoryLogger, MemoryMetrics, RecordingJobSubmitter } from '../support/recorders.js';
import { FaultyStore, type Fault } from './faulty-store.js';

/**
 * Storage answering 500/503 at the port boundary of the local stack's upload path (dispatcher → core handler →
 * store): every case ends with exactly one submitted job and one job marker for the session, or, when storage
 * stays down past the retries, with no job, no marker and a logged error (the next event or startup scan retries).
 */
const MRI = 'raw/P001/2024-03-01/mri.nii.gz';
const PET = 'raw/P001/2024-03-01/pet.nii.gz';

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
});

async function setup(faults: Fault[], options: { submitFailures?: number } = {}) {
  const root = await mkdtemp(path.join(tmpdir(), 'adni-storage-faults-'));
  roots.push(root);
  const inner = new FsObjectStore({ root });
  await inner.put(MRI, 'mri v1');
  await inner.put(PET, 'pet v1');
  const store = new FaultyStore(inner, faults);
  const jobs = new RecordingJobSubmitter(options.submitFailures ?? 0);
  const logger = new MemoryLogger();
  const ports = { store, jobs, status: new StoreStatusSink(store), clock: systemClock, logger, metrics: new MemoryMetrics() };
  const dispatcher = new UploadDispatcher({ ports, retryDelayMs: 5 });
  return { inner, store, jobs, logger, dispatcher };
}

/** Both modalities' events at once, as two PUTs landing together raise them. */
async function deliver(dispatcher: UploadDispatcher) {
  await Promise.all([dispatcher.dispatch(MRI), dispatcher.dispatch(PET)]);
  await dispatcher.idle();
}

async function markers(inner: FsObjectStore) {
  const heads = await inner.list('jobs/');
  return Promise.all(heads.map(async (h) => JSON.parse(new TextDecoder().decode(await inner.get(h.key))) as { jobId?: string; fingerprint: string }));
}

describe('storage 500/503 on the upload path', () => {
  it.each<[string, Fault[], { submitFailures?: number }]>([
    ['HEAD of the inputs answers 503 twice', [{ op: 'head', key: /^raw\//, status: 503, times: 2 }], {}],
    ['the marker create answers 503 (not written)', [{ op: 'putIfAbsent', key: /^jobs\//, status: 503 }], {}],
    ['the marker create answers 500 after it was written (answer lost)', [{ op: 'putIfAbsent', key: /^jobs\//, status: 500, when: 'after', times: 2 }], {}],
    ['the submission fails and releasing the marker answers 503', [{ op: 'delete', key: /^jobs\//, status: 503 }], { submitFailures: 1 }],
    ['the requested status write answers 503', [{ op: 'putIfAbsent', key: /^status\//, status: 503, times: 5 }], {}],
  ])('%s → exactly one job and one marker', async (_name, faults, options) => {
    // Prepare
    const { inner, store, jobs, dispatcher } = await setup(faults, options);
    // Act
    await deliver(dispatcher);
    // Assess
    expect(store.injected.length).toBeGreaterThan(0);
    expect(jobs.submitted).toHaveLength(1);
    const written = await markers(inner);
    expect(written).toHaveLength(1);
    expect(written[0].fingerprint).toBe(jobs.submitted[0].fingerprint);
    expect(written[0].jobId).toBe('job-1');
  });

  it('the marker update after submission answers 500 → the retry finds the marker: still one job', async () => {
    // Prepare: the job is submitted, then recording its id in the marker fails
    const { inner, store, jobs, dispatcher } = await setup([{ op: 'put', key: /^jobs\//, status: 500 }]);
    // Act
    await deliver(dispatcher);
    // Assess: no second job; the marker stays (without the job id it could not record)
    expect(store.injected).toHaveLength(1);
    expect(jobs.submitted).toHaveLength(1);
    expect(await markers(inner)).toHaveLength(1);
  });

  it('storage down past every retry → no job, no marker, an error logged; the next event submits the job', async () => {
    // Prepare
    const { inner, jobs, logger, dispatcher } = await setup([{ op: 'putIfAbsent', key: /^jobs\//, status: 503, times: 6 }]);
    // Act
    await deliver(dispatcher);
    const afterOutage = { jobs: jobs.submitted.length, markers: (await markers(inner)).length };
    await dispatcher.dispatch(PET);
    // Assess
    expect(afterOutage).toEqual({ jobs: 0, markers: 0 });
    expect(logger.lines.filter((l) => l.message === 'upload event failed after retries')).toHaveLength(2);
    expect(jobs.submitted).toHaveLength(1);
    expect(await markers(inner)).toHaveLength(1);
  });
});
