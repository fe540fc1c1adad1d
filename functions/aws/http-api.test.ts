import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackS3, type LoopbackS3 } from '../../test/aws/s3rver.js';
import { systemClock } from '../../shared/ports/observability.js';
import { BatchJobSubmitter } from '../../providers/aws/batch-job-submitter.js';
import { startLoopbackBatch } from '../../test/aws/batch-recorder.js';
import { enforceConditionalCreate } from '../../test/aws/enforce-conditional-create.js';
import { MemoryLogger, MemoryMetrics, RecordingStatusSink } from '../../test/support/recorders.js';
import { createHttpApiHandler, httpApiDepsFromEnv } from './http-api.js';

const fixture = () => JSON.parse(readFileSync(new URL('../../test/events/http-api/post-uploads.json', import.meta.url), 'utf8'));

let s3: LoopbackS3;
beforeAll(async () => {
  s3 = await startLoopbackS3();
});
afterAll(async () => {
  await s3?.close();
});

describe('HTTP API Lambda handler', () => {
  it('POST /uploads through API Gateway v2 returns presigned PUTs that upload to S3', async () => {
    // Prepare
    const store = await s3.newStore();
    const handler = createHttpApiHandler(() => ({ store, logger: new MemoryLogger() }));
    // Act
    const response = await handler(fixture());
    // Assess
    expect(response.statusCode).toBe(201);
    const body = JSON.parse(response.body);
    expect(Object.keys(body.uploads)).toEqual(['mri', 'pet']);
    expect(body.uploads.mri.key).toBe('raw/002_S_0295/2011-06-02/mri.nii.gz');
    const put = await fetch(body.uploads.mri.url, { method: 'PUT', headers: body.uploads.mri.headers, body: 'scan' });
    expect(put.status).toBe(200);
    expect((await store.head('raw/002_S_0295/2011-06-02/mri.nii.gz'))?.size).toBe(4);
  });

  it.each([
    ['{"patient_id":"../x","session_date":"2011-06-02"}', 400, 'invalid_request'],
    ['not json', 400, 'invalid_json'],
  ])('rejects the body %s with %i %s', async (bodyText, status, code) => {
    const store = await s3.newStore();
    const handler = createHttpApiHandler(() => ({ store, logger: new MemoryLogger() }));
    const event = structuredClone(fixture());
    event.body = bodyText;
    const response = await handler(event);
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body).error.code).toBe(code);
  });

  it.each([
    ['POST', '/predict-progression'],
    ['GET', '/preprocessing-status/002_S_0295'],
    ['GET', '/patient-timeline/002_S_0295'],
  ])('%s %s exists (501 until its issue lands)', async (method, rawPath) => {
    const store = await s3.newStore();
    const handler = createHttpApiHandler(() => ({ store, logger: new MemoryLogger() }));
    const event = structuredClone(fixture());
    Object.assign(event, { rawPath, routeKey: `${method} ${rawPath}`, body: method === 'POST' ? '{}' : undefined });
    Object.assign(event.requestContext.http, { method, path: rawPath });
    const response = await handler(event);
    expect(response.statusCode).toBe(501);
  });

  it('a bad environment answers 500 in the API error shape, naming nothing secret, and logs the variable', async () => {
    const logger = new MemoryLogger();
    const handler = createHttpApiHandler(() => httpApiDepsFromEnv({}), logger);
    const response = await handler(fixture());
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'misconfigured', message: 'the service is not configured correctly' } });
    expect(logger.text()).toContain('ADNI_RAW_BUCKET');
  });
});

