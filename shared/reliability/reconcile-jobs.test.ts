import type { Task } from '@medplum/fhirtypes';
import { beforeEach, describe, expect, it } from 'vitest';
import { memoryFhirStore } from '../../test/fhir/memory-store.js';
import { MemoryLogger, RecordingStatusSink } from '../../test/support/recorders.js';
import { jobName } from '../core/job-contract.js';
import { taskFacts } from '../fhir/mapping.js';
import type { FhirStore } from '../fhir/store.js';
import { FhirStatusSink } from '../fhir/status-sink.js';
import { preprocessedPrefix, rawKey } from '../domain/session-key.js';
import type { PreprocessJobRequest } from '../ports/job-submitter.js';
import { openJobsFromFhir } from './fhir-open-jobs.js';
import { reconcileJobs, type ReadJobState } from './reconcile-jobs.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

function request(patientId: string, fingerprint = '0123456789abcdef'): PreprocessJobRequest {
  const session = { patientId, sessionDate: '2024-03-01' };
  return {
    ...session,
    fingerprint,
    jobName: jobName(patientId, '2024-03-01', fingerprint),
    inputBucket: 'uploads',
    mriKey: rawKey(session, 'mri'),
    petKey: rawKey(session, 'pet'),
    outputBucket: 'preprocessed',
    outputPrefix: preprocessedPrefix(session),
  };
}

let store: FhirStore;
let sink: FhirStatusSink;
beforeEach(() => {
  store = memoryFhirStore().store;
  sink = new FhirStatusSink({ store, objectUrl: (b, k) => `s3://${b}/${k}`, logger: new MemoryLogger() });
});

/** The cloud's view of each job, as the ACI / Cloud Run readers would answer. */
const cloud = (states: Record<string, Awaited<ReturnType<ReadJobState>> | Error>): ReadJobState => async (jobId) => {
  const state = states[jobId];
  if (state instanceof Error) throw state;
  return state;
};

const taskOf = async (patientId: string) => taskFacts((await store.search<Task>('Task', 'code=preprocess-session')).find((t) => t.for?.display === patientId || JSON.stringify(t).includes(`${patientId}/2024-03-01`))!);

describe('reconcileJobs over FHIR Tasks', () => {
  it.each([
    ['failed in the cloud (OOM)', 'in-progress', 3, { status: 'failed' as const, reason: 'container killed: out of memory' }, /^container killed: out of memory$/],
    ['gone after the grace period', 'in-progress', 30, undefined, /^the job disappeared from the cloud without reporting/],
    ['finished without reporting', 'in-progress', 20, { status: 'completed' as const }, /^the job finished but never reported its outputs$/],
    ['running past the limit', 'in-progress', 90, { status: 'in-progress' as const }, /^the job ran past 45 min without reporting/],
    ['never started, then lost', 'requested', 60, undefined, /^the job disappeared/],
  ])('%s → Task failed with the reason', async (_name, recorded, age, state, reason) => {
    // Prepare
    await sink.update({ job: request('R001'), jobId: 'job-1', status: recorded as 'requested' | 'in-progress', at: minutesAgo(age) });
    // Act
    const result = await reconcileJobs({
      open: () => openJobsFromFhir({ store, inputBucket: 'uploads', outputBucket: 'preprocessed' }),
      read: cloud({ 'job-1': state }),
      status: sink,
      logger: new MemoryLogger(),
      now: () => NOW,
    });
    // Assess
    expect(result).toMatchObject({ checked: 1, unchanged: 0, failed: [{ jobId: 'job-1', reason: expect.stringMatching(reason) }] });
    expect(await taskOf('R001')).toMatchObject({ status: 'failed', reason: expect.stringMatching(reason), jobId: 'job-1' });
  });

  it.each([
    ['still running', { status: 'in-progress' as const }, 5],
    ['gone but within the grace period (its own report may be on its way)', undefined, 2],
    ['finished a moment ago', { status: 'completed' as const }, 1],
  ])('leaves a job %s alone', async (_name, state, age) => {
    await sink.update({ job: request('R002'), jobId: 'job-2', status: 'in-progress', at: minutesAgo(age) });
    const result = await reconcileJobs({ open: () => openJobsFromFhir({ store, inputBucket: 'uploads', outputBucket: 'preprocessed' }), read: cloud({ 'job-2': state }), status: sink, logger: new MemoryLogger(), now: () => NOW });
    expect(result).toMatchObject({ checked: 1, unchanged: 1, failed: [] });
    expect((await taskOf('R002')).status).toBe('in-progress');
  });

  it('skips finished Tasks and Tasks without a provider job id, and retries unreadable ones next pass', async () => {
    // Prepare
    await sink.update({ job: request('R003'), jobId: 'job-3', status: 'completed', at: minutesAgo(60) });
    await sink.update({ job: request('R004'), status: 'requested', at: minutesAgo(60) });
    await sink.update({ job: request('R005'), jobId: 'job-5', status: 'in-progress', at: minutesAgo(60) });
    const status = new RecordingStatusSink();
    // Act
    const result = await reconcileJobs({ open: () => openJobsFromFhir({ store, inputBucket: 'uploads', outputBucket: 'preprocessed' }), read: cloud({ 'job-5': new Error('503 from the management API') }), status, logger: new MemoryLogger(), now: () => NOW });
    // Assess
    expect(result).toEqual({ checked: 1, failed: [], unchanged: 0, unreadable: ['job-5'] });
    expect(status.updates).toEqual([]);
  });

  it('is idempotent: a second pass finds nothing open and writes nothing', async () => {
    // Prepare
    await sink.update({ job: request('R006'), jobId: 'job-6', status: 'in-progress', at: minutesAgo(60) });
    const pass = (status: RecordingStatusSink | FhirStatusSink) =>
      reconcileJobs({ open: () => openJobsFromFhir({ store, inputBucket: 'uploads', outputBucket: 'preprocessed' }), read: cloud({}), status, logger: new MemoryLogger(), now: () => NOW });
    // Act
    const first = await pass(sink);
    const second = new RecordingStatusSink();
    const again = await pass(second);
    // Assess
    expect(first.failed).toHaveLength(1);
    expect(again.checked).toBe(0);
    expect(second.updates).toEqual([]);
    expect(await store.search<Task>('Task', 'code=preprocess-session')).toHaveLength(1);
  });
});
