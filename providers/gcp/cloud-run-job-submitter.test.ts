import { ExecutionsClient, JobsClient } from '@google-cloud/run';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEnvironmentSchema } from '../../shared/core/job-contract.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { startLoopback, type Loopback, type RecordedRequest } from '../../test/azure/loopback.js';
import { StaticGoogleAuth } from '../../test/gcp/static-auth.js';
import { CloudRunJobSubmitter, type CloudRunJobSubmitterOptions } from './cloud-run-job-submitter.js';
import { CloudRunJobStatusReader } from './cloud-run-job-status.js';

const request: PreprocessJobRequest = {
  patientId: 'SECRET-P001',
  sessionDate: '2024-03-01',
  jobName: 'adni-3f1c9a0b2d-0123456789ab',
  fingerprint: '0123456789abcdef',
  inputBucket: 'adni-uploads',
  mriKey: 'raw/SECRET-P001/2024-03-01/mri.nii.gz',
  petKey: 'raw/SECRET-P001/2024-03-01/pet.nii.gz',
  mriVersion: '1709288104798312',
  petVersion: '1709288160307051',
  outputBucket: 'adni-uploads',
  outputPrefix: 'preprocessed/SECRET-P001/2024-03-01/',
};

const JOB = 'projects/adni-test/locations/europe-west4/jobs/adni-preprocess';
/** Executions the fake Cloud Run API holds, by name; what a test puts in. */
const executions = new Map<string, object>();
let api: Loopback;
let executionCounter = 0;

/** REST clients (HTTP/JSON, not gRPC) on the loopback API, the way the SDK documents `fallback`. */
const restOptions = () => ({ fallback: true, apiEndpoint: '127.0.0.1', port: api.port, protocol: 'http', authClient: new StaticGoogleAuth() } as any);

beforeAll(async () => {
  api = await startLoopback((r: RecordedRequest) => {
    const path = r.url.split('?')[0];
    if (r.method === 'POST' && path === `/v2/${JOB}:run`) {
      const execution = `${JOB}/executions/adni-preprocess-${String(++executionCounter).padStart(5, '0')}`;
      return {
        status: 200,
        body: {
          name: `projects/adni-test/locations/europe-west4/operations/op-${executionCounter}`,
          metadata: { '@type': 'type.googleapis.com/google.cloud.run.v2.Execution', name: execution, job: 'adni-preprocess' },
          done: false,
        },
      };
    }
    if (r.method === 'POST' && path.endsWith(':run')) return { status: 404, body: { error: { code: 404, message: `Resource '${path}' was not found`, status: 'NOT_FOUND' } } };
    const execution = executions.get(decodeURIComponent(path.replace(/^\/v2\//, '')));
    if (r.method === 'GET' && execution) return { status: 200, body: execution };
    return { status: 404, body: { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } } };
  });
});
afterAll(async () => api?.close());

const options = (): CloudRunJobSubmitterOptions => ({
  client: new JobsClient(restOptions()),
  projectId: 'adni-test',
  region: 'europe-west4',
  jobName: 'adni-preprocess',
  environment: { ADNI_GCS_PROJECT: 'adni-test' },
  timeoutSeconds: 1800,
});

describe('Cloud Run Jobs submission through the real @google-cloud/run client (REST transport, loopback API)', () => {
  it('runs one execution of the job with the job environment as container overrides', async () => {
    // Prepare
    api.requests.length = 0;
    const jobs = new CloudRunJobSubmitter(options());
    // Act
    const submitted = await jobs.submit(request);
    // Assess
    expect(api.requests).toHaveLength(1);
    const run = api.requests[0];
    expect(run.method).toBe('POST');
    expect(run.url.split('?')[0]).toBe(`/v2/${JOB}:run`);
    expect(run.headers.authorization).toBe('Bearer test-token');
    expect(run.headers['x-goog-request-params']).toBe('location=europe-west4');
    expect(run.json.overrides).toMatchObject({ taskCount: 1, timeout: '1800s' });
    const env = Object.fromEntries(
      (run.json.overrides.containerOverrides[0].env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    expect(JobEnvironmentSchema.parse(env)).toMatchObject({ ADNI_PATIENT_ID: 'SECRET-P001', ADNI_MRI_VERSION: '1709288104798312' });
    expect(env).toMatchObject({ ADNI_STORE: 'gcp', ADNI_GCS_PROJECT: 'adni-test' });
    expect(submitted).toEqual({ jobId: `${JOB}/executions/adni-preprocess-00001`, provider: 'gcp-cloud-run' });
  });

  it('throws the API error when the job does not exist, so the core releases its claim', async () => {
    const jobs = new CloudRunJobSubmitter({ ...options(), jobName: 'missing' });
    await expect(jobs.submit(request)).rejects.toThrow(/not found/i);
  });

  const execution = (counts: object, message?: string) => ({
    name: 'x', ...counts,
    conditions: message ? [{ type: 'Completed', state: 'CONDITION_FAILED', message }] : [],
  });

  it.each([
    ['queued', execution({}), { status: 'requested' }],
    ['running', execution({ runningCount: 1 }), { status: 'in-progress' }],
    ['succeeded', execution({ succeededCount: 1 }), { status: 'completed' }],
    ['failed', execution({ failedCount: 1 }, 'Task adni-preprocess-00001-abc failed with exit code 3'), { status: 'failed', reason: 'the preprocessing job failed: Task adni-preprocess-00001-abc failed with exit code 3' }],
    ['cancelled', execution({ cancelledCount: 1 }), { status: 'failed', reason: 'the preprocessing job was cancelled' }],
  ])('reads a %s execution', async (name, body, expected) => {
    executions.set(`${JOB}/executions/${name}`, body);
    const state = await new CloudRunJobStatusReader(new ExecutionsClient(restOptions())).read(`${JOB}/executions/${name}`);
    expect(state).toEqual(expected);
  });

  it('reads a missing execution as undefined', async () => {
    expect(await new CloudRunJobStatusReader(new ExecutionsClient(restOptions())).read(`${JOB}/executions/nope`)).toBeUndefined();
  });
});
