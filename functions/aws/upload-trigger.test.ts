import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/ports/observability.js';
import { BatchJobSubmitter } from '../../providers/aws/batch-job-submitter.js';
import { S3ObjectStore } from '../../providers/aws/s3-object-store.js';
import { startLoopbackBatch, type LoopbackBatch } from '../../test/aws/batch-recorder.js';
import { awsFixture, retarget } from '../../test/aws/fixtures.js';
import { enforceConditionalCreate } from '../../test/aws/enforce-conditional-create.js';
import { startLoopbackS3, type LoopbackS3 } from '../../test/aws/s3rver.js';
import { MemoryLogger, MemoryMetrics, RecordingStatusSink } from '../../test/support/recorders.js';
import { createUploadTrigger, uploadTriggerDepsFromEnv } from './upload-trigger.js';

let s3: LoopbackS3;
let batch: LoopbackBatch;
let bucketNumber = 0;
beforeAll(async () => {
  [s3, batch] = await Promise.all([startLoopbackS3(), startLoopbackBatch()]);
});
afterAll(async () => {
  await Promise.all([s3?.close(), batch?.close()]);
});
beforeEach(() => {
  batch.requests.length = 0;
});

/**
 * A trigger over a fresh bucket on s3rver and the loopback Batch endpoint. s3rver ignores If-None-Match,
 * so the job-marker create is made conditional in-process (see enforce-conditional-create.ts).
 */
async function setup() {
  const store = enforceConditionalCreate(await s3.newStore({ bucket: `adni-trigger-${process.pid}-${++bucketNumber}` }));
  const logger = new MemoryLogger();
  const metrics = new MemoryMetrics();
  const status = new RecordingStatusSink();
  const jobs = new BatchJobSubmitter({ jobQueue: 'adni-preprocess-test', jobDefinition: 'adni-preprocess-test:1', client: batch.client });
  const trigger = createUploadTrigger(() => ({ store, outputBucket: 'adni-preprocessed-test', jobs, status, clock: systemClock, logger, metrics }));
  const upload = (key: string, body = key) => store.put(key, body);
  return { store, logger, metrics, status, trigger, upload };
}

const MRI = 'raw/002_S_0295/2011-06-02/mri.nii.gz';
const PET = 'raw/002_S_0295/2011-06-02/pet.nii.gz';

describe('upload trigger (S3 notification)', () => {
  it('submits one Batch job when a notification carries both modalities', async () => {
    // Prepare
    const { store, trigger, upload, status } = await setup();
    await upload(MRI);
    await upload(PET);
    // Act
    const result = await trigger(retarget(awsFixture('s3/multiple-records'), store.bucket));
    // Assess
    expect(result.outcomes).toEqual({ ignored: 0, waiting: 0, duplicate: 1, submitted: 1 });
    expect(batch.requests).toHaveLength(1);
    const env = Object.fromEntries(batch.requests[0].body.containerOverrides.environment.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ ADNI_INPUT_BUCKET: store.bucket, ADNI_OUTPUT_BUCKET: 'adni-preprocessed-test', ADNI_MRI_KEY: MRI, ADNI_PET_KEY: PET });
    expect(status.updates.map((u) => u.status)).toEqual(['requested']);
    const markers = await store.list('jobs/002_S_0295/2011-06-02/');
    expect(markers).toHaveLength(1);
    expect(JSON.parse(new TextDecoder().decode(await store.get(markers[0].key)))).toMatchObject({ provider: 'aws-batch' });
  });

  it('is idempotent: the same notification again submits nothing', async () => {
    const { store, trigger, upload } = await setup();
    await upload(MRI);
    await upload(PET);
    const event = retarget(awsFixture('s3/duplicate'), store.bucket);
    await trigger(event);
    const again = await trigger(event);
    expect(again.outcomes).toEqual({ ignored: 0, waiting: 0, duplicate: 3, submitted: 0 });
    expect(batch.requests).toHaveLength(1);
  });

  it('PET before MRI: waits, then submits when the MRI lands', async () => {
    const { store, trigger, upload } = await setup();
    const [petRecord, mriRecord] = retarget(awsFixture('s3/pet-before-mri'), store.bucket).Records;
    await upload(petRecord.s3.object.key);
    const first = await trigger({ Records: [petRecord] });
    await upload(mriRecord.s3.object.key);
    const second = await trigger({ Records: [mriRecord] });
    expect(first.outcomes.waiting).toBe(1);
    expect(second.outcomes.submitted).toBe(1);
    expect(batch.requests).toHaveLength(1);
  });

  it('a re-upload (new version of the MRI) is processed again', async () => {
    const { store, trigger, upload } = await setup();
    await upload(MRI, 'first');
    await upload(PET);
    const event = retarget(awsFixture('s3/single-record'), store.bucket);
    await trigger(event);
    await upload(MRI, 'second scan, other bytes');
    await trigger(event);
    expect(batch.requests).toHaveLength(2);
    expect(new Set(batch.requests.map((r) => r.body.jobName)).size).toBe(2);
  });

  it('bad records are logged with a reason and skipped, never thrown, and logs carry no patient id', async () => {
    // Prepare
    const { store, trigger, upload, logger, metrics } = await setup();
    await upload(MRI);
    await upload(PET);
    // Act
    const result = await trigger(retarget(awsFixture('s3/bad-key'), store.bucket));
    // Assess
    expect(result.rejected).toBe(3);
    expect(result.outcomes).toEqual({ ignored: 4, waiting: 0, duplicate: 0, submitted: 1 });
    const reasons = logger.lines.filter((l) => l.level === 'warn').map((l) => l.fields?.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'object key is not valid URL encoding',
        'not an object-created record (ObjectRemoved:Delete)',
        'key contains a "." or ".." segment',
        'file name must be mri.nii.gz or pet.nii.gz',
        'session date is not a real calendar date',
      ]),
    );
    expect(metrics.counts.get('RecordsRejected')).toBe(3);
    expect(metrics.counts.get('EventsIgnored')).toBe(4);
    expect(logger.text()).not.toContain('002_S_0295');
  });

  it('the s3:TestEvent is ignored', async () => {
    const { trigger, logger } = await setup();
    const result = await trigger(awsFixture('s3/test-event'));
    expect(result).toEqual({ kind: 's3-test-event', outcomes: { ignored: 0, waiting: 0, duplicate: 0, submitted: 0 }, rejected: 0 });
    expect(logger.lines.map((l) => l.message)).toEqual([expect.stringContaining('S3 test event ignored')]);
    expect(batch.requests).toHaveLength(0);
  });

  it('a Batch outage throws (Lambda retries) and the retry submits the job', async () => {
    const { store, trigger, upload } = await setup();
    await upload(MRI);
    await upload(PET);
    const event = retarget(awsFixture('s3/single-record'), store.bucket);
    batch.failNext(1);
    await expect(trigger(event)).rejects.toThrow('1 of 1 upload records failed; Lambda will retry the invocation');
    expect(await store.list('jobs/')).toEqual([]);
    const retried = await trigger(event);
    expect(retried.outcomes.submitted).toBe(1);
    expect(batch.requests.filter((r) => r.path === '/v1/submitjob')).toHaveLength(2);
  });

  it('a storage outage throws', async () => {
    const { logger, metrics, status } = await setup();
    const deadClient = new S3Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts: 1 });
    const store = new S3ObjectStore({ bucket: 'adni-progression-raw-dev-us-east-1', client: deadClient });
    const jobs = new BatchJobSubmitter({ jobQueue: 'q', jobDefinition: 'd', client: batch.client });
    const trigger = createUploadTrigger(() => ({ store, jobs, status, clock: systemClock, logger, metrics }));
    await expect(trigger(awsFixture('s3/single-record'))).rejects.toThrow('upload records failed');
    expect(batch.requests).toHaveLength(0);
  });
});