describe('HTTP API Lambda: reprocess and backfill submit Batch jobs', () => {
  const env = { ADNI_RAW_BUCKET: 'adni-raw', ADNI_PREPROCESSED_BUCKET: 'adni-out' };

  it.each([
    ['without a job queue', env, false],
    ['with a job queue and definition', { ...env, ADNI_JOB_QUEUE: 'q', ADNI_JOB_DEFINITION: 'adni-preprocess:1' }, true],
  ])('%s the API %s the job routes', (_name, vars, served) => {
    // Act
    const deps = httpApiDepsFromEnv(vars);
    // Assess
    expect(deps.jobs !== undefined).toBe(served);
  });

  it('the deployed wiring submits backfill as array jobs: its job submitter has submitArray', () => {
    // Act
    const deps = httpApiDepsFromEnv({ ...env, ADNI_JOB_QUEUE: 'q', ADNI_JOB_DEFINITION: 'adni-preprocess:1' });
    // Assess
    expect(deps.jobs?.jobs).toBeInstanceOf(BatchJobSubmitter);
    expect(typeof deps.jobs?.jobs.submitArray).toBe('function');
  });

  it('refuses a queue without a definition, naming both variables', () => {
    expect(() => httpApiDepsFromEnv({ ...env, ADNI_JOB_QUEUE: 'q' })).toThrow(/ADNI_JOB_QUEUE and ADNI_JOB_DEFINITION go together/);
  });

  it('POST /reprocess through API Gateway v2 submits one Batch job for the session', async () => {
    // Prepare: both raw files in s3rver (conditional create enforced in-process: s3rver ignores If-None-Match),
    // Batch is the loopback recorder.
    const batch = await startLoopbackBatch();
    try {
      const store = enforceConditionalCreate(await s3.newStore({ bucket: 'adni-reprocess' }));
      await store.put('raw/002_S_0295/2011-06-02/mri.nii.gz', 'mri');
      await store.put('raw/002_S_0295/2011-06-02/pet.nii.gz', 'pet');
      const logger = new MemoryLogger();
      const jobs = {
        store,
        outputBucket: 'adni-out',
        jobs: new BatchJobSubmitter({ jobQueue: 'adni-queue', jobDefinition: 'adni-preprocess:1', client: batch.client }),
        status: new RecordingStatusSink(),
        clock: systemClock,
        logger,
        metrics: new MemoryMetrics(),
      };
      const handler = createHttpApiHandler(() => ({ store, logger, jobs }));
      const event = structuredClone(fixture());
      Object.assign(event, { rawPath: '/reprocess', routeKey: 'POST /reprocess', body: JSON.stringify({ patient_id: '002_S_0295', session_date: '2011-06-02' }) });
      Object.assign(event.requestContext.http, { method: 'POST', path: '/reprocess' });
      // Act
      const first = await handler(event);
      const second = await handler(structuredClone(event));
      // Assess: each call is one more job (a reprocess is explicit), each on the configured queue
      expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
      const submits = batch.requests.filter((r) => r.path === '/v1/submitjob');
      expect(submits).toHaveLength(2);
      expect(submits.map((r) => r.body.jobQueue)).toEqual(['adni-queue', 'adni-queue']);
      expect(new Set(submits.map((r) => r.body.jobName)).size).toBe(2);
    } finally {
      await batch.close();
    }
  });
});

