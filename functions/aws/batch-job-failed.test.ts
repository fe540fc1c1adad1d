import { readFileSync } from 'node:fs';
import type { Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { memoryFhirStore } from '../../test/fhir/memory-store.js';
import { MemoryLogger, RecordingStatusSink } from '../../test/support/recorders.js';
import { FhirStatusSink } from '../../shared/fhir/status-sink.js';
import { taskFacts } from '../../shared/fhir/mapping.js';
import { createBatchJobFailedHandler } from './batch-job-failed.js';

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
