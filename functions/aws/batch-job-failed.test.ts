import { readFileSync } from 'node:fs';
import type { Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { memoryFhirStore } from '../../test/fhir/memory-store.js';
import { MemoryLogger, RecordingStatusSink } from '../../test/support/recorders.js';
import { FhirStatusSink } from '../../shared/fhir/status-sink.js';
import { taskFacts } from '../../shared/fhir/mapping.js';
import { createBatchJobFailedHandler } from './batch-job-failed.js';
import { startLoopbackS3 } from '../../test/aws/s3rver.js';
import { jobArrayManifest, jobArrayManifestKey } from '../../shared/core/job-array-manifest.js';
import { jobName } from '../../shared/core/job-contract.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';

const fixture = () => structuredClone(JSON.parse(readFileSync(new URL('../../test/events/batch/job-failed-oom.json', import.meta.url), 'utf8')));

/** The fixture with its last attempt (and container) changed. */
function variant(container: { exitCode?: number; reason?: string }, statusReason?: string, attempts = 1) {
  const event = fixture();
  event.detail.container = { ...event.detail.container, exitCode: container.exitCode, reason: container.reason };
  if (container.exitCode === undefined) delete event.detail.container.exitCode;
  if (container.reason === undefined) delete event.detail.container.reason;
  event.detail.attempts = Array.from({ length: attempts }, () => ({ container: { ...container }, statusReason: statusReason ?? 'Essential container in task exited' }));
  event.detail.statusReason = statusReason ?? 'Essential container in task exited';
  return event;
}

describe('FAILED Batch job events → Task failed with a reason', () => {
  it.each([
    ['out of memory, after both attempts', fixture(), /^killed: out of memory \(OutOfMemoryError: Container killed due to memory usage\); after 2 attempts$/],
    ['the job timeout', variant({}, 'Job attempt duration exceeded timeout'), /^killed: ran past the job timeout \(Job attempt duration exceeded timeout\)$/],
    ['a lost host', variant({ reason: 'Host EC2 (instance i-0abc) terminated.' }, 'Host EC2 (instance i-0abc) terminated.'), /^the job's container was lost/],
    ['a crash before reporting', variant({ exitCode: 1 }), /^the job process crashed with exit code 1$/],
    ['a bad job configuration', variant({ exitCode: 21 }), /^the job could not start/],
    ['an image that never started', variant({ reason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)' }, 'Task failed to start'), /^the job did not run: Task failed to start$/],
  ])('%s', async (_name, event, reason) => {
    // Prepare
    const status = new RecordingStatusSink();
    const handler = createBatchJobFailedHandler(() => ({ status, logger: new MemoryLogger() }));
    // Act
    const outcome = await handler(event);
    // Assess
    expect(outcome).toBe('recorded');
    expect(status.updates).toEqual([
      expect.objectContaining({ status: 'failed', jobId: '4c7599ae-0a82-49aa-ba5a-4727fcce14a8', job: expect.objectContaining({ patientId: '002_S_0295', sessionDate: '2011-06-02', fingerprint: '0123456789abcdef' }) }),
    ]);
    expect(status.updates[0].reason).toMatch(reason);
  });

  it('leaves a job that reported its own failure (exit 20) as it said', async () => {
    const status = new RecordingStatusSink();
    const outcome = await createBatchJobFailedHandler(() => ({ status, logger: new MemoryLogger() }))(variant({ exitCode: 20 }));
    expect([outcome, status.updates]).toEqual(['already-reported', []]);
  });

  it.each([
    ['another status', (e: any) => ((e.detail.status = 'SUCCEEDED'), e)],
    ['not a Batch event', (e: any) => ((e.source = 'aws.s3'), e)],
    ['a job without the job contract', (e: any) => ((e.detail.container.environment = [{ name: 'FOO', value: 'bar' }]), e)],
  ])('ignores %s without writing anything', async (_name, change) => {
    const status = new RecordingStatusSink();
    const outcome = await createBatchJobFailedHandler(() => ({ status, logger: new MemoryLogger() }))(change(fixture()));
    expect([outcome, status.updates]).toEqual(['ignored', []]);
  });

  it('is idempotent: the same event delivered twice leaves one failed Task with the reason in FHIR', async () => {
    // Prepare
    const { store } = memoryFhirStore();
    const logger = new MemoryLogger();
    const status = new FhirStatusSink({ store, objectUrl: (bucket, key) => `s3://${bucket}/${key}`, logger });
    const handler = createBatchJobFailedHandler(() => ({ status, logger }));
    // Act
    await handler(fixture());
    await handler(fixture());
    // Assess
    const tasks = await store.search<Task>('Task', 'code=preprocess-session');
    expect(tasks).toHaveLength(1);
    expect(taskFacts(tasks[0])).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^killed: out of memory/), jobId: '4c7599ae-0a82-49aa-ba5a-4727fcce14a8' });
    expect(logger.text()).not.toContain('002_S_0295');
  });
});

describe('FAILED children of a backfill array job (the event carries only ADNI_JOB_MANIFEST)', () => {
  const sessions = [
    { patientId: '002_S_0295', sessionDate: '2011-06-02' },
    { patientId: '011_S_0002', sessionDate: '2011-06-02' },
  ];
  const requests: PreprocessJobRequest[] = sessions.map((session, i) => ({
    ...session,
    fingerprint: `00000000000000b${i}`,
    jobName: jobName(session.patientId, session.sessionDate, `00000000000000b${i}`),
    inputBucket: 'adni-raw',
    mriKey: rawKey(session, 'mri'),
    petKey: rawKey(session, 'pet'),
    outputBucket: 'adni-out',
    outputPrefix: preprocessedPrefix(session),
  }));
  /** The OOM fixture as a child (or the parent) of an array job whose overrides held only the manifest. */
  function arrayEvent(bucket: string, key: string, index?: number) {
    const event = fixture();
    event.detail.jobId = index === undefined ? 'a1b2c3d4-0000-4000-8000-000000000000' : `a1b2c3d4-0000-4000-8000-000000000000:${index}`;
    event.detail.arrayProperties = index === undefined ? { size: 2 } : { index };
    event.detail.container.environment = [{ name: 'ADNI_JOB_MANIFEST', value: `${bucket}/${key}` }];
    return event;
  }

  it('records the failure on the session of the child’s index (manifest read from S3 on s3rver); ignores the parent and a missing manifest', async () => {
    // Prepare: the manifest backfill wrote to the raw bucket
    const s3 = await startLoopbackS3();
    try {
      const raw = await s3.newStore();
      const key = jobArrayManifestKey('20261125T103000Z-0a1b2c3d');
      await raw.put(key, JSON.stringify(jobArrayManifest('20261125T103000Z-0a1b2c3d', requests, new Date())));
      const status = new RecordingStatusSink();
      const logger = new MemoryLogger();
      const handler = createBatchJobFailedHandler(() => ({ status, logger, readObject: (_bucket, k) => raw.get(k) }));
      // Act
      const child = await handler(arrayEvent(raw.bucket, key, 1));
      const parent = await handler(arrayEvent(raw.bucket, key));
      const gone = await handler(arrayEvent(raw.bucket, 'jobs/arrays/gone.json', 0));
      // Assess
      expect([child, parent, gone]).toEqual(['recorded', 'ignored', 'ignored']);
      expect(status.updates).toEqual([
        expect.objectContaining({ status: 'failed', jobId: 'a1b2c3d4-0000-4000-8000-000000000000:1', job: expect.objectContaining({ patientId: '011_S_0002', fingerprint: '00000000000000b1' }) }),
      ]);
      expect(status.updates[0].reason).toMatch(/^killed: out of memory/);
      expect(logger.text()).not.toMatch(/002_S_0295|011_S_0002/);
    } finally {
      await s3.close();
    }
  });
});