describe('HTTP API Lambda: POST /backfill submits AWS Batch array jobs', () => {
  const SESSIONS = [
    ['002_S_0295', '2011-06-02'],
    ['002_S_0295', '2012-06-04'],
    ['011_S_0002', '2011-06-02'],
  ] as const;

  /** Raw sessions on s3rver (conditional create enforced in-process: s3rver ignores If-None-Match), Batch = the loopback recorder. */
  async function setup(sessions: readonly (readonly [string, string])[]) {
    const batch = await startLoopbackBatch();
    const store = enforceConditionalCreate(await s3.newStore());
    const outputs = await s3.newStore();
    for (const [p, s] of sessions) for (const m of ['mri', 'pet']) await store.put(`raw/${p}/${s}/${m}.nii.gz`, `${m}-${p}-${s}`);
    const logger = new MemoryLogger();
    const status = new RecordingStatusSink();
    const jobs = {
      store,
      outputBucket: outputs.bucket,
      jobs: new BatchJobSubmitter({ jobQueue: 'adni-queue', jobDefinition: 'adni-preprocess:1', client: batch.client }),
      status,
      clock: systemClock,
      logger,
      metrics: new MemoryMetrics(),
    };
    const handler = createHttpApiHandler(() => ({ store, outputs, logger, jobs }));
    const backfill = async () => {
      const event = structuredClone(fixture());
      Object.assign(event, { rawPath: '/backfill', routeKey: 'POST /backfill', body: JSON.stringify({}) });
      Object.assign(event.requestContext.http, { method: 'POST', path: '/backfill' });
      const response = await handler(event);
      return { status: response.statusCode, body: JSON.parse(response.body) };
    };
    const json = async (key: string) => JSON.parse(new TextDecoder().decode(await store.get(key)));
    const markerKeys = async () => (await store.list('jobs/')).map((h) => h.key).filter((k) => !k.startsWith('jobs/arrays/'));
    return { batch, store, status, backfill, json, markerKeys };
  }

  it('3 sessions lacking outputs: ONE SubmitJob with arrayProperties.size 3, the manifest on S3 with 3 entries, markers record arrayId:i', async () => {
    // Prepare
    const { batch, store, status, backfill, json, markerKeys } = await setup(SESSIONS);
    try {
      // Act
      const response = await backfill();
      // Assess: one Batch call, an array of 3 pointing at the manifest
      expect(response.status).toBe(202);
      const submits = batch.requests.filter((r) => r.path === '/v1/submitjob');
      expect(submits).toHaveLength(1);
      const [sent] = submits;
      expect(sent.body.arrayProperties).toEqual({ size: 3 });
      expect(sent.body.jobQueue).toBe('adni-queue');
      const [{ name, value }] = sent.body.containerOverrides.environment;
      expect(name).toBe('ADNI_JOB_MANIFEST');
      expect(value).toMatch(new RegExp(`^${store.bucket}/jobs/arrays/[0-9TZ]+-[0-9a-f]{8}\\.json$`));
      expect(JSON.stringify(sent.body)).not.toMatch(/002_S_0295|011_S_0002/);
      // the manifest object exists on s3rver: entry i = session i's single-job environment
      const manifest = await json(value.slice(store.bucket.length + 1));
      expect(manifest.jobs.map((e: Record<string, string>) => [e.ADNI_PATIENT_ID, e.ADNI_SESSION_DATE])).toEqual(SESSIONS);
      expect(manifest.jobs.every((e: Record<string, string>) => e.ADNI_INPUT_BUCKET === store.bucket && e.ADNI_JOB_NAME.startsWith('adni-'))).toBe(true);
      // each session's marker and requested status carry its child id arrayJobId:i
      const arrayJobId = response.body.sessions[0].job_id.split(':')[0];
      expect(response.body.sessions.map((s: any) => [s.patient_id, s.session_date, s.outcome, s.job_id])).toEqual(
        SESSIONS.map(([p, d], i) => [p, d, 'submitted', `${arrayJobId}:${i}`]),
      );
      expect(await markerKeys()).toHaveLength(3);
      for (const [i, [p, d]] of SESSIONS.entries()) {
        const marker = await json(`jobs/${p}/${d}/${manifest.jobs[i].ADNI_FINGERPRINT}.json`);
        expect(marker).toMatchObject({ jobId: `${arrayJobId}:${i}`, provider: 'aws-batch' });
      }
      expect(status.updates.map((u) => [u.status, u.jobId]).sort()).toEqual(SESSIONS.map((_, i) => ['requested', `${arrayJobId}:${i}`]));
    } finally {
      await batch.close();
    }
  });

  it('one session lacking outputs: a plain SubmitJob with the job contract, no array, no manifest', async () => {
    // Prepare
    const { batch, store, backfill } = await setup(SESSIONS.slice(0, 1));
    try {
      // Act
      const response = await backfill();
      // Assess
      expect(response.status).toBe(202);
      const submits = batch.requests.filter((r) => r.path === '/v1/submitjob');
      expect(submits).toHaveLength(1);
      expect(submits[0].body.arrayProperties).toBeUndefined();
      expect(submits[0].body.containerOverrides.environment.map((e: { name: string }) => e.name)).toContain('ADNI_PATIENT_ID');
      expect(await store.list('jobs/arrays/')).toEqual([]);
    } finally {
      await batch.close();
    }
  });

  it('a failing SubmitJob releases every marker and the manifest, reports each session failed; the next backfill submits them', async () => {
    // Prepare
    const { batch, store, backfill, markerKeys } = await setup(SESSIONS);
    try {
      batch.failNext(1);
      // Act
      const failed = await backfill();
      // Assess
      expect(failed.status).toBe(200);
      expect(failed.body.sessions.map((s: any) => s.outcome)).toEqual(['failed', 'failed', 'failed']);
      expect(failed.body.sessions[0].reason).toMatch(/^job submission failed: /);
      expect(await markerKeys()).toEqual([]);
      expect(await store.list('jobs/arrays/')).toEqual([]);
      // Act again: Batch is back
      const again = await backfill();
      expect(again.status).toBe(202);
      expect(again.body.sessions.map((s: any) => s.outcome)).toEqual(['submitted', 'submitted', 'submitted']);
      expect(batch.requests.filter((r) => r.path === '/v1/submitjob').map((r) => r.body.arrayProperties)).toEqual([{ size: 3 }, { size: 3 }]);
    } finally {
      await batch.close();
    }
  });
});
