import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobName } from '../../shared/core/job-contract.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { startLoopbackBatch, type LoopbackBatch } from '../../test/aws/batch-recorder.js';
import { BatchJobSubmitter } from './batch-job-submitter.js';

const request: PreprocessJobRequest = {
  patientId: '002_S_0295',
  sessionDate: '2011-06-02',
  jobName: jobName('002_S_0295', '2011-06-02', '0123456789abcdef'),
  fingerprint: '0123456789abcdef',
  inputBucket: 'adni-raw',
  mriKey: 'raw/002_S_0295/2011-06-02/mri.nii.gz',
  petKey: 'raw/002_S_0295/2011-06-02/pet.nii.gz',
  mriVersion: 'v-mri',
  petVersion: 'v-pet',
  outputBucket: 'adni-preprocessed',
  outputPrefix: 'preprocessed/002_S_0295/2011-06-02/',
};

let batch: LoopbackBatch;
beforeAll(async () => {
  batch = await startLoopbackBatch();
});
afterAll(async () => {
  await batch?.close();
});
beforeEach(() => {
  batch.requests.length = 0;
});

describe('BatchJobSubmitter', () => {
  it('sends one signed SubmitJob with the job contract, retries and PHI-free tags', async () => {
    // Prepare
    const jobs = new BatchJobSubmitter({ jobQueue: 'adni-preprocess-dev', jobDefinition: 'adni-preprocess-dev:3', attempts: 2, client: batch.client });
    // Act
    const submitted = await jobs.submit(request);
    // Assess
    expect(batch.requests).toHaveLength(1);
    const [sent] = batch.requests;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/submitjob');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/batch\/aws4_request/);
    expect(sent.body).toMatchObject({
      jobName: request.jobName,
      jobQueue: 'adni-preprocess-dev',
      jobDefinition: 'adni-preprocess-dev:3',
      retryStrategy: { attempts: 2 },
      propagateTags: true,
    });
    expect(Object.fromEntries(sent.body.containerOverrides.environment.map((e: { name: string; value: string }) => [e.name, e.value]))).toEqual({
      ADNI_PATIENT_ID: '002_S_0295',
      ADNI_SESSION_DATE: '2011-06-02',
      ADNI_FINGERPRINT: '0123456789abcdef',
      ADNI_INPUT_BUCKET: 'adni-raw',
      ADNI_MRI_KEY: 'raw/002_S_0295/2011-06-02/mri.nii.gz',
      ADNI_PET_KEY: 'raw/002_S_0295/2011-06-02/pet.nii.gz',
      ADNI_MRI_VERSION: 'v-mri',
      ADNI_PET_VERSION: 'v-pet',
      ADNI_OUTPUT_BUCKET: 'adni-preprocessed',
      ADNI_OUTPUT_PREFIX: 'preprocessed/002_S_0295/2011-06-02/',
      ADNI_JOB_NAME: request.jobName,
    });
    expect(Object.keys(sent.body.tags).sort()).toEqual(['adni:fingerprint', 'adni:session']);
    expect(sent.body.tags['adni:fingerprint']).toBe('0123456789abcdef');
    expect(JSON.stringify(sent.body.tags) + sent.body.jobName).not.toMatch(/002_S_0295|2011-06-02/);
    expect(submitted.provider).toBe('aws-batch');
    expect(submitted.jobId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('throws when Batch fails, so the event is retried', async () => {
    const jobs = new BatchJobSubmitter({ jobQueue: 'q', jobDefinition: 'd', client: batch.client });
    batch.failNext(1);
    await expect(jobs.submit(request)).rejects.toMatchObject({ name: 'ServerException' });
  });

  it('submitArray sends ONE signed SubmitJob with arrayProperties.size, the manifest as the only override, and returns child ids', async () => {
    // Prepare
    const jobs = new BatchJobSubmitter({ jobQueue: 'adni-preprocess-dev', jobDefinition: 'adni-preprocess-dev:3', attempts: 2, client: batch.client });
    const manifest = { bucket: 'adni-raw', key: 'jobs/arrays/20240301T101500Z-1a2b3c4d.json' };
    // Act
    const children = await jobs.submitArray([request, request, request], manifest);
    // Assess
    expect(batch.requests).toHaveLength(1);
    const [sent] = batch.requests;
    expect(sent.path).toBe('/v1/submitjob');
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/batch\/aws4_request/);
    expect(sent.body).toEqual({
      jobName: 'adni-array-20240301T101500Z-1a2b3c4d',
      jobQueue: 'adni-preprocess-dev',
      jobDefinition: 'adni-preprocess-dev:3',
      arrayProperties: { size: 3 },
      containerOverrides: { environment: [{ name: 'ADNI_JOB_MANIFEST', value: 'adni-raw/jobs/arrays/20240301T101500Z-1a2b3c4d.json' }] },
      retryStrategy: { attempts: 2 },
      tags: { 'adni:array': '20240301T101500Z-1a2b3c4d' },
      propagateTags: true,
    });
    const arrayJobId = children[0].jobId.split(':')[0];
    expect(arrayJobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(children).toEqual([0, 1, 2].map((i) => ({ jobId: `${arrayJobId}:${i}`, provider: 'aws-batch' })));
  });

  it.each([1, 10_001])('submitArray refuses %i children before calling Batch (Batch arrays are 2..10 000)', async (n) => {
    const jobs = new BatchJobSubmitter({ jobQueue: 'q', jobDefinition: 'd', client: batch.client });
    await expect(jobs.submitArray(Array(n).fill(request), { bucket: 'b', key: 'jobs/arrays/x.json' })).rejects.toThrow('2 to 10000 children');
    expect(batch.requests).toEqual([]);
  });

  it('submitArray throws when Batch fails', async () => {
    const jobs = new BatchJobSubmitter({ jobQueue: 'q', jobDefinition: 'd', client: batch.client });
    batch.failNext(1);
    await expect(jobs.submitArray([request, request], { bucket: 'b', key: 'jobs/arrays/x.json' })).rejects.toMatchObject({ name: 'ServerException' });
  });

  it.each([0, 11, 1.5])('refuses %s attempts', (attempts) => {
    expect(() => new BatchJobSubmitter({ jobQueue: 'q', jobDefinition: 'd', attempts, client: batch.client })).toThrow('attempts');
  });
});