describe('upload trigger (EventBridge)', () => {
  it('MRI then PET Object Created events submit one job; Object Deleted is skipped', async () => {
    const { store, trigger, upload } = await setup();
    await upload(MRI);
    const first = await trigger(retarget(awsFixture('eventbridge/object-created-mri'), store.bucket));
    await upload(PET);
    const second = await trigger(retarget(awsFixture('eventbridge/object-created-pet'), store.bucket));
    const deleted = await trigger(retarget(awsFixture('eventbridge/object-deleted'), store.bucket));
    const bad = await trigger(retarget(awsFixture('eventbridge/bad-key'), store.bucket));
    expect([first.outcomes.waiting, second.outcomes.submitted, deleted.rejected, bad.outcomes.ignored]).toEqual([1, 1, 1, 1]);
    expect(batch.requests).toHaveLength(1);
  });
});

describe('uploadTriggerDepsFromEnv', () => {
  it('names every missing or malformed variable', () => {
    expect(() => uploadTriggerDepsFromEnv({ ADNI_RAW_BUCKET: 'Bad_Bucket', ADNI_JOB_ATTEMPTS: '0' })).toThrow(
      /ADNI_RAW_BUCKET: must be an S3 bucket name.*ADNI_PREPROCESSED_BUCKET.*ADNI_JOB_QUEUE.*ADNI_JOB_DEFINITION.*ADNI_JOB_ATTEMPTS/,
    );
  });

  it('builds the AWS ports from a valid environment', () => {
    const deps = uploadTriggerDepsFromEnv({
      ADNI_RAW_BUCKET: 'adni-raw-dev',
      ADNI_PREPROCESSED_BUCKET: 'adni-preprocessed-dev',
      ADNI_JOB_QUEUE: 'arn:aws:batch:us-east-1:123456789012:job-queue/adni',
      ADNI_JOB_DEFINITION: 'arn:aws:batch:us-east-1:123456789012:job-definition/adni:1',
      AWS_REGION: 'us-east-1',
    });
    expect(deps.store.bucket).toBe('adni-raw-dev');
    expect(deps.outputBucket).toBe('adni-preprocessed-dev');
  });

  it('a failed cold start is not cached: the next invocation builds again', async () => {
    let calls = 0;
    const trigger = createUploadTrigger(() => {
      calls++;
      throw new Error('bad config');
    });
    await expect(trigger(awsFixture('s3/test-event'))).rejects.toThrow('bad config');
    await expect(trigger(awsFixture('s3/test-event'))).rejects.toThrow('bad config');
    expect(calls).toBe(2);
  });
});
