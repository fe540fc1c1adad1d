import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import type { JobArrayManifestRef, PreprocessJobRequest, SubmittedJob } from '../ports/job-submitter.js';
import { systemClock } from '../ports/observability.js';
import { MemoryLogger, MemoryMetrics, RecordingJobSubmitter, RecordingStatusSink } from '../../test/support/recorders.js';
import { backfillSessions } from './backfill-sessions.js';
import type { UploadPorts } from './handle-upload.js';
import { jobArrayEntry } from './job-array-manifest.js';
import { jobEnvironment } from './job-contract.js';

/** A submitter with arrays, recording each array call as the adapter would receive it. */
class RecordingArraySubmitter extends RecordingJobSubmitter {
  readonly arrays: { requests: PreprocessJobRequest[]; manifest: JobArrayManifestRef }[] = [];
  failArrays = false;
  async submitArray(requests: PreprocessJobRequest[], manifest: JobArrayManifestRef): Promise<SubmittedJob[]> {
    if (this.failArrays) throw new Error('simulated array submission failure');
    this.arrays.push({ requests, manifest });
    const arrayId = `array-${this.arrays.length}`;
    return requests.map((_, i) => ({ jobId: `${arrayId}:${i}`, provider: 'test' }));
  }
}

let root: string;
let store: FsObjectStore;
let jobs: RecordingArraySubmitter;
let status: RecordingStatusSink;
let ports: UploadPorts;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'adni-backfill-'));
  store = new FsObjectStore({ root, bucket: 'raw-bucket' });
  jobs = new RecordingArraySubmitter();
  status = new RecordingStatusSink();
  ports = { store, jobs, status, clock: systemClock, logger: new MemoryLogger(), metrics: new MemoryMetrics() };
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const SESSIONS = [
  { patientId: 'P001', sessionDate: '2024-03-01' },
  { patientId: 'P001', sessionDate: '2024-09-01' },
  { patientId: 'P002', sessionDate: '2024-03-01' },
  { patientId: 'P003', sessionDate: '2024-04-01' },
  { patientId: 'P004', sessionDate: '2024-05-01' },
];
async function seed(n: number) {
  for (const s of SESSIONS.slice(0, n)) for (const m of ['mri', 'pet']) await store.put(`raw/${s.patientId}/${s.sessionDate}/${m}.nii.gz`, `${m}-${s.patientId}`);
  return SESSIONS.slice(0, n);
}
const json = async (key: string) => JSON.parse(new TextDecoder().decode(await store.get(key)));
const allMarkers = async () => (await store.list('jobs/')).map((h) => h.key).filter((k) => !k.startsWith('jobs/arrays/'));

