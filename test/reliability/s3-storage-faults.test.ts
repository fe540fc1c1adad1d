import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUploadTrigger } from '../../functions/aws/upload-trigger.js';
import { S3ObjectStore } from '../../providers/aws/s3-object-store.js';
import { systemClock } from '../../shared/ports/observability.js';
import { enforceConditionalCreate } from '../aws/enforce-conditional-create.js';
import { awsFixture } from '../aws/fixtures.js';
import { startLoopbackS3, type LoopbackS3 } from '../aws/s3rver.js';
import { MemoryLogger, MemoryMetrics, RecordingJobSubmitter, RecordingStatusSink } from '../support/recorders.js';
import { startFaultProxy, type FaultAction, type FaultProxy, type ProxiedRequest } from './fault-proxy.js';

/**
 * Storage answering 500/503 on the wire, for the S3 adapter: s3rver behind the loopback fault proxy, the real
 * S3ObjectStore (AWS SDK v3, its standard retry: 3 attempts) and the AWS upload trigger. Objects are counted
 * on s3rver directly, around the proxy.
 */
const S3_ERROR = (code: string) => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message><RequestId>x</RequestId></Error>`;
const unavailable: FaultAction = { status: 503, body: S3_ERROR('SlowDown'), contentType: 'application/xml' };
const internal: FaultAction = { status: 500, body: S3_ERROR('InternalError'), contentType: 'application/xml' };

let s3: LoopbackS3;
let proxy: FaultProxy;
beforeAll(async () => {
  [s3, proxy] = await Promise.all([startLoopbackS3(), startFaultProxy()]);
  proxy.target = s3.endpoint;
});
afterAll(async () => {
  await Promise.all([s3?.close(), proxy?.close()]);
});

async function setup(plan: (req: ProxiedRequest) => FaultAction) {
  const direct = await s3.newStore();
  const client = new S3Client({
    endpoint: proxy.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const store = enforceConditionalCreate(new S3ObjectStore({ bucket: direct.bucket, client }));
  const session = 'raw/S3F001/2024-03-01';
  await direct.put(`${session}/mri.nii.gz`, 'mri v1');
  await direct.put(`${session}/pet.nii.gz`, 'pet v1');
  const jobs = new RecordingJobSubmitter();
  const trigger = createUploadTrigger(() => ({ store, jobs, status: new RecordingStatusSink(), clock: systemClock, logger: new MemoryLogger(), metrics: new MemoryMetrics() }));
  const template = awsFixture('s3/single-record').Records[0];
  const record = (modality: string) => {
    const r = structuredClone(template);
    r.s3.bucket.name = direct.bucket;
    r.s3.object.key = `${session}/${modality}.nii.gz`;
    return r;
  };
  proxy.plan = plan;
  return { direct, jobs, trigger, record, client };
}

describe('S3 answering 500/503 through the AWS upload trigger', () => {
  it('503 SlowDown on the first 3 requests → the SDK retries them: one job, one marker', async () => {
    // Prepare
    let failures = 3;
    const { direct, jobs, trigger, record, client } = await setup(() => (failures-- > 0 ? unavailable : 'pass'));
    // Act
    await Promise.all([trigger({ Records: [record('mri')] }), trigger({ Records: [record('pet')] })]);
    // Assess
    expect(failures).toBeLessThan(0);
    expect(jobs.submitted).toHaveLength(1);
    expect(await direct.list('jobs/')).toHaveLength(1);
    client.destroy();
  });

  it('500 on the marker write past the SDK\'s retries → the invocation fails (Lambda retries it) with no marker left; the retry submits one job', async () => {
    // Prepare: every PUT of a job marker fails 3 times (the SDK's 3 attempts), then passes
    let failures = 3;
    const { direct, jobs, trigger, record, client } = await setup((req) => (req.method === 'PUT' && req.url.includes('/jobs/') && failures-- > 0 ? internal : 'pass'));
    // Act
    const first = await trigger({ Records: [record('pet')] }).then(() => 'ok', (error: Error) => error.message);
    const afterFailure = { jobs: jobs.submitted.length, markers: (await direct.list('jobs/')).length };
    await trigger({ Records: [record('pet')] });
    // Assess
    expect(failures).toBeLessThan(0);
    expect(first).toMatch(/1 of 1 upload records failed; Lambda will retry/);
    expect(afterFailure).toEqual({ jobs: 0, markers: 0 });
    expect(jobs.submitted).toHaveLength(1);
    expect(await direct.list('jobs/')).toHaveLength(1);
    client.destroy();
  });
});
