import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/ports/observability.js';
import { BatchJobSubmitter } from '../../providers/aws/batch-job-submitter.js';
import { createUploadTrigger } from '../../functions/aws/upload-trigger.js';
import { MemoryLogger, MemoryMetrics, RecordingStatusSink } from '../support/recorders.js';
import { startLoopbackBatch, type LoopbackBatch } from './batch-recorder.js';
import { enforceConditionalCreate } from './enforce-conditional-create.js';
import { awsFixture } from './fixtures.js';
import { startLoopbackS3, type LoopbackS3 } from './s3rver.js';
import { shuffle } from '../support/shuffle.js';


/** Runs `work` over `items` with at most `limit` in flight, like concurrent Lambda invocations. */
async function inFlight<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

let s3: LoopbackS3;
let batch: LoopbackBatch;
beforeAll(async () => {
  [s3, batch] = await Promise.all([startLoopbackS3(), startLoopbackBatch()]);
});
afterAll(async () => {
  await Promise.all([s3?.close(), batch?.close()]);
});

describe('event storm through the AWS adapter', () => {
  it('200 shuffled, duplicated, out-of-order S3 records for 20 sessions submit exactly 20 Batch jobs', async () => {
    // Prepare: 20 sessions; half upload the PET first, half the MRI. Objects live in s3rver; the job
    // marker's conditional create is enforced in-process because s3rver ignores If-None-Match
    // (see enforce-conditional-create.ts); Batch is the loopback recorder.
    const store = enforceConditionalCreate(await s3.newStore({ bucket: 'adni-storm' }));
    const template = awsFixture('s3/single-record').Records[0];
    const record = (key: string) => {
      const r = structuredClone(template);
      r.s3.bucket.name = store.bucket;
      r.s3.object.key = key;
      return r;
    };
    const sessions = Array.from({ length: 20 }, (_, i) => {
      const base = `raw/STORM_${String(i).padStart(2, '0')}/2024-02-${String(i + 1).padStart(2, '0')}`;
      const [first, second] = i % 2 === 0 ? ['pet', 'mri'] : ['mri', 'pet'];
      return { first: `${base}/${first}.nii.gz`, second: `${base}/${second}.nii.gz` };
    });
    const logger = new MemoryLogger();
    const metrics = new MemoryMetrics();
    const jobs = new BatchJobSubmitter({ jobQueue: 'adni-storm', jobDefinition: 'adni-preprocess:1', client: batch.client });
    const trigger = createUploadTrigger(() => ({ store, jobs, status: new RecordingStatusSink(), clock: systemClock, logger, metrics }));
    const deliver = (records: unknown[]) => inFlight(records, 16, (r) => trigger({ Records: [r] }));

    // Act, phase 1: first modality uploaded; 3 deliveries each of its record (60), in random order.
    for (const s of sessions) await store.put(s.first, `${s.first} v1`);
    const phase1 = shuffle(sessions.flatMap((s) => Array(3).fill(0).map(() => record(s.first))), 1);
    await deliver(phase1);
    const afterPhase1 = batch.requests.length;
    // Phase 2: second modality uploaded; its 3 deliveries are mixed with 4 late duplicates of the first (140).
    for (const s of sessions) await store.put(s.second, `${s.second} v1`);
    const phase2 = shuffle(sessions.flatMap((s) => [...Array(4).fill(s.first), ...Array(3).fill(s.second)].map(record)), 2);
    await deliver(phase2);

    // Assess
    expect(phase1.length + phase2.length).toBe(200);
    expect(afterPhase1).toBe(0);
    const submitted = batch.requests.filter((r) => r.path === '/v1/submitjob');
    expect(submitted).toHaveLength(20);
    const patients = submitted.map((r) => r.body.containerOverrides.environment.find((e: any) => e.name === 'ADNI_PATIENT_ID').value);
    expect(new Set(patients).size).toBe(20);
    expect(metrics.counts.get('JobsSubmitted')).toBe(20);
    expect((metrics.counts.get('DuplicateEvents') ?? 0) + (metrics.counts.get('SessionsWaiting') ?? 0)).toBe(180);
    expect(await store.list('jobs/')).toHaveLength(20);
  });
});