describe('backfillSessions with an array-capable submitter', () => {
  it('3 sessions: one array submission, a manifest with each single-job environment, markers and statuses per child', async () => {
    // Prepare
    const sessions = await seed(3);
    // Act
    const results = await backfillSessions({ ports, sessions });
    // Assess: one array call, no plain submits
    expect(jobs.submitted).toEqual([]);
    expect(jobs.arrays).toHaveLength(1);
    const [{ requests, manifest }] = jobs.arrays;
    expect(requests.map((r) => `${r.patientId}/${r.sessionDate}`)).toEqual(['P001/2024-03-01', 'P001/2024-09-01', 'P002/2024-03-01']);
    expect(manifest.bucket).toBe('raw-bucket');
    expect(manifest.key).toMatch(/^jobs\/arrays\/\d{8}T\d{6}Z-[0-9a-f]{8}\.json$/);
    // the manifest: entry i is exactly the environment the single-job path sends for request i
    const stored = await json(manifest.key);
    expect(stored.jobs).toEqual(requests.map(jobEnvironment));
    for (const i of [0, 1, 2]) expect(jobArrayEntry(JSON.stringify(stored), String(i))).toEqual(jobEnvironment(requests[i]));
    // each marker records its child id, each session its requested status
    for (const [i, r] of requests.entries()) {
      expect(await json(`jobs/${r.patientId}/${r.sessionDate}/${r.fingerprint}.json`)).toMatchObject({ fingerprint: r.fingerprint, jobId: `array-1:${i}`, provider: 'test', reprocess: { attempt: 1 } });
    }
    // (recorded concurrently: in any order)
    expect(status.updates.map((u) => [u.jobId, u.status, u.job.fingerprint]).sort()).toEqual(requests.map((r, i) => [`array-1:${i}`, 'requested', r.fingerprint]));
    expect(results.map((r) => [r.patientId, r.sessionDate, r.outcome.outcome, 'jobId' in r.outcome && r.outcome.jobId])).toEqual(
      requests.map((r, i) => [r.patientId, r.sessionDate, 'submitted', `array-1:${i}`]),
    );
  });

  it('chunks by the array limit, and a last chunk of one goes as a plain job', async () => {
    // Prepare
    const sessions = await seed(5);
    // Act
    const results = await backfillSessions({ ports, sessions, maxArraySize: 2 });
    // Assess
    expect(jobs.arrays.map((a) => a.requests.length)).toEqual([2, 2]);
    expect(jobs.submitted.map((r) => r.patientId)).toEqual(['P004']);
    expect(results.map((r) => r.outcome.outcome)).toEqual(Array(5).fill('submitted'));
    expect(await store.list('jobs/arrays/')).toHaveLength(2);
  });

  it('one session is a plain submission, with no manifest', async () => {
    // Prepare
    const sessions = await seed(1);
    // Act
    const [result] = await backfillSessions({ ports, sessions });
    // Assess
    expect(jobs.arrays).toEqual([]);
    expect(jobs.submitted).toHaveLength(1);
    expect(result.outcome).toMatchObject({ outcome: 'submitted', jobId: 'job-1' });
    expect(await store.list('jobs/arrays/')).toEqual([]);
  });

  it('a failed array submission releases every marker it claimed and reports each session failed; the next backfill submits them', async () => {
    // Prepare
    const sessions = await seed(3);
    jobs.failArrays = true;
    // Act
    const results = await backfillSessions({ ports, sessions });
    // Assess
    expect(results.map((r) => r.outcome)).toEqual(sessions.map((session) => ({ outcome: 'failed', session, reason: 'job submission failed: simulated array submission failure' })));
    expect(await allMarkers()).toEqual([]);
    expect(await store.list('jobs/arrays/')).toEqual([]);
    expect(status.updates).toEqual([]);
    // Act again: the sessions were left claimable
    jobs.failArrays = false;
    const again = await backfillSessions({ ports, sessions });
    expect(again.map((r) => r.outcome.outcome)).toEqual(['submitted', 'submitted', 'submitted']);
    expect(await allMarkers()).toHaveLength(3);
  });
});

describe('backfillSessions without submitArray (Azure, Google Cloud, local)', () => {
  it('submits one job per session, as before', async () => {
    // Prepare
    const sessions = await seed(3);
    const plain = new RecordingJobSubmitter();
    // Act
    const results = await backfillSessions({ ports: { ...ports, jobs: plain }, sessions });
    // Assess
    expect(plain.submitted.map((r) => r.patientId)).toEqual(['P001', 'P001', 'P002']);
    expect(results.map((r) => 'jobId' in r.outcome && r.outcome.jobId)).toEqual(['job-1', 'job-2', 'job-3']);
    expect(await store.list('jobs/arrays/')).toEqual([]);
  });
});

describe('backfillSessions concurrency', () => {
  it('claims at most `concurrency` sessions at once, and array indexes still follow the sessions’ order', async () => {
    // Prepare: a store that counts conditional creates in flight
    const sessions = await seed(5);
    let inFlight = 0;
    let most = 0;
    const counting = Object.create(store) as FsObjectStore;
    Object.defineProperty(counting, 'bucket', { value: store.bucket });
    counting.putIfAbsent = async (...args: Parameters<FsObjectStore['putIfAbsent']>) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        return await store.putIfAbsent(...args);
      } finally {
        inFlight--;
      }
    };
    // Act
    await backfillSessions({ ports: { ...ports, store: counting }, sessions, concurrency: 2 });
    // Assess
    expect(most).toBe(2);
    expect(jobs.arrays[0].requests.map((r) => `${r.patientId}/${r.sessionDate}`)).toEqual(sessions.map((s) => `${s.patientId}/${s.sessionDate}`));
  });
});
